"""Data-quality gates DQ-01..06 (spec "Data quality (DQ) gates").

Public API::

    build_gated_snapshot(source, out_path, *, key=None, progress=None, gates_backend=None)
        -> auditlib.snapshot.SnapshotInfo  # the snapshot, gated before it is published
    run_gates(con, snapshot_time, *, backend="duckdb", gx_row_threshold=100_000)
        -> list[GateResult]          # also (re)writes table _audit_gates
    gate_findings(con, severities=None) -> list[auditlib.rules.Finding]
    gate_status(con) -> {gate_id: {"status", "findings", "error"}}
    load_suites() -> {table: great_expectations.core.ExpectationSuite}

Layout (spec apart from backend, pandera-style):

- ``expectations/<table>.json``: the suites, the reviewed artefact, generated from
  ``schema.sql`` + ``minimisation.toml`` by :mod:`.suites` (``make regen``);
  a test keeps them equal to the generated ones. Each expectation names its gate.
- :mod:`.sql_backend`: compiles every expectation type used into SQL, in DuckDB's or Spark's
  dialect (a Spark snapshot's gates: ``auditlib.engines.spark.gates``).
- :mod:`.gx_backend`: runs the same suite with real Great Expectations on pandas.
- :mod:`.gates`: picks the backend per table, adds the builder's extraction issues
  (DQ-01) and manifest issues (DQ-06), and writes ``_audit_gates``.
- :mod:`.issues`, :mod:`.messages`, :mod:`.report`: inputs, texts, findings/summary.

Where expectations run (the design decision, measured):
GX 1.24's SQL datasource cannot validate DuckDB: with duckdb-engine 0.17 and SQLAlchemy
2.0.58 a table asset's ``head()`` works, but every metric fails inside
``SqlAlchemyExecutionEngine.resolve_metric_bundle`` ("list index out of range";
``UnexpectedRowsExpectation``: "'NoneType' object is not subscriptable"), as in upstream
issue 11579 (tried 2026-11-24 in a throwaway directory; those packages are not
dependencies). So GX can only run on pandas. The DuckDB compiler costs per table one
aggregate scan for all column checks (sample ids in a second query only when a count is
not zero), one ``GROUP BY`` per key (split into hash partitions of at most 2.5M rows so
its memory stays bounded), and one anti-join per foreign key (counting, with sample ids built for the
orphan rows only). ``tests/test_quality_parity.py`` proves that both backends give the
same counts, sample ids and values on the same bad data for every expectation type used.

Decision (2026-11-24): the default, and what the snapshot builder runs, is
``backend="duckdb"``; Great Expectations on the small tables is opt-in
(``backend="auto"``: tables below ``gx_row_threshold`` = 100,000 rows by GX on pandas,
only the columns their expectations name; ``backend="gx"``: GX wherever it can run).
Orphans (DQ-03, joins; GX's ``UnexpectedRowsExpectation`` is SQL-only) and the schema
expectation of DQ-01 (SQL types; pandas dtypes cannot show them) are always checked in
DuckDB. The numbers that decided it (quiet 2-core machine, load average ~0.7-2.5, demo
data ``--as-of 2026-06-30``, each run in its own process, ``benchmarks/bench_gates.py
--snapshot``; "before" = the same code before the anti-join / hash-partition / GX-column
changes):

==========================================  =================  =================
``run_gates`` on a built snapshot            before             after
==========================================  =================  =================
scale 1 (3.4M rows), ``duckdb``              1.7 s, 222 MiB     1.1 s, 250 MiB
scale 1, ``auto`` (GX on 14 small tables)    7.3 s, 429 MiB     6.2-8.6 s, 430 MiB
scale 10 (34M rows), ``duckdb``              8.3 s, 1134 MiB    7.0-7.5 s, 450 MiB
scale 10, ``auto``                           16.2 s, 1546 MiB   12.5-14.0 s, 665 MiB
==========================================  =================  =================

Every ``_audit_gates`` row (status, rows_affected, message, details) was identical before
and after, for both backends and both scales.

Whole ``build_snapshot`` from the scale-1 Parquet export: 2.35 / 2.65 s and 321 MiB
peak with ``duckdb`` gates (0.64 / 0.69 s of it the gates), 8.5 / 9.2 s and 491-498 MiB
with ``auto`` (6.8 / 7.3 s the gates; ``auditlib snapshot`` took 10.8 s and 487 MiB
before), and still 7.3 / 8.7 s when GX is imported in a thread while the tables are
copied (2 cores: the import competes with the copy). Of the ``auto`` gates, ``import great_expectations`` alone is 4.5-4.8 s and 180 MiB (RSS 64 ->
247 MiB; ~18 s under load); validating the 14 small tables on pandas another ~2 s. That
is more than twice the whole snapshot with DuckDB gates, so the targets for a production
snapshot (>= 0.8x the throughput of a bare DuckDB copy, >= 5x less memory than
``pandas.read_sql``) cannot be met with GX in the path: keeping it there is not
defensible. What GX still does for real: the suites are GX 1.24 suites
(``load_suites()`` builds ``ExpectationSuite`` objects from the committed JSON), the
parity tests run every expectation type through GX against the compiler, and
``run_gates(..., backend="auto")`` validates the small tables with GX on request (e.g. in
a notebook, where the import is paid once). The scale-10 memory growth came from the
compound-key ``GROUP BY`` over 20M ``message_deliveries`` (1067 MiB alone), not from
pandas: at scale 10 only tables under 100,000 rows ever reached ``.df()``.

Decisions where the spec is silent are in :mod:`.suites` (what each gate checks),
:mod:`.issues` (which issue kinds fail DQ-01/DQ-06, how "no manifest" is recognised) and
:mod:`.gates` (fail closed: a table or column the source did not deliver makes the data
gates ``error``, never a vacuous ``pass``). ``rows_affected`` is the number of distinct rows
that fail any of a gate's checks (one extra DuckDB scan when two or more checks failed);
details give each check's own count and up to five sample row ids.
"""

from auditlib.gate_registry import GATE_IDS, GATE_SEVERITY
from auditlib.quality.gated_snapshot import build_gated_snapshot
from auditlib.quality.gates import (
    DEFAULT_BACKEND,
    DEFAULT_GX_ROW_THRESHOLD,
    GateResult,
    run_gates,
)
from auditlib.quality.report import gate_findings, gate_status
from auditlib.quality.suites import load_suites

__all__ = [
    "DEFAULT_BACKEND",
    "DEFAULT_GX_ROW_THRESHOLD",
    "GATE_IDS",
    "GATE_SEVERITY",
    "GateResult",
    "build_gated_snapshot",
    "gate_findings",
    "gate_status",
    "load_suites",
    "run_gates",
]
