"""The extraction issues a snapshot records, worded once for every engine.

The DuckDB builder (:mod:`auditlib.snapshot.builder`) and the Spark snapshot
(``auditlib.engines.spark.snapshot``) find the same facts about a source (a missing table,
a column missing or not in schema.sql, values that cannot be cast, NULLs in a NOT NULL
column, a manifest row count that differs) and record them through these functions, so the
``_extraction_issues`` rows, and the gate messages built from them, are the same on both.
Messages never quote a source value: they name table, column, and the first row by key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditlib.schema import Table
from auditlib.snapshot.minimisation import ColumnPlan
from auditlib.source.base import ExtractionIssue, SourceTable


def missing_table(table: str, why: ExtractionIssue | None) -> ExtractionIssue:
    """The table is not in the source (or the issue ``why`` explains its absence)."""
    return ExtractionIssue(
        "missing_table",
        table,
        f"{table}: no usable data in the source"
        + (f" ({why.kind}: see that issue)" if why else "")
        + "; the table is empty in the snapshot and rules that need it report error",
    )


def unreadable(table: str, message: str) -> list[ExtractionIssue]:
    """A table whose data could not be read: ``unreadable`` plus ``missing_table``."""
    return [
        ExtractionIssue("unreadable", table, message),
        ExtractionIssue(
            "missing_table", table, f"{table}: unreadable (see that issue); empty in the snapshot"
        ),
    ]


def column_issues(
    table: Table, cols: dict[str, ColumnPlan], st: SourceTable, missing: list[str]
) -> list[ExtractionIssue]:
    """Columns not in schema.sql (ignored), and planned or dropped columns the source lacks."""
    name = table.name
    out = [
        ExtractionIssue(
            "extra_column",
            name,
            f"{name}.{c}: column not in schema.sql; ignored (never copied)",
            column_name=c,
        )
        for c in sorted(set(st.columns) - set(table.columns))
    ]
    out += [
        ExtractionIssue(
            "missing_column",
            name,
            f"{name}.{c}: column missing in {st.origin}; it is all NULL in the snapshot and "
            "rules that need it cannot be evaluated. Re-export with the column.",
            column_name=c,
        )
        for c in missing
    ]
    out += [
        ExtractionIssue(
            "missing_column",
            name,
            f"{name}.{c}: column missing in {st.origin} (not copied anyway; the export "
            "differs from schema.sql)",
            column_name=c,
        )
        for c, cp in cols.items()
        if cp.action == "drop" and c not in st.columns
    ]
    return out


def required_columns(cols: dict[str, ColumnPlan], missing: list[str]) -> list[str]:
    """Source columns probed for NULLs: NOT NULL columns the snapshot keeps and has."""
    return [
        cp.name
        for cp in cols.values()
        if cp.action in ("keep", "hmac") and cp.column.not_null and cp.name not in missing
    ]


def value_issue(
    kind: str, table: str, cp: ColumnPlan, source_type: str, n: int, first: str | None
) -> ExtractionIssue:
    """``cast_failure`` or ``null_in_required`` for ``n`` rows, the first named by key."""
    c = cp.name
    if kind == "cast_failure":
        want = cp.column.duck_type + (" (ISO 8601 with offset)" if cp.column.is_timestamp else "")
        msg = (
            f"{table}.{c}: {n} value(s) cannot be read as {want} "
            f"(source type {source_type}); first at {first}. They are NULL in the "
            "snapshot; fix the export."
        )
    else:
        msg = f"{table}.{c}: {n} NULL value(s) in a NOT NULL column; first at {first}"
    return ExtractionIssue(kind, table, msg, column_name=c, row_ref=first, rows_affected=n)


def manifest_rows(
    table: str, st: SourceTable, rows: int, detail_con: Any = None
) -> list[ExtractionIssue]:
    """The manifest's row count for the table against the rows read (``manifest_rows``).

    ``detail_con``: the DuckDB connection the source was opened on, for a part-file table's
    per-part counts (only computed when the total differs).
    """
    listed, problem = manifest_row_count(st.extra.get("manifest_rows"))
    if problem:
        return [
            ExtractionIssue(
                "manifest_rows",
                table,
                f"{table}: manifest.json gives its rows as {problem}, not a whole number; "
                f"{st.origin} has {rows} rows",
            )
        ]
    if listed is not None and listed != rows:
        detail: Callable[[Any, int], str] | None = st.extra.get("manifest_rows_detail")
        return [
            ExtractionIssue(
                "manifest_rows",
                table,
                detail(detail_con, rows)
                if callable(detail)
                else f"{table}: {rows} rows in {st.origin}, manifest.json says {listed}",
                rows_affected=abs(rows - listed),
            )
        ]
    return []


def manifest_row_count(value: Any) -> tuple[int | None, str | None]:
    """A manifest's ``rows``: a whole number, also written as a numeric string ("1034")
    or a float with no fraction (1034.0); ``(None, None)`` when absent; else
    ``(None, what it is)`` so the issue names the type problem.

    >>> manifest_row_count("1034"), manifest_row_count(1034.0), manifest_row_count(None)
    ((1034, None), (1034, None), (None, None))
    >>> manifest_row_count("about 1000")[1], manifest_row_count(True)[1]
    ("a string 'about 1000'", 'a boolean True')
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"a boolean {value!r}"
    if isinstance(value, int):
        return (value, None) if value >= 0 else (None, f"a negative number {value}")
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value), None
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value.strip()), None
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
    return None, f"a {_TYPE_NAMES.get(type(value).__name__, type(value).__name__)} {shown}"


_TYPE_NAMES = {"str": "string", "float": "number", "list": "list", "dict": "object"}
