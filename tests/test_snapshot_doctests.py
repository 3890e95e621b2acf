"""Docstring examples of the snapshot modules run as tests."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module", ["auditlib.snapshot.minimisation", "auditlib.snapshot.pseudonym"]
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
