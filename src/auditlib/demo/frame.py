"""Collects generated rows per table and turns them into Arrow tables typed by schema.sql.

Bulk generators add NumPy column arrays; planted cases add a few Python rows.
Both end up in one Arrow table per schema table, with the column order and
types of ``auditlib.schema`` (so nothing re-types the schema by hand).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa

from auditlib.schema import Column, load_schema


def arrow_type(col: Column) -> pa.DataType:
    t = col.pg_type
    if t == "bigint":
        return pa.int64()
    if t == "integer":
        return pa.int32()
    if t in ("text", "inet") or t.startswith("char("):
        return pa.string()
    if t == "boolean":
        return pa.bool_()
    if t == "date":
        return pa.date32()
    if t == "timestamptz":
        return pa.timestamp("us", tz="UTC")
    if t.startswith("numeric("):
        p, s = t[len("numeric(") : -1].split(",")
        return pa.decimal128(int(p), int(s))
    raise ValueError(f"schema type {t!r} of column {col.name} has no Arrow mapping")


@cache
def arrow_schema(table: str) -> pa.Schema:
    cols = load_schema().tables[table].columns
    return pa.schema(
        [pa.field(c.name, arrow_type(c), nullable=not c.not_null) for c in cols.values()]
    )


def _int_to_decimal(arr: pa.Array, typ: pa.DataType) -> pa.Array:
    """Whole SEK amounts -> decimal (via a wide decimal: int32 needs precision 10 + scale)."""
    wide = pa.decimal128(max(12, typ.precision), typ.scale)
    return arr.cast(wide).cast(typ)


def _to_arrow(values: Any, typ: pa.DataType, n: int) -> pa.Array:
    if values is None:
        return pa.nulls(n, typ)
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.cast(typ)
    if isinstance(values, np.ndarray):
        if pa.types.is_timestamp(typ):
            return pa.array(values.astype("datetime64[us]")).cast(typ)
        if pa.types.is_date(typ):
            return pa.array(values.astype("datetime64[D]")).cast(typ)
        if pa.types.is_decimal(typ):
            return _int_to_decimal(pa.array(values.astype(np.int32)), typ)
        if values.dtype == object:
            return pa.array(values, type=typ, from_pandas=True)
        return pa.array(values).cast(typ)
    vals = list(values)
    if pa.types.is_timestamp(typ):
        vals = [
            v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) else v for v in vals
        ]
        return pa.array(vals, type=pa.timestamp("us")).cast(typ)
    if pa.types.is_decimal(typ):
        return _int_to_decimal(pa.array(vals, type=pa.int32()), typ)
    return pa.array(vals, type=typ)


def make_table(table: str, **columns: Any) -> pa.Table:
    """One chunk of ``table`` as Arrow: every schema column given as an array/list (or None = all NULL)."""
    sch = arrow_schema(table)
    unknown = set(columns) - set(sch.names)
    if unknown:
        raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
    lengths = {len(v) for v in columns.values() if v is not None}
    if len(lengths) != 1:
        raise ValueError(f"{table}: columns of different lengths {lengths}")
    n = lengths.pop()
    arrays = [_to_arrow(columns.get(f.name), f.type, n) for f in sch]
    return pa.Table.from_arrays(arrays, schema=sch)


class Tables:
    """Chunks of rows per table; ``build()`` concatenates them, sorted by primary key."""

    def __init__(self) -> None:
        self._chunks: dict[str, list[pa.Table]] = defaultdict(list)
        self.schema = load_schema()

    def add(self, table: str, **columns: Any) -> None:
        """Add a chunk: every schema column given as an array/list (or None = all NULL)."""
        self._chunks[table].append(make_table(table, **columns))

    def add_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Add Python rows (dicts); missing keys are NULL."""
        if not rows:
            return
        sch = arrow_schema(table)
        for r in rows:
            extra = set(r) - set(sch.names)
            if extra:
                raise ValueError(f"{table}: unknown columns {sorted(extra)} in planted row {r}")
        self.add(table, **{name: [r.get(name) for r in rows] for name in sch.names})

    def current(self, table: str) -> pa.Table:
        chunks = self._chunks.get(table) or [arrow_schema(table).empty_table()]
        return pa.concat_tables(chunks)

    def build(self) -> dict[str, pa.Table]:
        out: dict[str, pa.Table] = {}
        for name, t in self.schema.tables.items():
            data = self.current(name).combine_chunks()
            pk = list(t.primary_key)
            data = data.sort_by([(c, "ascending") for c in pk])
            out[name] = data
        return out
