"""Data-quality gates DQ-01..06 (spec "Data quality (DQ) gates").

Public API::

    run_gates(con, snapshot_time, *, backend="auto", gx_row_threshold=100_000)
        -> list[GateResult]          # also (re)writes table _audit_gates
    gate_findings(con, severities=None) -> list[auditlib.rules.Finding]
    gate_status(con) -> {gate_id: {"status", "findings", "error"}}
    load_suites() -> {table: great_expectations.core.ExpectationSuite}

Layout (spec apart from backend, pandera-style):

- ``expectations/<table>.json``: the suites, the reviewed artefact, generated from
  ``schema.sql`` + ``minimisation.toml`` by :mod:`.suites` (``python -m auditlib.quality``);
  a test keeps them equal to the generated ones. Each expectation names its gate.
- :mod:`.duckdb_backend`: compiles every expectation type used into DuckDB SQL.
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
dependencies). So GX runs on pandas, where it is expensive for big tables:
``benchmarks/bench_gates.py``, ``message_deliveries`` with 5,000,000 rows (0.1 % bad),
2 cores shared with other jobs (load average ~8.5), each backend in its own process:

=====================  ===========  =========================  ===========
backend (two runs)     import       load + validate            peak RSS
=====================  ===========  =========================  ===========
GX 1.24 on pandas      18.5 / 22.9  9.4+19.4 / 5.2+25.0 s      1160 / 1176 MiB
DuckDB compiled SQL    -            4.1 / 6.3 s                 317 / 293 MiB
DuckDB + DQ-03 joins   -            5.6 / 8.5 s                 322 / 296 MiB
=====================  ===========  =========================  ===========

About 5x less time and 4x less memory for DuckDB, before counting GX's import. The
DuckDB time is dominated by the compound primary-key ``GROUP BY`` over 5M distinct
pairs (~3 s on this loaded machine); every column check together is one scan (~0.6 s).
Both backends gave identical unexpected counts. On the demo snapshot (scale 0.01, every
table below 100k rows) ``run_gates`` took 3.1 s with ``backend="duckdb"`` and 11.6 s with
``"auto"`` (34.6 s including the cold GX import), same loaded machine. Hence ``backend="auto"``: tables below
``gx_row_threshold`` (100,000 rows) are validated by GX on pandas (ephemeral context, no
Data Docs, no analytics: ``GX_ANALYTICS_ENABLED=false``, no progress bars, imported
lazily only then); larger tables by the DuckDB compiler. Orphans (DQ-03) need joins and
are always compiled in DuckDB (GX's ``UnexpectedRowsExpectation`` is SQL-only). The
schema expectation of DQ-01 is always checked on the DuckDB catalog (pandas dtypes cannot
show SQL types). ``tests/test_quality_parity.py`` proves that both backends give the same
counts, sample ids and values on the same bad data for every expectation type used.
``backend="duckdb"`` never imports GX (fast tests); ``backend="gx"`` forces GX.

Decisions where the spec is silent are in :mod:`.suites` (what each gate checks),
:mod:`.issues` (which issue kinds fail DQ-01/DQ-06, how "no manifest" is recognised) and
:mod:`.gates` (fail closed: a table or column the source did not deliver makes the data
gates ``error``, never a vacuous ``pass``). ``rows_affected`` is the number of distinct rows
that fail any of a gate's checks (one extra DuckDB scan when two or more checks failed);
details give each check's own count and up to five sample row ids.
"""

from auditlib.quality.gates import DEFAULT_GX_ROW_THRESHOLD, GATE_IDS, GateResult, run_gates
from auditlib.quality.report import GATE_SEVERITY, gate_findings, gate_status
from auditlib.quality.suites import load_suites

__all__ = [
    "DEFAULT_GX_ROW_THRESHOLD",
    "GATE_IDS",
    "GATE_SEVERITY",
    "GateResult",
    "gate_findings",
    "gate_status",
    "load_suites",
    "run_gates",
]
