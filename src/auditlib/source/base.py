"""What every data source gives the snapshot builder.

A source (an export directory, or a live PostgreSQL database) exposes each table
it has as a relation that DuckDB can select from, plus the facts the
data-quality gates need (issues found while opening it, the snapshot time).
The builder (``auditlib.snapshot``) then selects only the columns of
``data/minimisation.toml`` from those relations, casts, pseudonymises and writes.

Every hook the builder uses is here, with a fail-closed default, so the builder never
probes a source with ``getattr`` or branches on its ``kind``:

- ``consistent_read(con)``: a context manager around all table reads (default: one DuckDB
  transaction; an export needs none, a live database verifies its snapshot);
- ``partial_read_fails_snapshot``: whether a table that cannot be read refuses the whole
  snapshot (default True: a partial copy of a live database is not consistent) or becomes
  an empty table with an ``unreadable`` issue (exports);
- ``read_error(table, exc)`` / ``read_error_message(table, exc)``: the refusal, or the
  issue text, for a failed read (never a secret, never a row's content);
- ``manifest_state()``: what ``_snapshot_meta.manifest`` records for DQ-06 (None: the
  source has no manifest to verify).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import duckdb


class SourceError(Exception):
    """The source cannot be read at all (refused snapshot). ``transient`` says if a retry can help."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class ExtractionIssue:
    """A fact about the source found while opening or reading it (see ARCHITECTURE.md kinds)."""

    kind: str
    table_name: str | None
    message: str
    column_name: str | None = None
    row_ref: str | None = None
    rows_affected: int | None = None


@dataclass
class SourceTable:
    name: str
    relation_sql: str  # FROM-able SQL in the builder's connection, e.g. read_parquet('...') or pg.one2many.users
    columns: dict[str, str]  # column name -> type as the source reports it
    origin: str  # file path or 'one2many.users' (no secrets)
    format: str  # 'parquet' | 'csv' | 'csv.gz' | 'postgres'
    input_sha256: str | None = None  # sha256 of the input file, for exports
    extra: dict[str, Any] = field(default_factory=dict)


class Source(ABC):
    """A source fills ``_tables``, ``_issues`` and ``_snapshot_time`` in ``open``."""

    kind: ClassVar[str]
    partial_read_fails_snapshot: ClassVar[bool] = True

    def __init__(self) -> None:
        self._tables: dict[str, SourceTable] = {}
        self._issues: list[ExtractionIssue] = []
        self._snapshot_time: datetime | None = None

    @abstractmethod
    def open(self, con: duckdb.DuckDBPyConnection) -> None:
        """Make the tables selectable on ``con`` (attach, create views). Raises SourceError."""

    def tables(self) -> dict[str, SourceTable]:
        """The schema tables this source has (after ``open``); missing ones are absent."""
        return dict(self._tables)

    def issues(self) -> list[ExtractionIssue]:
        """Issues found while opening: ignored/ambiguous/unreadable files, manifest mismatches."""
        return list(self._issues)

    def snapshot_time(self) -> datetime:
        """Extraction time (live) or the manifest's exported_at (export); tz-aware."""
        if self._snapshot_time is None:
            raise SourceError(f"{type(self).__name__}.snapshot_time() before open()")
        return self._snapshot_time

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Where the data came from, for metadata and reports. Never a secret."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Detach / release resources."""

    @contextlib.contextmanager
    def consistent_read(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """All table reads happen inside this block: by default one DuckDB transaction."""
        con.begin()
        try:
            yield
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.rollback()
            raise
        con.commit()

    def read_error(self, table: str, exc: BaseException) -> SourceError:
        """The refusal for a failed read of ``table`` (``partial_read_fails_snapshot``).

        Not chained to ``exc`` by the builder: a driver's text may echo a connection string.
        """
        return SourceError(
            f"reading {table} from the source failed: {str(exc).splitlines()[0]}; "
            "no snapshot was written, retry",
            transient=True,
        )

    def read_error_message(self, table: str, exc: BaseException) -> str:
        """The ``unreadable`` issue text for a failed read (when it does not fail the snapshot)."""
        return f"{table}: {str(exc).splitlines()[0]}"

    def manifest_state(self) -> dict[str, Any] | None:
        """``_snapshot_meta.manifest``: ``{"present": bool, "file": ...}``, or None (no manifest
        is expected: DQ-06 is then ``skipped``)."""
        return None
