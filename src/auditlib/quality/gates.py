"""Placeholder during bootstrap: every gate is ``error`` (fail closed) until the real gates land."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from auditlib.schema import load_schema

GATE_IDS = ("DQ-01", "DQ-02", "DQ-03", "DQ-04", "DQ-05", "DQ-06")
GATES_TABLE = "_audit_gates"


@dataclass
class GateResult:
    gate_id: str
    table_name: str
    status: str  # 'pass' | 'fail' | 'error' | 'skipped'
    rows_affected: int = 0
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def run_gates(con: duckdb.DuckDBPyConnection, snapshot_time: datetime) -> list[GateResult]:
    results = [
        GateResult(g, t, "error", 0, f"{g} on table {t}: gates not implemented yet")
        for g in GATE_IDS
        for t in load_schema().table_names
    ]
    con.execute(
        f"CREATE OR REPLACE TABLE {GATES_TABLE} (gate_id VARCHAR, table_name VARCHAR, "
        "status VARCHAR, rows_affected BIGINT, message VARCHAR, details JSON)"
    )
    con.executemany(
        f"INSERT INTO {GATES_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
        [(r.gate_id, r.table_name, r.status, r.rows_affected, r.message, json.dumps(r.details))
         for r in results],
    )
    return results
