"""Writes Arrow tables as an export (README "An export") and its ``manifest.json``.

Byte-identical output for identical input: Parquet with fixed writer settings
(zstd level 3, one row group per 1M rows, statistics on, no timestamps of
"now" anywhere), CSV via Arrow with timestamps turned into ISO 8601 strings with
an explicit ``+00:00`` offset, gzip (level 1: speed over size) with ``mtime=0`` and no
file name.
"""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from auditlib.hashing import sha256_file

FORMATS = ("parquet", "csv", "csv.gz", "mixed")
SCHEMA_NAME = "one2many"


def _csv_ready(table: pa.Table) -> pa.Table:
    """Timestamps -> 'YYYY-MM-DDTHH:MM:SS+00:00' strings (Arrow's default is not ISO 8601)."""
    cols = []
    for name in table.column_names:
        col = table[name]
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(col.cast(pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT%H:%M:%S+00:00")
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)


def csv_bytes(table: pa.Table) -> bytes:
    buf = pa.BufferOutputStream()
    pacsv.write_csv(_csv_ready(table), buf, pacsv.WriteOptions(include_header=True, delimiter=",",
                                                                 quoting_style="needed"))
    return buf.getvalue().to_pybytes()


def gzip_bytes(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=1) as gz:
        gz.write(data)
    return out.getvalue()


def table_format(fmt: str, index: int) -> str:
    """The file format of the index-th table; ``mixed`` alternates csv and csv.gz."""
    if fmt == "mixed":
        return "csv" if index % 2 == 0 else "csv.gz"
    return fmt


def write_table(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd", compression_level=3, row_group_size=1_000_000,
                       use_dictionary=True, write_statistics=True, version="2.6",
                       data_page_version="1.0", store_schema=True)
    elif fmt == "csv":
        path.write_bytes(csv_bytes(table))
    elif fmt == "csv.gz":
        path.write_bytes(gzip_bytes(csv_bytes(table)))
    else:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {FORMATS}")


def write_export(tables: dict[str, pa.Table], directory: Path, fmt: str, exported_at: datetime) -> dict[str, int]:
    """Write every table and ``manifest.json`` into ``directory`` (which must exist, empty)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {FORMATS}")
    manifest: dict[str, object] = {"exported_at": exported_at.isoformat(), "schema": SCHEMA_NAME}
    entries: dict[str, dict[str, object]] = {}
    for i, (name, table) in enumerate(tables.items()):
        f = table_format(fmt, i)
        path = directory / f"{name}.{f}"
        write_table(table, path, f)
        entries[name] = {"file": path.name, "rows": table.num_rows, "sha256": sha256_file(path)}
    manifest["tables"] = entries
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return {name: t.num_rows for name, t in tables.items()}
