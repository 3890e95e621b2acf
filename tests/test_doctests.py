"""Docstring examples of the shared modules run as tests (they are documentation that must stay true)."""

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "auditlib.schema",
        "auditlib.dates",
        "auditlib.gate_registry",
        "auditlib.source.spec",
        "auditlib.source.postgres.conninfo",
        "auditlib.redaction",
        "auditlib.source.postgres.timeouts",
        "auditlib.snapshot.extraction_issues",
        "auditlib.snapshot.text_shapes",
        "auditlib.engines.spark.errors",
        "auditlib.engines.spark.jdbc",
    ],
)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
