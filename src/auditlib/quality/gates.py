"""Run the six gates on a snapshot and write ``_audit_gates`` (one row per gate and table).

- DQ-01: the builder's ``_extraction_issues`` (missing table / needed column, cast
  failures, unreadable or ambiguous files) plus the suite's schema expectation, checked
  on the DuckDB catalog (column set and types; pandas cannot see SQL types).
- DQ-02..05: the suites' expectations on the data, by the backend :func:`choose_backend`
  picks (compiled DuckDB SQL by default; with ``backend="auto"`` GX on pandas for small
  tables; orphans always in DuckDB).
- DQ-06: the builder's manifest issues; ``skipped`` when the source had no manifest.

Fail closed: a check that cannot run makes its gate ``error``; a table missing from the
snapshot makes DQ-02..05 ``error`` for it (nothing to evaluate is not a pass).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import duckdb

from auditlib.gate_registry import GATE_IDS, GATES
from auditlib.quality import sql_backend
from auditlib.quality.checks import SAMPLE_SIZE, CheckResult, expectation_columns, new_result
from auditlib.quality.issues import (
    DQ01_KINDS,
    DQ06_KINDS,
    Issue,
    ManifestState,
    is_needed_column,
    manifest_state,
    read_issues,
)
from auditlib.quality.messages import describe_check, describe_issue
from auditlib.quality.suites import (
    SNAPSHOT_TIME_PARAMETER,
    SuiteError,
    read_suite_dicts,
    snapshot_column,
)
from auditlib.schema import load_schema
from auditlib.snapshot import metadata
from auditlib.snapshot.metadata import GateResult, write_gates

__all__ = [
    "GATE_IDS",
    "GateResult",
    "SnapshotDb",
    "choose_backend",
    "run_gates",
    "write_gates",
]

# The gates evaluated on the data by the suites: all but the first (DQ-01: the builder's
# issues + the schema check, `_dq01`) and the last (DQ-06: the manifest check, `_dq06`).
# What each computes is code; ids, severity and blocking are the registry's.
DATA_GATES = GATE_IDS[1:-1]
# Tables with fewer rows are validated by Great Expectations on pandas (see package docs).
DEFAULT_GX_ROW_THRESHOLD = 100_000
BACKENDS = ("auto", "duckdb", "gx")
# What the snapshot builder (and any caller that does not choose) runs: compiled DuckDB SQL.
# GX on the small tables is opt-in (``backend="auto"``); why: package docstring, measured.
DEFAULT_BACKEND = "duckdb"


class SnapshotDb(sql_backend.SqlRunner, Protocol):
    """A snapshot the gates run on: SQL, plus its metadata (``_snapshot_meta``) and where the
    gate rows go. :class:`DuckSnapshot` here; ``auditlib.engines.spark.gates.SparkGateDb`` for
    a Spark snapshot (the same gates, compiled to Spark SQL)."""

    def read_meta(self) -> dict[str, Any] | None: ...

    def write_gates(self, results: list[GateResult]) -> None: ...


class DuckSnapshot(sql_backend.DuckRunner):
    """A DuckDB snapshot file's connection as a :class:`SnapshotDb`."""

    def read_meta(self) -> dict[str, Any] | None:
        return metadata.try_read_meta(self.con)

    def write_gates(self, results: list[GateResult]) -> None:
        write_gates(self.con, results)


def choose_backend(rows: int, backend: str, gx_row_threshold: int) -> str:
    """'gx' or 'duckdb' for a table's column checks (orphans are always DuckDB)."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "gx" if rows < gx_row_threshold else "duckdb"
    return backend


def run_gates(
    con: duckdb.DuckDBPyConnection | SnapshotDb,
    snapshot_time: datetime,
    *,
    backend: str = DEFAULT_BACKEND,
    gx_row_threshold: int = DEFAULT_GX_ROW_THRESHOLD,
) -> list[GateResult]:
    """Evaluate DQ-01..06 for all 18 tables, (re)write ``_audit_gates`` and return the rows.

    ``backend``: 'duckdb' (the default: compiled SQL only, GX is not imported), 'auto'
    (GX on pandas below ``gx_row_threshold`` rows, DuckDB above) or 'gx' (GX wherever
    it can run). Verdicts do not depend on it (``tests/test_quality_parity.py``).
    ``con``: a DuckDB snapshot's connection, or any :class:`SnapshotDb` (a Spark snapshot:
    there ``backend`` must be ``"duckdb"``, i.e. the compiled SQL, in Spark's dialect).
    """
    if snapshot_time.tzinfo is None:
        raise ValueError("snapshot_time must be timezone-aware (an instant, e.g. UTC)")
    choose_backend(0, backend, gx_row_threshold)  # validate early
    db: SnapshotDb = DuckSnapshot(con) if isinstance(con, duckdb.DuckDBPyConnection) else con
    if not isinstance(db, DuckSnapshot) and backend != "duckdb":
        raise ValueError(
            f"backend {backend!r} needs a DuckDB snapshot (GX validates pandas frames read "
            f"from DuckDB); on {db.dialect.name} the gates run as compiled SQL"
        )
    tables = load_schema().table_names
    issues, issues_error = read_issues(db)
    manifest = manifest_state(db.read_meta(), issues)
    try:
        suites: dict[str, dict[str, Any]] | None = read_suite_dicts()
        suite_error = None
    except SuiteError as exc:
        suites, suite_error = None, str(exc)
    params = {SNAPSHOT_TIME_PARAMETER: snapshot_time}
    catalog = db.catalog()
    results: list[GateResult] = []
    for t in tables:
        table_issues = [i for i in issues if i.table_name in (t, None)]
        try:
            results += _evaluate_table(
                db,
                t,
                table_issues,
                issues_error,
                manifest,
                suites,
                suite_error,
                params,
                catalog,
                backend,
                gx_row_threshold,
                snapshot_time,
            )
        except Exception as exc:  # noqa: BLE001 - a crashed gate is 'error', never 'pass'
            msg = (
                f"the gate crashed on table {t}: {type(exc).__name__}: {exc}; "
                "this is a bug or an unreadable snapshot table: rebuild the snapshot and "
                "report the message"
            )
            results += [GateResult(g, t, "error", 0, f"{g} {t}: {msg}", {}) for g in GATE_IDS]
    db.write_gates(results)
    return results


def _evaluate_table(
    con: SnapshotDb,
    t: str,
    table_issues: list[Issue],
    issues_error: str | None,
    manifest: ManifestState,
    suites: dict[str, dict[str, Any]] | None,
    suite_error: str | None,
    params: dict[str, Any],
    catalog: sql_backend.Catalog,
    backend: str,
    gx_row_threshold: int,
    snapshot_time: datetime,
) -> list[GateResult]:
    """The six gate rows of one table."""
    exists = t in catalog
    rows = _count(con, t) if exists else 0
    used = choose_backend(rows, backend, gx_row_threshold) if exists else "none"
    if used == "duckdb":  # the compiled SQL: named by the engine that ran it
        used = con.dialect.name
    checks: list[CheckResult] = []
    gone = _table_not_delivered(t, table_issues, exists)
    if suites is not None:
        checks = _run_checks(con, t, suites[t], params, used, exists, catalog, rows)
        _mark_unavailable(t, checks, table_issues, gone)
    out = [_dq01(t, exists, rows, checks, table_issues, issues_error, suite_error)]
    for gate in DATA_GATES:
        r = _data_gate(gate, t, rows, used, checks, suite_error or gone, snapshot_time)
        if r.status == "fail" and suites is not None:
            _count_distinct_rows(con, r, suites[t], checks, params)
        out.append(r)
    out.append(_dq06(t, table_issues, issues_error, manifest))
    return out


def _count(con: SnapshotDb, table: str) -> int:
    return int(con.fetch(f"SELECT count(*) FROM {sql_backend.q(table)}")[0][0])


def _count_distinct_rows(
    con: SnapshotDb,
    result: GateResult,
    suite: dict[str, Any],
    checks: list[CheckResult],
    params: dict[str, Any],
) -> None:
    """Replace the sum of per-check counts by the number of distinct rows touched.

    Only needed when two or more checks of the gate failed; done in DuckDB for both
    backends (one more scan, only on failure). If it cannot run, the sum stays and the
    details say so.
    """
    failing = {
        c.check_id
        for c in checks
        if c.gate_id == result.gate_id and c.unexpected_count and not c.error
    }
    if len(failing) < 2:
        return
    exps = [e for e in suite["expectations"] if e["meta"]["check_id"] in failing]
    try:
        result.rows_affected = sql_backend.rows_failing_any(con, result.table_name, exps, params)
        result.details["rows_affected_is"] = "distinct rows failing any check"
    except Exception as exc:  # noqa: BLE001 - keep the (larger) sum, never hide the failure
        result.details["rows_affected_is"] = (
            f"sum over checks (distinct count failed: {type(exc).__name__}: {exc})"
        )


def _table_not_delivered(table: str, issues: list[Issue], exists: bool) -> str | None:
    """Why the table's data gates cannot be evaluated (None when they can)."""
    if not exists:
        return f"not evaluated: table {table} is missing from the snapshot (see DQ-01)"
    kinds = sorted(
        {i.kind for i in issues if i.kind in ("missing_table", "unreadable", "ambiguous")}
    )
    if kinds:
        return (
            f"not evaluated: the source did not deliver table {table} "
            f"({', '.join(kinds)}; see DQ-01)"
        )
    return None


def _mark_unavailable(
    table: str, checks: list[CheckResult], issues: list[Issue], gone: str | None
) -> None:
    """Checks on data the source did not deliver are errors, not passes on NULLs/no rows.

    The builder keeps a missing table (no rows) and a missing column (all NULL) in the
    snapshot; checking them would pass vacuously. DQ-01 already fails for them.
    """
    gone_cols = {
        snapshot_column(table, i.column_name)
        for i in issues
        if i.table_name == table and i.kind == "missing_column" and i.column_name
    }
    for c in checks:
        if c.gate_id == "DQ-01" or c.error:
            continue
        if gone:
            c.error = gone
        elif lacking := sorted(gone_cols & set(c.columns)):
            c.error = (
                f"not evaluated: the source lacks column(s) "
                f"{', '.join(f'{table}.{g}' for g in lacking)} (see DQ-01)"
            )
        if c.error:
            c.unexpected_count, c.samples, c.values = 0, [], []


def _run_checks(
    con: SnapshotDb,
    table: str,
    suite: dict[str, Any],
    params: dict[str, Any],
    used: str,
    exists: bool,
    catalog: sql_backend.Catalog,
    rows: int,
) -> list[CheckResult]:
    schema_types = {"expect_table_columns_to_match_set"}
    all_types = {e["type"] for e in suite["expectations"]}
    out = sql_backend.run_suite(con, table, suite, params, schema_types, catalog)
    data_types = all_types - schema_types
    if not exists or used != "gx" or not isinstance(con, DuckSnapshot):
        return out + sql_backend.run_suite(con, table, suite, params, data_types, catalog, rows)
    from auditlib.quality import gx_backend

    sql_only = data_types & gx_backend.GX_UNSUPPORTED
    out += sql_backend.run_suite(con, table, suite, params, sql_only, catalog, rows)
    gx_types = data_types - sql_only
    actual = catalog.get(table, {})
    missing = [
        c
        for e in suite["expectations"]
        if e["type"] in gx_types
        for c in expectation_columns(e)
        if c not in actual
    ]
    if missing:  # GX would fail obscurely on a missing column: the compiler names it
        return out + sql_backend.run_suite(con, table, suite, params, gx_types, catalog, rows)
    try:
        return out + gx_backend.validate_table(con.con, table, suite, params, types=gx_types)
    except Exception as exc:  # noqa: BLE001 - the gates of a crashed validation are 'error'
        failed = []
        for e in suite["expectations"]:
            if e["type"] in gx_types:
                r = new_result(table, e, "gx-pandas")
                r.error = f"Great Expectations failed on table {table}: {type(exc).__name__}: {exc}"
                failed.append(r)
        return out + failed


def _summarise(
    gate: str, table: str, checks: list[CheckResult]
) -> tuple[str, int, str, list[dict[str, Any]]]:
    errors = [c for c in checks if c.error]
    failed = [c for c in checks if not c.error and c.unexpected_count > 0]
    affected = sum(c.unexpected_count for c in failed)
    if errors:
        status = "error"
        text = "; ".join(f"{c.check_id}: {c.error}" for c in errors[:SAMPLE_SIZE])
        msg = f"{gate} {table}: could not be evaluated: {text}"
    elif failed:
        status = "fail"
        msg = f"{gate} {table}: " + "; ".join(describe_check(c) for c in failed)
    else:
        status, msg = "pass", f"{gate} {table}: {len(checks)} check(s) passed"
    return status, affected, msg, [c.to_details() for c in checks]


def _data_gate(
    gate: str,
    table: str,
    rows: int,
    used: str,
    checks: list[CheckResult],
    blocked: str | None,
    snapshot_time: datetime,
) -> GateResult:
    mine = [c for c in checks if c.gate_id == gate]
    details: dict[str, Any] = {"rows": rows, "backend": used}
    if gate == "DQ-05":
        details["snapshot_time"] = snapshot_time.isoformat()
    if blocked:
        return GateResult(gate, table, "error", 0, f"{gate} {table}: {blocked}", details)
    status, affected, msg, detail_checks = _summarise(gate, table, mine)
    details["checks"] = detail_checks
    if status != "pass":
        msg += f". {GATES[gate].next_step_text()}"
    return GateResult(gate, table, status, affected, msg, details)


def _dq01(
    table: str,
    exists: bool,
    rows: int,
    checks: list[CheckResult],
    issues: list[Issue],
    issues_error: str | None,
    suite_error: str | None,
) -> GateResult:
    details: dict[str, Any] = {"rows": rows}
    relevant = [i for i in issues if i.kind in DQ01_KINDS]
    failing = [
        i
        for i in relevant
        if not (i.kind == "missing_column" and not is_needed_column(table, i.column_name))
    ]
    notes = [i for i in issues if i not in failing and i.kind not in DQ06_KINDS]
    details["issues"] = [i.to_details() for i in failing]
    if notes:
        details["notes"] = [i.to_details() for i in notes][:20]
    schema_checks = [c for c in checks if c.gate_id == "DQ-01"]
    details["checks"] = [c.to_details() for c in schema_checks]
    problems = [describe_issue(i) for i in failing]
    problems += [describe_check(c) for c in schema_checks if not c.error and c.unexpected_count]
    errors = [f"{c.check_id}: {c.error}" for c in schema_checks if c.error]
    if issues_error:
        errors.append(issues_error)
    if suite_error:
        errors.append(suite_error)
    if not exists and not any(i.kind == "missing_table" for i in failing):
        problems.append(f"table {table} does not exist in the snapshot")
    affected = sum(i.rows_affected or 0 for i in failing)
    if problems:  # a known failure outranks an evaluation error: it blocks either way
        msg = f"DQ-01 {table}: " + "; ".join(problems)
        if errors:
            msg += "; also could not evaluate: " + "; ".join(errors)
        return GateResult(
            "DQ-01", table, "fail", affected, msg + f". {GATES['DQ-01'].next_step_text()}", details
        )
    if errors:
        return GateResult(
            "DQ-01",
            table,
            "error",
            0,
            f"DQ-01 {table}: could not be evaluated: " + "; ".join(errors),
            details,
        )
    return GateResult(
        "DQ-01",
        table,
        "pass",
        0,
        f"DQ-01 {table}: present with all snapshot columns in their schema types",
        details,
    )


def _dq06(
    table: str, issues: list[Issue], issues_error: str | None, manifest: ManifestState
) -> GateResult:
    mine = [i for i in issues if i.kind in DQ06_KINDS]
    details: dict[str, Any] = {"manifest": manifest.state, "issues": [i.to_details() for i in mine]}
    if mine:
        msg = f"DQ-06 {table}: " + "; ".join(describe_issue(i) for i in mine)
        return GateResult(
            "DQ-06",
            table,
            "fail",
            sum(i.rows_affected or 0 for i in mine),
            msg + f". {GATES['DQ-06'].next_step_text()}",
            details,
        )
    if issues_error:
        return GateResult("DQ-06", table, "error", 0, f"DQ-06 {table}: {issues_error}", details)
    if manifest.state == "absent":
        return GateResult(
            "DQ-06", table, "skipped", 0, f"DQ-06 {table}: skipped: {manifest.reason}", details
        )
    if manifest.state == "unknown":
        return GateResult(
            "DQ-06",
            table,
            "error",
            0,
            f"DQ-06 {table}: could not be evaluated: {manifest.reason}",
            details,
        )
    return GateResult(
        "DQ-06",
        table,
        "pass",
        0,
        f"DQ-06 {table}: the export's manifest agrees with the file (rows, sha256)",
        details,
    )
