"""Tiny snapshots for rule tests (shared by the RET, SUB and DSR rule tests).

Stable API (other areas import it; do not change signatures):

- ``make_snapshot(tables) -> duckdb.DuckDBPyConnection``: an in-memory DuckDB holding all
  18 tables in the *snapshot* layout (columns and types from
  ``src/auditlib/data/minimisation.toml`` and ``auditlib.schema``: ``keep`` columns under
  their own name, ``hmac`` columns as ``<col>_hmac`` VARCHAR, ``flag`` columns as
  ``<col>_present`` BOOLEAN, ``drop`` columns absent), with the given rows inserted.
  Missing columns are NULL. Values may be Python objects or strings DuckDB casts
  (``'2025-01-31'``, ``'2025-01-31 22:30:00+00'``); a timestamp string without an offset
  is read as UTC. For convenience a row may name an ``hmac`` column by its source name
  (``{"email": "A@x.se "}`` becomes ``email_hmac = h("A@x.se ")``) and a ``flag`` column by
  its source name (``{"extension_reason": "  "}`` becomes ``extension_reason_present =
  False``). Unknown column names raise, so a typo cannot silently become NULL.
- ``h(email) -> str``: a deterministic fake HMAC (hex sha256) of the normalised e-mail
  (all white space removed, lower-cased), as the snapshot stores it.
- ``run(con, rule_id, as_of, **params) -> list[Finding]``: evaluates one rule with
  ``require_gates=False`` and fails the test (printing the rule's error) if it errored.
- ``run_result(con, rule_id, as_of, **params) -> RuleResult``: the same, whole result
  (for ``observations``).
- ``ids(findings) -> set[str]``: the findings' entity ids.
- ``by_id(findings) -> dict[str, Finding]``: findings keyed by entity id.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import lru_cache
from typing import Any

import duckdb

from auditlib.config import Params
from auditlib.rules import Finding, RuleResult, evaluate_rules
from auditlib.snapshot.minimisation import load_minimisation

__all__ = ["by_id", "h", "ids", "make_snapshot", "run", "run_result", "snapshot_columns"]


def h(email: str) -> str:
    """Fake HMAC of a normalised e-mail: equal for e-mails equal after trim + lower-case."""
    normalised = "".join(email.split()).lower()
    return hashlib.sha256(("test-key:" + normalised).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def snapshot_columns() -> dict[str, dict[str, str]]:
    """table -> {snapshot column -> DuckDB type}, in schema order (the builder's own plan)."""
    return {
        t: {cp.snapshot_name: cp.snapshot_type for cp in cols.values() if cp.snapshot_name}
        for t, cols in load_minimisation().items()
    }


def _snapshot_row(table: str, row: dict[str, Any]) -> dict[str, Any]:
    cols = snapshot_columns()[table]
    plans = load_minimisation()[table]
    out: dict[str, Any] = {}
    for key, value in row.items():
        action = plans[key].action if key in plans else ""
        if key in cols:
            out[key] = value
        elif action == "hmac":
            out[f"{key}_hmac"] = None if value is None else h(value)
        elif action == "flag":
            out[f"{key}_present"] = value is not None and bool(str(value).strip())
        else:
            raise KeyError(f"table {table} has no snapshot column {key!r}; columns: {sorted(cols)}")
    return out


def make_snapshot(
    tables: dict[str, list[dict[str, Any]]] | None = None, *, timezone: str = "UTC"
) -> duckdb.DuckDBPyConnection:
    """In-memory snapshot with every table of the layout and the given rows.

    ``timezone`` is the connection's session time zone after loading (rules must not
    depend on it; a test may set another one to prove that).
    """
    tables = tables or {}
    layout = snapshot_columns()
    unknown = sorted(set(tables) - set(layout))
    if unknown:
        raise KeyError(f"unknown snapshot table(s) {unknown}")
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    for tname, cols in layout.items():
        col_sql = ", ".join(f'"{c}" {t}' for c, t in cols.items())
        con.execute(f'CREATE TABLE "{tname}" ({col_sql})')
        for raw in tables.get(tname, []):
            row = _snapshot_row(tname, raw)
            if not row:
                con.execute(f'INSERT INTO "{tname}" DEFAULT VALUES')
                continue
            names = list(row)
            casts = ", ".join(f"CAST(? AS {cols[n]})" for n in names)
            quoted = ", ".join(f'"{n}"' for n in names)
            con.execute(
                f'INSERT INTO "{tname}" ({quoted}) VALUES ({casts})',
                list(row.values()),
            )
    con.execute(f"SET TimeZone = '{timezone}'")
    return con


def run_result(
    con: duckdb.DuckDBPyConnection, rule_id: str, as_of: date | str, **params: Any
) -> RuleResult:
    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    (result,) = evaluate_rules(
        con, day, Params.from_mapping(params), rule_ids=[rule_id], require_gates=False
    )
    assert result.status != "error", f"{rule_id} errored: {result.error}"
    return result


def run(
    con: duckdb.DuckDBPyConnection, rule_id: str, as_of: date | str, **params: Any
) -> list[Finding]:
    return run_result(con, rule_id, as_of, **params).findings


def ids(findings: list[Finding]) -> set[str]:
    return {f.entity_id for f in findings}


def by_id(findings: list[Finding]) -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    for f in findings:
        assert f.entity_id not in out, f"two findings for entity {f.entity_id}"
        out[f.entity_id] = f
    return out
