"""Where the service database comes from: an export directory or live PostgreSQL.

``open_source(spec)`` is the one entry point that turns what a user typed
(``--source``) into a :class:`~auditlib.source.base.Source`:

- an existing directory -> :class:`~auditlib.source.export.ExportSource`;
- a ``postgresql://`` / ``postgres://`` URL or a libpq ``key=value`` string ->
  ``auditlib.source.postgres.PostgresSource`` (imported lazily, so export-only
  use never loads psycopg or the postgres scanner).

A password inside the spec is refused before anything else happens: connection
strings end up in shell history, notebook parameters and reports. libpq finds
the password itself in ``PGPASSWORD``, ``~/.pgpass`` or a service file.
"""

from __future__ import annotations

import re
from pathlib import Path

from auditlib.source.base import ExtractionIssue, Source, SourceError, SourceTable

__all__ = [
    "ExtractionIssue",
    "Source",
    "SourceError",
    "SourceTable",
    "is_postgres_spec",
    "open_source",
]

_URL_RE = re.compile(r"^postgres(?:ql)?://", re.I)
# libpq key=value: at least one "word=" at the start of a whitespace-separated token.
_KEYVALUE_RE = re.compile(r"^\s*\w+\s*=")


def is_postgres_spec(spec: str) -> bool:
    """True for a ``postgresql://`` / ``postgres://`` URL or a libpq ``key=value`` string."""
    return bool(_URL_RE.match(spec) or _KEYVALUE_RE.match(spec))


def open_source(spec: str) -> Source:
    """The source that ``spec`` names. Raises :class:`SourceError` with what to do next.

    Nothing is read yet: the snapshot builder calls ``open(con)`` on the result.
    """
    spec = spec.strip()
    if not spec:
        raise SourceError("no source given: pass an export directory or a postgresql:// URL")
    path = Path(spec).expanduser()
    if not _URL_RE.match(spec) and path.is_dir():
        from auditlib.source.export import ExportSource

        return ExportSource(path)
    if is_postgres_spec(spec):
        from auditlib.pg.conninfo import check_no_password

        try:
            check_no_password(spec)
        except ValueError as exc:  # PasswordInConninfoError or unparsable; never echoes the spec
            raise SourceError(str(exc)) from None
        try:
            from auditlib.source.postgres import PostgresSource
        except ImportError as exc:  # pragma: no cover - depends on the pg area being installed
            raise SourceError(f"the PostgreSQL source is not available: {exc}") from exc
        return PostgresSource(spec)
    # Never echo something that might be a mistyped URL with a password in it.
    shown = repr(spec) if not re.search(r"[@=:]", spec) else "(not shown: it looks like a URL)"
    if path.exists():
        raise SourceError(
            f"source {shown} is a file, not an export directory: point --source at the "
            "directory that holds the table files (users.parquet, users.csv, ...)"
        )
    raise SourceError(
        f"source {shown} is neither an existing export directory nor a PostgreSQL "
        "connection string (postgresql://user@host/db or 'host=... dbname=... user=...')"
    )
