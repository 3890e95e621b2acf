"""Docstring examples of the quality package run as tests."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["auditlib.quality.sql_backend", "auditlib.quality.checks"])
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
