"""The snapshot's metadata tables (ARCHITECTURE.md "Snapshot layout").

``_snapshot_meta(key, value JSON)``, ``_snapshot_tables(...)`` and
``_extraction_issues(...)``. Nothing here may hold a secret or personal data:
the source is described by ``Source.describe()`` (no passwords), the key only by
its fingerprint, and issue messages never quote a source row's content.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from typing import Any

import duckdb

from auditlib.source.base import ExtractionIssue

SNAPSHOT_FORMAT_VERSION = 1
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
        "CREATE OR REPLACE TABLE _extraction_issues (kind VARCHAR NOT NULL, table_name VARCHAR, "
        "column_name VARCHAR, row_ref VARCHAR, rows_affected BIGINT, message VARCHAR NOT NULL)"
    )
    if issues:
        con.executemany(
            "INSERT INTO _extraction_issues VALUES (?, ?, ?, ?, ?, ?)",
            [
                (i.kind, i.table_name, i.column_name, i.row_ref, i.rows_affected, i.message)
                for i in issues
            ],
        )


def write_tables(con: duckdb.DuckDBPyConnection, records: list[TableRecord]) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE _snapshot_tables (table_name VARCHAR PRIMARY KEY, origin VARCHAR, "
        "format VARCHAR, rows_source BIGINT, rows_snapshot BIGINT NOT NULL, input_sha256 VARCHAR, "
        "columns JSON)"
    )
    con.executemany(
        "INSERT INTO _snapshot_tables VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                r.table_name,
                r.origin,
                r.format,
                r.rows_source,
                r.rows_snapshot,
                r.input_sha256,
                json.dumps(r.columns),
            )
            for r in records
        ],
    )


def write_meta(con: duckdb.DuckDBPyConnection, meta: dict[str, Any]) -> None:
    con.execute("CREATE OR REPLACE TABLE _snapshot_meta (key VARCHAR PRIMARY KEY, value JSON)")
    con.executemany(
        "INSERT INTO _snapshot_meta VALUES (?, ?)",
        [(k, json.dumps(v, default=str)) for k, v in meta.items()],
    )


def read_meta(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """``_snapshot_meta`` as a dict (values decoded from JSON)."""
    return {k: json.loads(v) for k, v in con.execute("SELECT key, value FROM _snapshot_meta").fetchall()}
