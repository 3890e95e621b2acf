"""Gate results as findings and as summary.json statuses (bootstrap placeholder)."""

from __future__ import annotations

from typing import Any

import duckdb

from auditlib.rules.engine import Finding


def gate_findings(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    return []


def gate_status(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    return {}
