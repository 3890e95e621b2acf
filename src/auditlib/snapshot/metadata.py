"""The snapshot's metadata tables (ARCHITECTURE.md "Snapshot layout"), written and read here.

``_snapshot_meta(key, value JSON)``, ``_snapshot_tables(...)``,
``_extraction_issues(...)`` and ``_audit_gates(...)`` (rows written by the quality gates,
read by the engine, the gate report and the notebooks: one definition of the table and
its row, :class:`GateResult`). Nothing here may hold a secret or personal data:
the source is described by ``Source.describe()`` (no passwords), the key only by
its fingerprint, and issue messages never quote a source row's content.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata as importlib_metadata
from typing import Any

import duckdb

from auditlib.redaction import redact
from auditlib.source.base import ExtractionIssue

SNAPSHOT_FORMAT_VERSION = 1
META_TABLE = "_snapshot_meta"
ISSUES_TABLE = "_extraction_issues"
GATES_TABLE = "_audit_gates"
_PACKAGES = (
    "auditlib",
    "duckdb",
    "duckdb-extension-postgres-scanner",
    "pyarrow",
    "psycopg",
    "great-expectations",
)


@dataclass
class TableRecord:
    table_name: str
    origin: str | None
    format: str | None
    rows_source: int | None
    rows_snapshot: int
    input_sha256: str | None
    columns: list[dict[str, Any]]

    def row(self) -> tuple[Any, ...]:
        """The ``_snapshot_tables`` row (columns as JSON text)."""
        return (
            self.table_name,
            self.origin,
            self.format,
            self.rows_source,
            self.rows_snapshot,
            self.input_sha256,
            json.dumps(self.columns),
        )


def column_entries(cols: dict[str, Any], source_columns: dict[str, str]) -> list[dict[str, Any]]:
    """``_snapshot_tables.columns``: per snapshot column its type, source column, action, and
    whether (and as what type) the source had it. ``cols``: the table's minimisation plan."""
    return [
        {
            "name": cp.snapshot_name,
            "type": cp.snapshot_type,
            "from": cp.name,
            "action": cp.action,
            "in_source": cp.name in source_columns,
            "source_type": source_columns.get(cp.name),
        }
        for cp in cols.values()
        if cp.action != "drop"
    ]


def issue_row(i: ExtractionIssue) -> tuple[Any, ...]:
    """The ``_extraction_issues`` row of an issue."""
    return (i.kind, i.table_name, i.column_name, i.row_ref, i.rows_affected, i.message)


def meta_rows(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """``_snapshot_meta`` rows: key, value as JSON text."""
    return [(k, json.dumps(v, default=str)) for k, v in meta.items()]


def decode_meta(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """``_snapshot_meta`` rows (value as JSON text) as a dict; a value that is not JSON is
    kept as text."""
    out: dict[str, Any] = {}
    for k, v in rows:
        try:
            out[k] = json.loads(v) if v is not None else None
        except json.JSONDecodeError:
            out[k] = v
    return out


def snapshot_meta(
    source: Any,
    snapshot_time: datetime,
    started: datetime,
    finished: datetime,
    schema_sha256: str,
    key_fingerprint: str,
    key_source: str,
    **extra: Any,
) -> dict[str, Any]:
    """The ``_snapshot_meta`` content of a snapshot, whichever engine built it. ``source`` is
    a source object with ``describe()``, ``kind`` and ``manifest_state()``."""
    from auditlib import __version__
    from auditlib.schema import SCHEMA_NAME
    from auditlib.snapshot.minimisation import minimisation_toml

    return {
        "source": source.describe(),
        "kind": source.kind,
        # DQ-06 reads this: was there a manifest to verify? (null = none expected: live)
        "manifest": source.manifest_state(),
        "snapshot_time": snapshot_time.isoformat(),
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "seconds": (finished - started).total_seconds(),
        "schema_name": SCHEMA_NAME,
        "schema_sha256": schema_sha256,
        "minimisation_sha256": hashlib.sha256(minimisation_toml().encode("utf-8")).hexdigest(),
        "snapshot_format_version": SNAPSHOT_FORMAT_VERSION,
        "key_fingerprint": key_fingerprint,
        "key_source": key_source,
        "auditlib_version": __version__,
        **extra,
        "packages": package_versions(),
    }


@dataclass
class GateResult:
    """One row of ``_audit_gates``."""

    gate_id: str
    table_name: str
    status: str  # 'pass' | 'fail' | 'error' | 'skipped'
    rows_affected: int = 0
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Gate messages leave the snapshot (results/snapshot.json, summary.json, report):
        # redacted where they are made (auditlib.redaction).
        self.message = redact(self.message)

    def row(self) -> tuple[Any, ...]:
        return (
            self.gate_id,
            self.table_name,
            self.status,
            self.rows_affected,
            self.message,
            json.dumps(self.details, default=str, sort_keys=True),
        )

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> GateResult:
        """A gate row as read back (``details`` as JSON text or None; NULL count = 0)."""
        g, t, s, n, m, d = row
        return cls(g, t, s, int(n or 0), m or "", json.loads(d) if d else {})

    def summary_row(self) -> dict[str, Any]:
        """The row without ``details``, JSON-ready (summary.json ``gates``)."""
        return {
            "gate_id": self.gate_id,
            "table_name": self.table_name,
            "status": self.status,
            "rows_affected": self.rows_affected,
            "message": self.message,
        }


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = None
    return out


def write_issues(con: duckdb.DuckDBPyConnection, issues: list[ExtractionIssue]) -> None:
    con.execute(
        f"CREATE OR REPLACE TABLE {ISSUES_TABLE} (kind VARCHAR NOT NULL, table_name VARCHAR, "
        "column_name VARCHAR, row_ref VARCHAR, rows_affected BIGINT, message VARCHAR NOT NULL)"
    )
    if issues:
        con.executemany(
            f"INSERT INTO {ISSUES_TABLE} VALUES (?, ?, ?, ?, ?, ?)", [issue_row(i) for i in issues]
        )


def write_tables(con: duckdb.DuckDBPyConnection, records: list[TableRecord]) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE _snapshot_tables (table_name VARCHAR PRIMARY KEY, origin VARCHAR, "
        "format VARCHAR, rows_source BIGINT, rows_snapshot BIGINT NOT NULL, input_sha256 VARCHAR, "
        "columns JSON)"
    )
    con.executemany(
        "INSERT INTO _snapshot_tables VALUES (?, ?, ?, ?, ?, ?, ?)", [r.row() for r in records]
    )


def write_meta(con: duckdb.DuckDBPyConnection, meta: dict[str, Any]) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {META_TABLE} (key VARCHAR PRIMARY KEY, value JSON)")
    con.executemany(f"INSERT INTO {META_TABLE} VALUES (?, ?)", meta_rows(meta))


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """``_snapshot_meta`` as a dict (values decoded from JSON). Raises duckdb.Error if absent."""
    return decode_meta(
        con.execute(f"SELECT key, CAST(value AS VARCHAR) FROM {META_TABLE}").fetchall()
    )


def try_read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """``_snapshot_meta`` as a dict, or None when the snapshot has no readable one."""
    try:
        return read_meta(con)
    except duckdb.Error:
        return None


def write_gates(con: duckdb.DuckDBPyConnection, results: list[GateResult]) -> None:
    """(Re)write ``_audit_gates`` with ``results``."""
    con.execute(
        f"CREATE OR REPLACE TABLE {GATES_TABLE} (gate_id VARCHAR, table_name VARCHAR, "
        "status VARCHAR, rows_affected BIGINT, message VARCHAR, details JSON)"
    )
    if results:  # one statement: executemany costs ~1 ms per row
        marks = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in results)
        con.execute(
            f"INSERT INTO {GATES_TABLE} VALUES {marks}", [v for r in results for v in r.row()]
        )


def read_gates(con: duckdb.DuckDBPyConnection, *, details: bool = True) -> list[GateResult]:
    """The ``_audit_gates`` rows ordered by gate and table. Raises duckdb.Error if absent.

    ``rows_affected`` NULL reads as 0 and ``message`` NULL as ''; ``details=False`` skips
    decoding the JSON (callers that only need the verdicts).
    """
    cols = "gate_id, table_name, status, rows_affected, message"
    cols += ", CAST(details AS VARCHAR)" if details else ", NULL"
    rows = con.execute(f"SELECT {cols} FROM {GATES_TABLE} ORDER BY gate_id, table_name").fetchall()
    return [GateResult.from_row(r) for r in rows]
