"""Expectation suites (bootstrap placeholder)."""

from __future__ import annotations

from typing import Any


def load_suites() -> dict[str, Any]:
    return {}
