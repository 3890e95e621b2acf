"""Where a snapshot lives and how it is opened, whichever engine built it.

A DuckDB snapshot is one file (``<run_id>.duckdb``); a Spark snapshot is a directory of
Parquet tables (``<run_id>.parquet/``, :mod:`.parquet_layout`). Everything after the
snapshot step (the gate report, the notebooks' charts, re-performance, verify) reads
either through :func:`open_snapshot`: a read-only DuckDB connection, for a Parquet
snapshot an in-memory one whose views carry the DuckDB names over the Parquet files
(``users``, ``_snapshot_meta``, ``_audit_gates``, ...). So an auditor can re-perform a
Spark run's rules on DuckDB from the very files Spark wrote.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from auditlib.hashing import sha256_file
from auditlib.schema import load_schema
from auditlib.snapshot.parquet_layout import JSON_COLUMNS, MARKER, METADATA_DIRS

SUFFIXES = {"duckdb": ".duckdb", "spark": ".parquet"}


def snapshot_name(run_id: str, engine: str) -> str:
    """``<run_id>.duckdb`` (DuckDB) or ``<run_id>.parquet`` (a Spark snapshot directory)."""
    return run_id + SUFFIXES[engine]


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def open_snapshot(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only view of the snapshot at ``path`` (a .duckdb file or a Parquet directory)."""
    path = Path(path)
    if not path.is_dir():
        return duckdb.connect(str(path), read_only=True)
    if not (path / MARKER).is_file():
        raise FileNotFoundError(f"{path} is a directory but not a Spark snapshot (no {MARKER})")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name in load_schema().tables:
        if (path / name).is_dir():
            con.execute(
                f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({_lit(path / name / "*.parquet")})'
            )
    for view, directory in METADATA_DIRS.items():
        if (path / directory).is_dir():
            files = _lit(path / directory / "*.parquet")
            json_cols = JSON_COLUMNS.get(view, ())
            cols = (
                "* REPLACE (" + ", ".join(f"CAST({c} AS JSON) AS {c}" for c in json_cols) + ")"
                if json_cols
                else "*"
            )
            con.execute(f"CREATE VIEW {view} AS SELECT {cols} FROM read_parquet({files})")
    return con


def tree_sha256(root: Path) -> str:
    """sha256 over a snapshot directory: every file's relative path and sha256, sorted
    (Spark's ``.crc`` side files excluded: they are derived from the data files)."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.endswith(".crc"):
            h.update(f"{p.relative_to(root).as_posix()}\0{sha256_file(p)}\n".encode())
    return h.hexdigest()


def snapshot_sha256(path: Path | str) -> str:
    """The sha256 summary.json records: of the file, or :func:`tree_sha256` of a directory."""
    path = Path(path)
    return tree_sha256(path) if path.is_dir() else sha256_file(path)
