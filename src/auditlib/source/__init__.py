"""Where the service database comes from: an export directory or live PostgreSQL.

One folder per source type: :mod:`auditlib.source.export` and
:mod:`auditlib.source.postgres` (its connection strings in
:mod:`auditlib.source.postgres.conninfo`); :mod:`auditlib.source.base` is the
:class:`Source` interface with every hook the snapshot builder uses.

``open_source(spec)`` turns what a user typed (``--source``), classified once by
:func:`auditlib.source.spec.parse_source_spec`, into a :class:`Source`:

- an existing directory -> ``ExportSource``;
- a ``postgresql://`` / ``postgres://`` URL (any case) or a libpq ``key=value`` string ->
  ``PostgresSource`` (imported lazily, so export-only use never loads the postgres
  scanner);
- ``demo`` is materialised by the runner (``auditlib.runner.sources.resolve_source``) into
  an export directory first; here it is refused with that advice.

A password inside the spec is refused before anything else happens.
"""

from __future__ import annotations

from auditlib.source.base import ExtractionIssue, Source, SourceError, SourceTable
from auditlib.source.spec import SourceSpec, SourceSpecError, parse_source_spec

__all__ = [
    "ExtractionIssue",
    "Source",
    "SourceError",
    "SourceSpec",
    "SourceSpecError",
    "SourceTable",
    "open_source",
    "parse_source_spec",
]


def open_source(spec: str | SourceSpec) -> Source:
    """The source that ``spec`` names. Raises :class:`SourceError` with what to do next.

    Nothing is read yet: the snapshot builder calls ``open(con)`` on the result.
    """
    parsed = spec if isinstance(spec, SourceSpec) else parse_source_spec(spec)
    if parsed.kind == "export":
        from auditlib.source.export import ExportSource

        return ExportSource(parsed.path)
    if parsed.kind == "postgres":
        try:
            from auditlib.source.postgres import PostgresSource
        except ImportError as exc:  # pragma: no cover - depends on the pg area being installed
            raise SourceError(f"the PostgreSQL source is not available: {exc}") from exc
        return PostgresSource(parsed)
    raise SourceSpecError(
        "the demo source is generated for an audit day: use `auditlib run --source demo` "
        "or `auditlib snapshot --source demo` (today's demo data), or write it with `auditlib demo-data --out DIR` and pass that directory"
    )
