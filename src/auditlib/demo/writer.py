"""Streams Arrow chunks into an export (README "An export") and writes its ``manifest.json``.

A table is one file (``users.parquet``) or, with ``part_rows``, a directory of part
files in the layout Spark, Hive and Trino write (``message_deliveries/part-00000.parquet``,
``part-00001.parquet``, ...; every part holds at most ``part_rows`` rows, an empty
table one empty part). Chunks are written as they come (``ParquetWriter``, CSV
appended chunk by chunk, gzip streamed), so memory does not grow with the table.

Byte-identical output for identical input: Parquet with fixed writer settings
(zstd level 3, one row group per chunk of at most 1M rows, statistics on, no
timestamps of "now" anywhere), CSV via Arrow with timestamps turned into ISO 8601
strings with an explicit ``+00:00`` offset, gzip (level 1: speed over size) with
``mtime=0`` and no file name.

``manifest.json`` keeps the README's format (``exported_at``, ``schema``,
``tables.<name>.file/rows/sha256``). A part-file table extends it compatibly:
``file`` names the directory, ``rows`` is the table's total, ``sha256`` is absent
(there is no single file) and ``parts`` lists every part as ``{"file":
"message_deliveries/part-00000.parquet", "rows": n, "sha256": "<hex>"}``. A reader
that does not know ``parts`` finds no file of that name and fails closed.
"""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from auditlib.hashing import sha256_file

FORMATS = ("parquet", "csv", "csv.gz", "mixed")
SCHEMA_NAME = "one2many"
ROW_GROUP = 1_000_000
PART_NAME = "part-{:05d}.{}"


def _csv_ready(table: pa.Table) -> pa.Table:
    """Timestamps -> 'YYYY-MM-DDTHH:MM:SS+00:00' strings (Arrow's default is not ISO 8601)."""
    cols = []
    for name in table.column_names:
        col = table[name]
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(
                col.cast(pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT%H:%M:%S+00:00"
            )
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)


def csv_bytes(table: pa.Table, header: bool = True) -> bytes:
    buf = pa.BufferOutputStream()
    pacsv.write_csv(
        _csv_ready(table),
        buf,
        pacsv.WriteOptions(include_header=header, delimiter=",", quoting_style="needed"),
    )
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


class FileSink:
    """One file of one format, written chunk by chunk."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema) -> None:
        if fmt not in ("parquet", "csv", "csv.gz"):
            raise ValueError(f"unknown export format {fmt!r}; choose one of {FORMATS}")
        self.path, self.fmt, self.schema, self.rows = path, fmt, schema, 0
        self._pq: pq.ParquetWriter | None = None
        self._raw: BinaryIO | None = None
        self._out: BinaryIO | None = None
        self._started = False
        if fmt == "parquet":
            self._pq = pq.ParquetWriter(
                path,
                schema,
                compression="zstd",
                compression_level=3,
                use_dictionary=True,
                write_statistics=True,
                version="2.6",
                data_page_version="1.0",
                store_schema=True,
            )
        else:
            self._raw = path.open("wb")
            self._out = cast(
                BinaryIO,
                gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=1)
                if fmt == "csv.gz"
                else self._raw,
            )

    def write(self, chunk: pa.Table) -> None:
        """Append a chunk; an empty one only if nothing was written yet (the schema/header)."""
        if chunk.num_rows == 0 and self._started:
            return
        if self._pq is not None:
            self._pq.write_table(chunk, row_group_size=ROW_GROUP)
        else:
            assert self._out is not None
            self._out.write(csv_bytes(chunk, header=not self._started))
        self._started = True
        self.rows += chunk.num_rows

    def close(self) -> dict[str, Any]:
        if not self._started:
            self.write(self.schema.empty_table())
        if self._pq is not None:
            self._pq.close()
        else:
            assert self._out is not None and self._raw is not None
            if self._out is not self._raw:
                self._out.close()
            self._raw.close()
        return {"rows": self.rows, "sha256": sha256_file(self.path)}


class TableSink:
    """A table of the export: ``<name>.<ext>``, or ``<name>/part-NNNNN.<ext>`` with ``part_rows``."""

    def __init__(
        self, directory: Path, name: str, fmt: str, schema: pa.Schema, part_rows: int | None
    ) -> None:
        if part_rows is not None and part_rows < 1:
            raise ValueError(f"part_rows must be >= 1, got {part_rows}")
        self.directory, self.name, self.fmt, self.schema, self.part_rows = (
            directory,
            name,
            fmt,
            schema,
            part_rows,
        )
        self.parts: list[dict[str, Any]] = []
        self._sink: FileSink | None = None
        if part_rows is None:
            self._sink = FileSink(directory / f"{name}.{fmt}", fmt, schema)
        else:
            (directory / name).mkdir()

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.directory).as_posix()

    def _next_part(self) -> FileSink:
        if self._sink is not None:
            self._finish_part()
        path = self.directory / self.name / PART_NAME.format(len(self.parts), self.fmt)
        self._sink = FileSink(path, self.fmt, self.schema)
        return self._sink

    def _finish_part(self) -> None:
        assert self._sink is not None
        entry = self._sink.close()
        self.parts.append({"file": self._rel(self._sink.path), **entry})
        self._sink = None

    def write(self, chunk: pa.Table) -> None:
        if self.part_rows is None:
            assert self._sink is not None
            self._sink.write(chunk)
            return
        start = 0
        while start < chunk.num_rows:
            sink = (
                self._sink
                if self._sink is not None and self._sink.rows < self.part_rows
                else self._next_part()
            )
            take = min(self.part_rows - sink.rows, chunk.num_rows - start)
            sink.write(chunk.slice(start, take))
            start += take

    def close(self) -> dict[str, Any]:
        if self.part_rows is None:
            assert self._sink is not None
            entry = self._sink.close()
            return {"file": self._rel(self._sink.path), **entry}
        if self._sink is None and not self.parts:
            self._next_part()  # an empty table is one empty part (its schema travels with it)
        if self._sink is not None:
            self._finish_part()
        return {"file": self.name, "rows": sum(p["rows"] for p in self.parts), "parts": self.parts}


class ExportWriter:
    """Opens one ``TableSink`` per table (in schema order) and writes ``manifest.json`` at the end."""

    def __init__(
        self,
        directory: Path,
        fmt: str,
        schemas: dict[str, pa.Schema],
        part_rows: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; choose one of {FORMATS}")
        self.directory, self.extra = directory, extra or {}
        self.sinks = {
            name: TableSink(directory, name, table_format(fmt, i), sch, part_rows)
            for i, (name, sch) in enumerate(schemas.items())
        }

    def write(self, table: str, chunk: pa.Table) -> None:
        self.sinks[table].write(chunk)

    def finish(self, exported_at: datetime) -> dict[str, int]:
        entries = {name: sink.close() for name, sink in self.sinks.items()}
        manifest: dict[str, object] = {
            "exported_at": exported_at.isoformat(),
            "schema": SCHEMA_NAME,
            **self.extra,
            "tables": entries,
        }
        (self.directory / "manifest.json").write_text(
            json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
        )
        return {name: int(e["rows"]) for name, e in entries.items()}


def write_table(table: pa.Table, path: Path, fmt: str) -> None:
    """One whole table as one file (used by tests that build exports by hand)."""
    sink = FileSink(path, fmt, table.schema)
    sink.write(table)
    sink.close()


def write_export(
    tables: dict[str, pa.Table],
    directory: Path,
    fmt: str,
    exported_at: datetime,
    part_rows: int | None = None,
) -> dict[str, int]:
    """Write in-memory tables and ``manifest.json`` into ``directory`` (which must exist, empty)."""
    w = ExportWriter(directory, fmt, {n: t.schema for n, t in tables.items()}, part_rows)
    for name, t in tables.items():
        w.write(name, t)
    return w.finish(exported_at)
