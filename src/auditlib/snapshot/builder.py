"""Build the minimised, pseudonymised DuckDB snapshot from a source.

One pass per table: ``CREATE TABLE t AS SELECT <planned columns> FROM <source
relation>``. Only the columns of ``minimisation.toml`` are selected, so dropped
columns never reach the file, not even through a temporary table. Kept columns
are cast with ``TRY_CAST`` to their schema type; where the source type differs
from the schema type, one side column in the same pass holds a bit mask of the
columns whose cast failed in that row. One aggregate query then counts rows,
cast failures and NULLs in NOT NULL columns; only where a count is not zero a
second query names the first bad row by its primary key (``user_id=42``, or
``row N`` when the key itself is NULL); then the side column is dropped. The
failing value itself is never written into an issue message.

Decisions where the contract was silent:

- A text timestamp (CSV) without an offset is a cast failure: the export format
  promises ISO 8601 with offset, and a time zone is never guessed. Parquet
  TIMESTAMP columns without a time zone are read as UTC ("UTC on the wire",
  schema.sql): the session time zone is UTC while building.
- A table whose file cannot be read (truncated Parquet, broken quoting, not
  UTF-8) exists empty with its columns, with an ``unreadable`` *and* a
  ``missing_table`` issue, so DQ-01 fails for it whatever issue kind it checks.
- An export read error makes that table empty; a live-source read error refuses
  the whole snapshot (``SourceError``, transient): a partial copy of a live
  database is not a consistent snapshot.
- ``null_in_required``: NULLs (not from failed casts) in a NOT NULL column.
- The quality gates run on the new file before it is published; if they raise,
  no snapshot is written (fail closed). The caller hands the gate run in (``gates=``,
  normally ``auditlib.quality.run_gates`` through
  ``auditlib.quality.build_gated_snapshot``), so this package never imports the
  quality package (import layers: ``make lint``).
- The file's mode is set once (0600, before any data goes in) and it is hashed once,
  after the last write (``SnapshotInfo.sha256``: exactly the bytes that are published).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from auditlib import duckdb_resources
from auditlib.gate_registry import blocked_tables
from auditlib.hashing import sha256_file
from auditlib.schema import Table, load_schema
from auditlib.snapshot import atomic, metadata
from auditlib.snapshot import extraction_issues as issue_texts
from auditlib.snapshot.minimisation import ColumnPlan, load_minimisation
from auditlib.snapshot.pseudonym import (
    MACRO_EMAIL,
    MACRO_HMAC,
    PseudonymKey,
    drop_macros,
    install_macros,
    resolve_key,
)
from auditlib.snapshot.text_shapes import shape as text_shape
from auditlib.source.base import ExtractionIssue, Source, SourceError, SourceTable

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(message, done, total)``: called before each step and once at the end."""
GateRun = Callable[[duckdb.DuckDBPyConnection, datetime], list[metadata.GateResult]]
"""``gates(con, snapshot_time)``: evaluates the gates on the new file, writes ``_audit_gates``."""

# DuckDB's DESCRIBE names for the schema's duck_type spellings.
_TYPE_ALIASES = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}
_NOT_BLANK = r"[^\s\v\p{Z}]"
# One side column per table while copying: bit i set = the i-th cast-checked column failed.
# Mostly 0, so it compresses to (almost) nothing; dropped right after the stats query.
CHECK_COLUMN = "_auditlib_cast_failures"


class SnapshotError(Exception):
    """The snapshot could not be built (not a data problem: those become issues and gates)."""


@dataclass
class SnapshotInfo:
    path: Path
    sha256: str
    rows: dict[str, int]
    seconds: float
    key_fingerprint: str
    key_source: str
    snapshot_time: datetime
    gates: dict[str, dict[str, int]] = field(default_factory=dict)  # gate_id -> status -> tables
    gate_problems: list[str] = field(default_factory=list)  # "DQ-01 users: fail - message"
    issues: int = 0
    gate_rows: list[metadata.GateResult] = field(default_factory=list)

    @property
    def blocked_tables(self) -> dict[str, str]:
        """table -> reason, for tables a blocking gate (registry) does not let rules read."""
        return blocked_tables(self.gate_rows, {r.table_name for r in self.gate_rows})

    @property
    def blocked(self) -> bool:
        """True when a blocking gate is not ``pass``/``skipped`` for some table."""
        return bool(self.blocked_tables)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _same_type(source_type: str, target: str) -> bool:
    return source_type.upper() == _TYPE_ALIASES.get(target, target).upper()


def _cast_expr(src: str, source_type: str, target: str) -> str:
    """TRY_CAST, except that text must have the plain shape of its type to be read
    (:mod:`auditlib.snapshot.text_shapes`: the same on Spark; a timestamp needs its offset,
    '42.5' is not the BIGINT 43)."""
    pattern = text_shape(target)
    if pattern is not None and source_type.upper() == "VARCHAR":
        return f"CASE WHEN regexp_matches({src}, '{pattern}') THEN TRY_CAST({src} AS {target}) END"
    return f"TRY_CAST({src} AS {target})"


@dataclass
class _TablePlan:
    select: list[str]
    checks: dict[str, int]  # column -> its bit in the side column CHECK_COLUMN
    missing: list[str]
    columns_meta: list[dict[str, Any]]


def plan_table(table: Table, cols: dict[str, ColumnPlan], st: SourceTable) -> _TablePlan:
    """The SELECT list for one table: planned columns only, in schema order."""
    select, missing = [], []
    checks: dict[str, int] = {}
    fail_terms: list[str] = []
    # What the relation yields in DuckDB decides the cast (a PostgreSQL ``timestamptz`` is
    # already TIMESTAMPTZ: no TRY_CAST, no check bit); ``columns`` keeps the source spelling.
    yields = st.extra.get("duck_types") or st.columns
    for cp in cols.values():
        if cp.action == "drop":
            continue
        out = _q(cp.snapshot_name or "")
        if cp.name not in st.columns:
            missing.append(cp.name)
            select.append(f"CAST(NULL AS {cp.snapshot_type}) AS {out}")
            continue
        src = _q(cp.name)
        if cp.action == "keep":
            target = cp.column.duck_type
            source_type = yields.get(cp.name, st.columns[cp.name])
            if _same_type(source_type, target):
                select.append(f"{src} AS {out}")
            else:
                cast = _cast_expr(src, source_type, target)
                select.append(f"{cast} AS {out}")
                bit = 1 << len(checks)
                checks[cp.name] = bit
                fail_terms.append(
                    f"CASE WHEN {src} IS NOT NULL AND {cast} IS NULL THEN {bit} ELSE 0 END"
                )
        elif cp.action == "hmac":
            value = (
                f"{MACRO_EMAIL}({src})" if cp.is_email else f"NULLIF(CAST({src} AS VARCHAR), '')"
            )
            select.append(f"{MACRO_HMAC}({value}) AS {out}")
        elif cp.action == "flag":
            select.append(
                f"coalesce(regexp_matches(CAST({src} AS VARCHAR), '{_NOT_BLANK}'), false) AS {out}"
            )
    if fail_terms:
        select.append(f"CAST({' | '.join(fail_terms)} AS BIGINT) AS {_q(CHECK_COLUMN)}")
    return _TablePlan(select, checks, missing, metadata.column_entries(cols, st.columns))


def _row_ref_sql(table: Table) -> str:
    parts = ", ".join(f"'{c}=' || CAST({_q(c)} AS VARCHAR)" for c in table.primary_key)
    return f"coalesce(NULLIF(concat_ws(', ', {parts}), ''), 'row ' || CAST(rowid + 1 AS VARCHAR))"


def _create_empty(con: duckdb.DuckDBPyConnection, name: str, cols: dict[str, ColumnPlan]) -> None:
    defs = ", ".join(
        f"{_q(cp.snapshot_name or '')} {cp.snapshot_type}"
        for cp in cols.values()
        if cp.action != "drop"
    )
    con.execute(f"DROP TABLE IF EXISTS {_q(name)}")
    con.execute(f"CREATE TABLE {_q(name)} ({defs})")


def _copy_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    cols: dict[str, ColumnPlan],
    st: SourceTable,
    issues: list[ExtractionIssue],
) -> tuple[int, list[dict[str, Any]]]:
    """CTAS one table, record its issues; returns (rows, columns metadata)."""
    name = table.name
    tp = plan_table(table, cols, st)
    issues += issue_texts.column_issues(table, cols, st, tp.missing)
    con.execute(f"CREATE TABLE {_q(name)} AS SELECT {', '.join(tp.select)} FROM {st.relation_sql}")

    # Counts first (one scan); the first bad row's key only where a count is not zero.
    probes: list[tuple[str, str, str]] = []  # (kind, column, condition)
    chk = _q(CHECK_COLUMN)
    for c, bit in tp.checks.items():
        probes.append(("cast_failure", c, f"({chk} & {bit}) <> 0"))
    for c in issue_texts.required_columns(cols, tp.missing):
        cond = f"{_q(cols[c].snapshot_name or '')} IS NULL"
        if c in tp.checks:
            cond += f" AND ({chk} & {tp.checks[c]}) = 0"
        probes.append(("null_in_required", c, cond))
    aggs = ["count(*)"] + [f"count_if({cond})" for _k, _c, cond in probes]
    counts = con.execute(f"SELECT {', '.join(aggs)} FROM {_q(name)}").fetchone()
    assert counts is not None
    rows = int(counts[0])
    bad = [(p, int(n)) for p, n in zip(probes, counts[1:], strict=True) if n]
    firsts: tuple = ()
    if bad:
        ref = _row_ref_sql(table)
        firsts = (
            con.execute(
                "SELECT "
                + ", ".join(
                    f"arg_min({ref}, rowid) FILTER (WHERE {cond})" for (_k, _c, cond), _n in bad
                )
                + f" FROM {_q(name)}"
            ).fetchone()
            or ()
        )
    for ((kind, c, _cond), n), first in zip(bad, firsts, strict=True):
        issues.append(issue_texts.value_issue(kind, name, cols[c], st.columns[c], n, first))
    if tp.checks:
        con.execute(f"ALTER TABLE {_q(name)} DROP COLUMN {chk}")
    issues += issue_texts.manifest_rows(name, st, rows, con)
    return rows, tp.columns_meta


def gate_summary(
    results: list[metadata.GateResult],
) -> tuple[dict[str, dict[str, int]], list[str]]:
    summary: dict[str, dict[str, int]] = {}
    problems: list[str] = []
    for r in results:
        summary.setdefault(r.gate_id, {}).setdefault(r.status, 0)
        summary[r.gate_id][r.status] += 1
        if r.status not in ("pass", "skipped"):
            problems.append(f"{r.gate_id} {r.table_name}: {r.status} - {r.message}")
    return summary, problems


def build_snapshot(
    source: Source | str,
    out_path: Path | str,
    *,
    gates: GateRun,
    key: bytes | None = None,
    progress: Progress | None = None,
) -> SnapshotInfo:
    """Build the snapshot at ``out_path`` (atomically, mode 0600) and run ``gates`` on it.

    ``gates(con, snapshot_time)`` evaluates the data-quality gates on the new file before
    it is published (``auditlib.quality.build_gated_snapshot`` passes ``run_gates``).

    ``key``: the pseudonymisation key; default ``AUDITLIB_PSEUDONYM_KEY``, else random
    (``SnapshotInfo.key_source == 'random'``). Raises ``SourceError`` when the source
    cannot be read at all, ``SnapshotError`` when the build fails otherwise. Data
    problems never raise: they are ``_extraction_issues`` and failed gates.
    """
    from auditlib.source import open_source

    t0 = time.perf_counter()
    started = datetime.now(UTC)
    try:
        pkey = resolve_key(key)
    except ValueError as exc:
        raise SnapshotError(str(exc)) from None
    if isinstance(source, str):
        source = open_source(source)
    out_path = Path(out_path)
    schema, plan = load_schema(), load_minimisation()
    total = len(schema.tables) + 2
    report: Progress = progress or (lambda msg, done, tot: None)

    try:
        with atomic.building(out_path) as tmp:
            con = duckdb.connect(str(tmp))
            try:
                duckdb_resources.apply(con)  # memory limit / threads / spill dir (out of core)
                os.chmod(tmp, atomic.FILE_MODE)  # the one mode change: before any data goes in
                info = _build_into(con, source, pkey, schema, plan, report, total, started, gates)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            info.sha256 = sha256_file(tmp)  # the one hash: exactly the bytes that are published
    except (SourceError, SnapshotError):
        raise
    except duckdb.Error as exc:
        raise SnapshotError(f"building the snapshot failed: {str(exc).splitlines()[0]}") from exc
    except OSError as exc:
        raise SnapshotError(
            f"writing the snapshot {out_path} failed: {exc}; no snapshot was written"
        ) from exc
    finally:
        source.close()
    info.path = out_path
    info.seconds = time.perf_counter() - t0
    report("done", total, total)
    return info


def _build_into(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    pkey: PseudonymKey,
    schema: Any,
    plan: dict[str, dict[str, ColumnPlan]],
    report: Progress,
    total: int,
    started: datetime,
    gates: GateRun,
) -> SnapshotInfo:
    con.execute("SET TimeZone = 'UTC'")
    install_macros(con, pkey.key)
    report("opening source", 0, total)
    source.open(con)
    issues: list[ExtractionIssue] = list(source.issues())
    available = source.tables()
    explained = {i.table_name: i for i in issues if i.kind in ("ambiguous", "unreadable")}
    records: list[metadata.TableRecord] = []
    rows: dict[str, int] = {}
    with source.consistent_read(con):  # one consistent view of a live source
        for n, (tname, table) in enumerate(schema.tables.items(), start=1):
            report(f"copying {tname}", n, total)
            cols = plan[tname]
            st = available.get(tname)
            if st is None:
                issues.append(issue_texts.missing_table(tname, explained.get(tname)))
                _create_empty(con, tname, cols)
                rows[tname] = 0
                records.append(metadata.TableRecord(tname, None, None, None, 0, None, []))
                continue
            try:
                count, cmeta = _copy_table(con, table, cols, st, issues)
            except duckdb.Error as exc:
                if source.partial_read_fails_snapshot:
                    # names host/db/table, no secret; not chained: DuckDB's text may echo
                    # the connection string
                    raise source.read_error(tname, exc) from None
                issues += issue_texts.unreadable(tname, source.read_error_message(tname, exc))
                _create_empty(con, tname, cols)
                rows[tname] = 0
                records.append(
                    metadata.TableRecord(tname, st.origin, st.format, None, 0, st.input_sha256, [])
                )
                continue
            rows[tname] = count
            records.append(
                metadata.TableRecord(
                    tname, st.origin, st.format, count, count, st.input_sha256, cmeta
                )
            )
    snapshot_time = source.snapshot_time()
    drop_macros(con)
    report("metadata and quality gates", total - 1, total)
    finished = datetime.now(UTC)
    metadata.write_issues(con, issues)
    metadata.write_tables(con, records)
    metadata.write_meta(
        con,
        metadata.snapshot_meta(
            source,
            snapshot_time,
            started,
            finished,
            schema.sha256,
            pkey.fingerprint,
            pkey.source,
        ),
    )
    try:
        results = gates(con, snapshot_time)
    except Exception as exc:  # fail closed: no gates, no snapshot
        raise SnapshotError(
            f"the data-quality gates could not run ({type(exc).__name__}: {exc}); "
            "no snapshot was written"
        ) from exc
    summary, problems = gate_summary(results)
    return SnapshotInfo(
        path=Path(),
        sha256="",
        rows=rows,
        seconds=0.0,
        key_fingerprint=pkey.fingerprint,
        key_source=pkey.source,
        snapshot_time=snapshot_time,
        gates=summary,
        gate_problems=problems,
        issues=len(issues),
        gate_rows=list(results),
    )
