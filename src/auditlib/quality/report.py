"""Gate results as findings (findings.jsonl) and as per-gate statuses (summary.json)."""

from __future__ import annotations

from typing import Any

import duckdb

from auditlib.gate_registry import GATE_IDS, GATE_SEVERITY
from auditlib.rules.engine import Finding
from auditlib.snapshot.metadata import read_gates

_ERROR_LIMIT = 5


def _rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, int, str, dict[str, Any]]]:
    return [
        (r.gate_id, r.table_name, r.status, r.rows_affected, r.message, r.details)
        for r in read_gates(con)
    ]


def _evidence(rows_affected: int, details: dict[str, Any]) -> dict[str, Any]:
    """Counts, columns, check ids and sample row ids; never values of personal data."""
    checks = [
        {
            k: c[k]
            for k in (
                "check_id",
                "check",
                "columns",
                "unexpected",
                "sample_ids",
                "values",
                "missing_columns",
                "extra_columns",
                "wrong_types",
            )
            if k in c
        }
        for c in details.get("checks", [])
        if c.get("unexpected") or c.get("error")
    ]
    ev: dict[str, Any] = {"rows_affected": rows_affected, "table_rows": details.get("rows")}
    if checks:
        ev["checks"] = checks
        ev["columns"] = sorted({col for c in checks for col in c.get("columns", [])})
    if details.get("issues"):
        ev["issues"] = [
            {k: i.get(k) for k in ("kind", "column", "row_ref", "rows_affected")}
            for i in details["issues"]
        ]
    if "snapshot_time" in details:
        ev["snapshot_time"] = details["snapshot_time"]
    return ev


def gate_findings(
    con: duckdb.DuckDBPyConnection, severities: dict[str, str] | None = None
) -> list[Finding]:
    """One finding per failed gate and table (entity_type 'table', entity_id = table)."""
    severities = {**GATE_SEVERITY, **(severities or {})}
    return [
        Finding(g, severities[g], "table", t, m, _evidence(n, d))
        for g, t, s, n, m, d in _rows(con)
        if s == "fail"
    ]


def gate_status(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """gate id -> ``{"status", "findings", "error"}`` for summary.json.

    A gate is ``error`` if it errored on any table, else ``fail`` if it failed on any,
    else ``pass`` if it passed on any, else ``skipped`` (DQ-06 without a manifest).
    Gates that were never run are ``error`` (fail closed).
    """
    try:
        rows = _rows(con)
    except duckdb.Error:
        return {
            g: {
                "status": "error",
                "findings": 0,
                "error": "the data-quality gates were not run on this snapshot",
            }
            for g in GATE_IDS
        }
    out: dict[str, dict[str, Any]] = {}
    for g in GATE_IDS:
        mine = [r for r in rows if r[0] == g]
        statuses = {r[2] for r in mine}
        errors = [r[4] for r in mine if r[2] == "error"]
        if not mine:
            status, err = "error", f"{g} was not evaluated"
        elif errors:
            status = "error"
            err = "; ".join(errors[:_ERROR_LIMIT])
            if len(errors) > _ERROR_LIMIT:
                err += f"; and {len(errors) - _ERROR_LIMIT} more table(s)"
        elif "fail" in statuses:
            status, err = "fail", None
        elif "pass" in statuses:
            status, err = "pass", None
        else:
            status, err = "skipped", None
        out[g] = {
            "status": status,
            "findings": sum(1 for r in mine if r[2] == "fail"),
            "error": err,
        }
    return out
