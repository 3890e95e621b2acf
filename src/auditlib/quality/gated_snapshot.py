"""A snapshot with its gates: the builder, handed the gate run (no snapshot -> quality import).

``build_gated_snapshot`` is what the CLI, the snapshot notebook and the tests call; the
builder (:mod:`auditlib.snapshot.builder`) stays below the quality package and receives
``run_gates`` as a function.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from auditlib.quality.gates import DEFAULT_BACKEND, GateResult, run_gates
from auditlib.snapshot.builder import Progress, SnapshotInfo, build_snapshot
from auditlib.source.base import Source


def build_gated_snapshot(
    source: Source | str,
    out_path: Path | str,
    *,
    key: bytes | None = None,
    progress: Progress | None = None,
    gates_backend: str | None = None,
) -> SnapshotInfo:
    """Build the snapshot at ``out_path`` and run DQ-01..06 on it before it is published.

    ``gates_backend``: where the expectation suites run (:func:`run_gates`): None = the
    library default (DuckDB only, fastest); ``"auto"`` = Great Expectations validates the
    small tables, DuckDB the large ones (what audit runs use).
    """
    backend = gates_backend or DEFAULT_BACKEND

    def gates(con: duckdb.DuckDBPyConnection, snapshot_time: datetime) -> list[GateResult]:
        return run_gates(con, snapshot_time, backend=backend)

    return build_snapshot(source, out_path, gates=gates, key=key, progress=progress)
