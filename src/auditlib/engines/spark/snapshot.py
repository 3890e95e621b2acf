"""Build the minimised, pseudonymised snapshot on Spark, from an export directory.

What the DuckDB builder (:mod:`auditlib.snapshot.builder`) does, with Spark reading the
export and Parquet as the result: one directory per table (``<out>/<table>/``), plus the
metadata table ``<out>/snapshot_meta/`` (key/value rows: source, snapshot time, key
fingerprint and source, minimisation sha256, ``rows.<table>``). Its name starts with neither
``_`` nor ``.``: Spark skips such directories when reading.

The layout comes from ``minimisation.toml`` (one registry): only its columns are selected
(dropped columns are never read into the plan), ``keep`` casts to the schema type, ``hmac``
writes ``<col>_hmac`` (e-mail columns normalised first; empty = NULL), ``flag`` writes
``<col>_present``. CSV is read with a header, every column as a string, then cast;
a text timestamp must carry an offset (as in the DuckDB builder). Timestamps are UTC
instants (the session time zone is UTC: :mod:`auditlib.engines.spark.session`) and are
written as Parquet ``TIMESTAMP_MICROS`` (UTC-adjusted), so DuckDB and Spark read the same
instants.

Decisions (fail closed, stricter than the DuckDB builder, which records issues and gates):
a missing table or column, a file Spark cannot read, a value that cannot be cast, or a NULL
in a NOT NULL column raises :class:`SparkSnapshotError` naming table, column and the first
row's key; nothing is written then. Gates DQ-01..06 and the ``_extraction_issues`` table
are not built on Spark yet; a live PostgreSQL source (JDBC) is not supported yet.
The output is written to a temporary directory next to ``out`` and renamed when complete.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditlib.engines.spark.pseudonym import NOT_BLANK, email_norm_column, hmac_column
from auditlib.engines.spark.tables import spark_type
from auditlib.schema import load_schema
from auditlib.snapshot.minimisation import ColumnPlan, load_minimisation, minimisation_toml
from auditlib.snapshot.pseudonym import resolve_key
from auditlib.source.export.parts import list_parts

META_TABLE = "snapshot_meta"
_FORMATS = ((".csv.gz", "csv.gz"), (".parquet", "parquet"), (".csv", "csv"))
# Java regex: a time of day followed by an offset at the end (builder._TS_WITH_OFFSET)
CHECK_PREFIX = "__auditlib_cast_failed_"  # side columns, dropped before writing
_TS_WITH_OFFSET = r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([zZ]|[+-]\d{2}(:?\d{2})?)$"


class SparkSnapshotError(Exception):
    """The Spark snapshot could not be built; the message names table and column."""


@dataclass
class SparkSnapshotInfo:
    path: Path
    rows: dict[str, int]
    key_fingerprint: str
    key_source: str
    snapshot_time: datetime


def find_table_files(export: Path, table: str) -> tuple[list[Path], str]:
    """The files of ``table`` in ``export`` and their format; raises when none or ambiguous."""
    found: list[tuple[list[Path], str]] = []
    d = export / table
    if d.is_dir():
        listing = list_parts(d)
        if listing.problems:
            raise SparkSnapshotError("; ".join(listing.problems))
        found.append(([p for p, _ in listing.parts], listing.fmt or ""))
    for suffix, fmt in _FORMATS:
        p = export / f"{table}{suffix}"
        if p.is_file():
            found.append(([p], fmt))
    if not found:
        raise SparkSnapshotError(f"{table}: missing in {export} (no {table}.parquet|csv|csv.gz)")
    if len(found) > 1:
        raise SparkSnapshotError(f"{table}: {len(found)} candidate files/directories; keep one")
    return found[0]


def _read(spark: Any, files: list[Path], fmt: str) -> Any:
    paths = [str(p) for p in files]
    if fmt == "parquet":
        return spark.read.parquet(*paths)
    # RFC 4180: quotes doubled inside quoted values; values may span lines; fail on bad rows
    return (
        spark.read.option("header", True)
        .option("inferSchema", False)
        .option("encoding", "UTF-8")
        .option("multiLine", True)
        .option("quote", '"')
        .option("escape", '"')
        .option("mode", "FAILFAST")
        .csv(paths)
    )


def _select(
    df: Any, table: str, cols: dict[str, ColumnPlan], key: bytes
) -> tuple[list[Any], list[tuple[str, Any]]]:
    """The planned columns, and (column, failed-cast condition) per cast column."""
    from pyspark.sql import functions as F

    types = dict(df.dtypes)
    select: list[Any] = []
    checks: list[tuple[str, Any]] = []
    for cp in cols.values():
        if cp.action == "drop":
            continue
        if cp.name not in types:
            raise SparkSnapshotError(f"{table}.{cp.name}: column missing in the export")
        src = F.col(f"`{cp.name}`")
        out = cp.snapshot_name or ""
        if cp.action == "keep":
            target = spark_type(cp.column.duck_type)
            if types[cp.name].upper() == target.upper():
                select.append(src.alias(out))
                continue
            cast = src.try_cast(target)
            if cp.column.is_timestamp and types[cp.name] == "string":
                cast = F.when(src.rlike(_TS_WITH_OFFSET), cast)
            select.append(cast.alias(out))
            # a side column, evaluated on the source row (the output may reuse the name)
            flag = f"{CHECK_PREFIX}{len(checks)}"
            select.append((src.isNotNull() & cast.isNull()).alias(flag))
            checks.append((cp.name, F.col(flag)))
        elif cp.action == "hmac":
            text = src.cast("string")
            value = email_norm_column(text) if cp.is_email else F.when(text != F.lit(""), text)
            select.append(hmac_column(value, key).alias(out))
        elif cp.action == "flag":
            select.append(F.coalesce(src.cast("string").rlike(NOT_BLANK), F.lit(False)).alias(out))
    return select, checks


def _check(df: Any, table: str, cols: dict[str, ColumnPlan], checks: list[tuple[str, Any]]) -> int:
    """Count rows, failed casts and NULLs in NOT NULL columns in one pass; raise on any."""
    from pyspark.sql import functions as F

    probes: list[tuple[str, str, Any]] = [("cannot be cast", c, cond) for c, cond in checks]
    for cp in cols.values():
        if cp.action in ("keep", "hmac") and cp.column.not_null:
            probes.append(
                ("NULL in a NOT NULL column", cp.name, F.col(f"`{cp.snapshot_name}`").isNull())
            )
    aggs = [F.count(F.lit(1))] + [F.count_if(cond) for _k, _c, cond in probes]
    counts = df.agg(*aggs).collect()[0]
    problems = []
    table_def = load_schema().tables[table]
    for (kind, c, cond), n in zip(probes, counts[1:], strict=True):
        if n:
            pk = [F.col(f"`{k}`").cast("string") for k in table_def.primary_key]
            first = df.where(cond).select(F.concat_ws(", ", *pk)).limit(1).collect()
            where = first[0][0] if first else "?"
            problems.append(f"{table}.{c}: {n} value(s) {kind} (first at key {where})")
    if problems:
        raise SparkSnapshotError("; ".join(problems))
    return int(counts[0])


def _snapshot_time(export: Path, newest: float) -> datetime:
    """manifest.json ``exported_at`` (validated as the DuckDB source does), else newest mtime."""
    from auditlib.source.export.source import ExportSource

    src = ExportSource(export)
    manifest = src._read_manifest()
    if manifest is not None:
        src._manifest = manifest
        return src._manifest_time()
    return datetime.fromtimestamp(newest, UTC) if newest else datetime.now(UTC)


def build_spark_snapshot(
    spark: Any, export: Path | str, out: Path | str, *, key: bytes | None = None
) -> SparkSnapshotInfo:
    """Read ``export`` with Spark, minimise and pseudonymise, write Parquet under ``out``."""
    export, out = Path(export), Path(out)
    if not export.is_dir():
        raise SparkSnapshotError(f"{export}: not an export directory")
    try:
        pkey = resolve_key(key)
    except ValueError as exc:
        raise SparkSnapshotError(str(exc)) from None
    if spark.conf.get("spark.sql.session.timeZone") != "UTC":
        raise SparkSnapshotError("the Spark session time zone must be UTC")
    schema, plan = load_schema(), load_minimisation()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    old_ts = spark.conf.get("spark.sql.parquet.outputTimestampType")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    rows: dict[str, int] = {}
    newest = 0.0
    try:
        for tname in schema.tables:
            files, fmt = find_table_files(export, tname)
            newest = max([newest] + [p.stat().st_mtime for p in files])
            try:
                df = _read(spark, files, fmt)
                select, checks = _select(df, tname, plan[tname], pkey.key)
                snap = df.select(*select)
                rows[tname] = _check(snap, tname, plan[tname], checks)
                snap = snap.drop(*[c for c in snap.columns if c.startswith(CHECK_PREFIX)])
                snap.write.mode("error").parquet(str(tmp / tname))
            except SparkSnapshotError:
                raise
            except Exception as exc:  # Spark's read/analysis errors: name the table
                first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
                raise SparkSnapshotError(
                    f"{tname}: cannot be read from {files[0].name}"
                    f"{' (+ parts)' if len(files) > 1 else ''} ({type(exc).__name__}: {first})"
                ) from None
        snapshot_time = _snapshot_time(export, newest)
        meta = [
            ("source", str(export.resolve())),
            ("kind", "export"),
            ("engine", "spark"),
            ("spark_version", spark.version),
            ("snapshot_time", snapshot_time.isoformat()),
            ("built_at", datetime.now(UTC).isoformat()),
            ("key_fingerprint", pkey.fingerprint),
            ("key_source", pkey.source),
            (
                "minimisation_sha256",
                hashlib.sha256(minimisation_toml().encode("utf-8")).hexdigest(),
            ),
        ] + [(f"rows.{t}", str(n)) for t, n in rows.items()]
        spark.createDataFrame(meta, "key STRING, value STRING").coalesce(1).write.parquet(
            str(tmp / META_TABLE)
        )
        os.chmod(tmp, 0o700)
        if out.exists():
            aside = out.parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, aside)
            os.replace(tmp, out)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        spark.conf.set("spark.sql.parquet.outputTimestampType", old_ts)
        shutil.rmtree(tmp, ignore_errors=True)
    return SparkSnapshotInfo(out, rows, pkey.fingerprint, pkey.source, snapshot_time)
