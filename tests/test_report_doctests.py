"""Docstring examples of the report modules run as tests."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    ["auditlib.report.findings_table", "auditlib.report.terminal", "auditlib.report.privacy"],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
