"""Build the minimised, pseudonymised snapshot on Spark, with its issues and gates.

What the DuckDB builder (:mod:`auditlib.snapshot.builder`) does, with Spark reading the
source and Parquet as the result: one directory per table (``<out>/<table>/``), the
metadata tables (:mod:`.layout`: ``snapshot_meta``, ``snapshot_tables``,
``extraction_issues``, ``audit_gates``) and a marker file written last.

- **Finding the data** is the export source's own code (:class:`ExportSource`, opened on a
  scratch in-memory DuckDB that only reads Parquet footers and CSV headers, hashes the files
  and checks the manifest): the same ``ignored_file``/``ambiguous``/``unreadable``/manifest
  issues as on DuckDB. A live PostgreSQL database is read through Spark's JDBC source in one
  consistent snapshot (:mod:`.jdbc`).
- **Reading** is Spark's: Parquet, CSV and csv.gz (header, every column text, RFC 4180
  quoting, FAILFAST), single files or directories of part files, each file read on its own
  with its index so rows keep the export's order (the "first at" row of an issue is the
  first in file order, as DuckDB's ``rowid``). An empty CSV field is NULL, quoted or not,
  as DuckDB reads it.
- **Minimisation** comes from ``minimisation.toml`` (one registry): only its columns are
  selected; ``keep`` casts to the schema type (``try_cast``; a text timestamp must carry an
  offset), ``hmac`` writes ``<col>_hmac`` (the same HMAC as DuckDB, :mod:`.pseudonym`),
  ``flag`` writes ``<col>_present``. Timestamps are UTC instants (the session zone is UTC)
  written as Parquet ``TIMESTAMP_MICROS``.
- **Bad data is recorded, not fatal** (as on DuckDB): a missing table or column, values
  that cannot be cast, NULLs in NOT NULL columns, a table Spark cannot read become
  ``extraction_issues`` worded by :mod:`auditlib.snapshot.extraction_issues` (counted
  while the table is written, one pass over the source), and the gates
  DQ-01..06 (:mod:`.gates`, the quality package's compiled SQL in Spark's dialect) fail for
  them; the rules on a blocked table are ``error``.
- The output is built in a hidden temporary directory next to ``out`` and renamed when the
  gates have run; an interrupted or failed build leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from auditlib.engines.spark.errors import spark_error_text
from auditlib.engines.spark.pseudonym import NOT_BLANK, email_norm_column, hmac_column
from auditlib.engines.spark.tables import spark_type
from auditlib.schema import Table, load_schema
from auditlib.snapshot import extraction_issues as issue_texts
from auditlib.snapshot import metadata
from auditlib.snapshot.builder import SnapshotInfo, gate_summary
from auditlib.snapshot.minimisation import ColumnPlan, load_minimisation
from auditlib.snapshot.parquet_layout import MARKER, METADATA_DIRS, SCHEMAS, TABLES_TABLE
from auditlib.snapshot.pseudonym import resolve_key
from auditlib.snapshot.store import tree_sha256
from auditlib.snapshot.text_shapes import shape as text_shape
from auditlib.source.base import ExtractionIssue, SourceError, SourceTable

CHECK_PREFIX = "__auditlib_cast_failed_"  # side columns, never written
POS_FILE, POS_ROW = "__auditlib_file", "__auditlib_row"  # file order, never written


class SparkSnapshotError(Exception):
    """The Spark snapshot could not be built at all (not a data problem: those are issues)."""


class SparkSource(Protocol):
    """What the Spark builder needs of a source (export directory, or PostgreSQL by JDBC)."""

    kind: str
    partial_read_fails_snapshot: bool

    def open(self) -> None:
        """Begin the consistent read (a live database: take the snapshot)."""
        ...

    def close(self, ok: bool) -> None:
        """End it; with ``ok`` verify that every read saw one snapshot (raise if not)."""
        ...

    def tables(self) -> dict[str, SourceTable]: ...
    def issues(self) -> list[ExtractionIssue]: ...
    def snapshot_time(self) -> datetime: ...
    def describe(self) -> dict[str, Any]: ...
    def manifest_state(self) -> dict[str, Any] | None: ...
    def read_error_message(self, table: str, exc: BaseException) -> str: ...
    def read_error(self, table: str, exc: BaseException) -> Exception:
        """The refusal of the whole snapshot for a failed read (``partial_read_fails_snapshot``)."""
        ...

    def read(self, spark: Any, st: SourceTable, columns: list[str]) -> Any:
        """The table's rows with the columns present, plus POS_FILE/POS_ROW (file order)."""
        ...


class ExportFiles:
    """An export directory for Spark: discovery and manifest by :class:`ExportSource`."""

    kind = "export"
    partial_read_fails_snapshot = False

    def __init__(self, path: Path | str) -> None:
        import duckdb

        from auditlib.source.base import SourceError
        from auditlib.source.export.source import ExportSource

        try:
            self.source = ExportSource(path)
        except SourceError as exc:
            raise SparkSnapshotError(str(exc)) from None
        self.scratch = duckdb.connect()  # footers, headers, per-part row counts only

    def open(self) -> None:
        """Discover the files, hash them, check the manifest (the export source's code)."""
        self.source.open(self.scratch)

    def close(self, ok: bool) -> None:
        """Files need no transaction (their sha256 are recorded and checked): release the
        scratch connection."""
        self.scratch.close()

    def tables(self) -> dict[str, SourceTable]:
        return self.source.tables()

    def issues(self) -> list[ExtractionIssue]:
        return self.source.issues()

    def snapshot_time(self) -> datetime:
        return self.source.snapshot_time()

    def describe(self) -> dict[str, Any]:
        return self.source.describe()

    def manifest_state(self) -> dict[str, Any] | None:
        return self.source.manifest_state()

    def read_error_message(self, table: str, exc: BaseException) -> str:
        return self.source.read_error_message(table, RuntimeError(spark_error_text(exc)))

    def read_error(self, table: str, exc: BaseException) -> Exception:
        return SparkSnapshotError(self.read_error_message(table, exc))

    def files(self, st: SourceTable) -> list[Path]:
        if "parts" in st.extra:
            return [self.source.path / rel for rel in st.extra["parts"]]
        return [Path(st.extra["path"])]

    def read(self, spark: Any, st: SourceTable, columns: list[str]) -> Any:
        from functools import reduce

        from pyspark.sql import functions as F

        frames = []
        for i, path in enumerate(self.files(st)):
            if st.format == "parquet":
                df = spark.read.parquet(str(path))
            else:
                df = (
                    spark.read.option("header", True)
                    .option("inferSchema", False)
                    .option("encoding", "UTF-8")
                    .option("multiLine", True)
                    .option("quote", '"')
                    .option("escape", '"')
                    .option("mode", "FAILFAST")
                    .option("compression", "gzip" if st.format == "csv.gz" else "none")
                    .csv(str(path))
                )
                # DuckDB reads an empty field as NULL, quoted or not
                df = df.select(
                    *[
                        F.when(F.col(f"`{c}`") != F.lit(""), F.col(f"`{c}`")).alias(c)
                        for c in df.columns
                    ]
                )
            df = df.select(
                *[F.col(f"`{c}`") for c in columns],
                F.lit(i).alias(POS_FILE),
                F.monotonically_increasing_id().alias(POS_ROW),
            )
            frames.append(df)
        return reduce(lambda a, b: a.unionByName(b), frames)


def _planned_select(
    df: Any, cols: dict[str, ColumnPlan], present: dict[str, str], key: bytes
) -> tuple[list[Any], dict[str, Any]]:
    """The snapshot columns in schema order, and column -> failed-cast flag per cast column."""
    from pyspark.sql import functions as F

    types = dict(df.dtypes)
    select: list[Any] = []
    checks: dict[str, Any] = {}
    for cp in cols.values():
        if cp.action == "drop":
            continue
        out = cp.snapshot_name or ""
        if cp.name not in present:
            select.append(F.lit(None).cast(spark_type(cp.snapshot_type or "")).alias(out))
            continue
        src = F.col(f"`{cp.name}`")
        if cp.action == "keep":
            target = spark_type(cp.column.duck_type)
            if types[cp.name].upper() == target.upper():
                select.append(src.alias(out))
                continue
            cast = cast_column(src, types[cp.name], cp.column.duck_type)
            select.append(cast.alias(out))
            flag = f"{CHECK_PREFIX}{len(checks)}"
            select.append((src.isNotNull() & cast.isNull()).alias(flag))
            checks[cp.name] = F.col(flag)
        elif cp.action == "hmac":
            text = src.cast("string")
            value = email_norm_column(text) if cp.is_email else F.when(text != F.lit(""), text)
            select.append(hmac_column(value, key).alias(out))
        elif cp.action == "flag":
            select.append(F.coalesce(src.cast("string").rlike(NOT_BLANK), F.lit(False)).alias(out))
    return select, checks


def cast_column(src: Any, source_type: str, duck_type: str) -> Any:
    """``try_cast`` to the schema type; text must have the plain shape of its type
    (:mod:`auditlib.snapshot.text_shapes`, as the DuckDB builder's ``_cast_expr``)."""
    from pyspark.sql import functions as F

    cast = src.try_cast(spark_type(duck_type))
    pattern = text_shape(duck_type)
    if pattern is not None and source_type == "string":
        cast = F.when(src.rlike(pattern), cast)
    return cast


def _row_ref(table: Table) -> Any:
    """``user_id=42`` (compound keys joined by ", "), NULL parts left out; NULL when no part."""
    from pyspark.sql import functions as F

    parts = [F.concat(F.lit(f"{c}="), F.col(f"`{c}`").cast("string")) for c in table.primary_key]
    ref = F.concat_ws(", ", *parts)
    return F.when(ref != F.lit(""), ref)


def _copy_table(
    spark: Any,
    source: SparkSource,
    table: Table,
    cols: dict[str, ColumnPlan],
    st: SourceTable,
    key: bytes,
    target: Path,
    issues: list[ExtractionIssue],
) -> tuple[int, list[dict[str, Any]]]:
    """Read, minimise, record the issues and write one table; returns (rows, columns meta)."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    name = table.name
    missing = [cp.name for cp in cols.values() if cp.action != "drop" and cp.name not in st.columns]
    issues += issue_texts.column_issues(table, cols, st, missing)
    wanted = [cp.name for cp in cols.values() if cp.action != "drop" and cp.name in st.columns]
    df = source.read(spark, st, wanted)
    select, checks = _planned_select(df, cols, st.columns, key)
    snap = df.select(*select, F.col(POS_FILE), F.col(POS_ROW))
    probes: list[tuple[str, str, Any]] = [("cast_failure", c, f) for c, f in checks.items()]
    for c in issue_texts.required_columns(cols, missing):
        cond = F.col(f"`{cols[c].snapshot_name}`").isNull()
        if c in checks:
            cond = cond & ~checks[c]
        probes.append(("null_in_required", c, cond))
    # One pass over the source: the row count and the issue counts are observed while the
    # table is written (Spark's Observation, filled by the write action), instead of an
    # aggregation that reads (and pseudonymises) the source a second time. Read only
    # after the write succeeded: a failed action leaves zeros in it.
    obs = Observation(f"auditlib-{name}-{uuid.uuid4().hex}")
    metrics = [F.count(F.lit(1)).alias("rows")]
    metrics += [F.count_if(cond).alias(f"probe{i}") for i, (_k, _c, cond) in enumerate(probes)]
    keep = [c for c in snap.columns if not c.startswith("__auditlib_")]
    snap.observe(obs, *metrics).select(*keep).write.mode("error").parquet(str(target))
    counts = obs.get
    for i, (kind, c, cond) in enumerate(probes):
        n = int(counts[f"probe{i}"])
        if n:
            first = _first_ref(snap, table, cond)
            issues.append(issue_texts.value_issue(kind, name, cols[c], st.columns[c], n, first))
    return int(counts["rows"]), metadata.column_entries(cols, st.columns)


def _first_ref(snap: Any, table: Table, cond: Any) -> str:
    """The first failing row in file order, by key; ``row N`` when its key is NULL."""
    from pyspark.sql import functions as F

    order = [F.col(POS_FILE), F.col(POS_ROW)]
    first = snap.where(cond).orderBy(*order).select(_row_ref(table), *order).limit(1).collect()
    ref, fpos, rpos = first[0]
    if ref is not None:
        return str(ref)
    before = snap.where(
        (F.col(POS_FILE) < F.lit(fpos))
        | ((F.col(POS_FILE) == F.lit(fpos)) & (F.col(POS_ROW) < F.lit(rpos)))
    ).count()
    return f"row {before + 1}"


def _empty(spark: Any, cols: dict[str, ColumnPlan], target: Path) -> None:
    ddl = ", ".join(
        f"`{cp.snapshot_name}` {spark_type(cp.snapshot_type or '')}"
        for cp in cols.values()
        if cp.action != "drop"
    )
    spark.createDataFrame([], ddl).coalesce(1).write.mode("error").parquet(str(target))


def _write_metadata(
    spark: Any,
    root: Path,
    issues: list[ExtractionIssue],
    records: list[metadata.TableRecord],
    meta: dict[str, Any],
) -> None:
    from auditlib.snapshot.metadata import ISSUES_TABLE, META_TABLE

    content = {
        META_TABLE: metadata.meta_rows(meta),
        TABLES_TABLE: [r.row() for r in records],
        ISSUES_TABLE: [metadata.issue_row(i) for i in issues],
    }
    for view, rows in content.items():
        df = spark.createDataFrame(rows, SCHEMAS[view])
        df.coalesce(1).write.mode("error").parquet(str(root / METADATA_DIRS[view]))


@contextmanager
def _parquet_micros(spark: Any) -> Iterator[None]:
    old = spark.conf.get("spark.sql.parquet.outputTimestampType")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    try:
        yield
    finally:
        spark.conf.set("spark.sql.parquet.outputTimestampType", old)


def open_spark_source(spec: Any, spark: Any) -> SparkSource:
    """The Spark source for a parsed source spec (export directory or PostgreSQL)."""
    kind = getattr(spec, "kind", "export")
    if kind == "export":
        return ExportFiles(getattr(spec, "path", spec))
    if kind == "postgres":
        from auditlib.engines.spark.jdbc import JdbcSource

        return JdbcSource(spark, spec)
    raise SparkSnapshotError(f"--engine spark cannot read a {kind} source")


def build_spark_snapshot(
    spark: Any,
    source: SparkSource | Path | str,
    out: Path | str,
    *,
    key: bytes | None = None,
    gates: bool = True,
) -> SnapshotInfo:
    """Read ``source`` with Spark, minimise and pseudonymise, record issues, run the gates,
    and publish the Parquet snapshot at ``out`` (atomically). ``source``: an export
    directory, or a :class:`SparkSource`. Data problems are issues and failed gates; only a
    source that cannot be read at all raises (:class:`SparkSnapshotError` / ``SourceError``).
    """
    t0, started = time.perf_counter(), datetime.now(UTC)
    out = Path(out)
    try:
        pkey = resolve_key(key)
    except ValueError as exc:
        raise SparkSnapshotError(str(exc)) from None
    if spark.conf.get("spark.sql.session.timeZone") != "UTC":
        raise SparkSnapshotError("the Spark session time zone must be UTC")
    src: SparkSource = ExportFiles(source) if isinstance(source, Path | str) else source
    schema, plan = load_schema(), load_minimisation()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-{os.getpid()}-", dir=out.parent))
    reading = False
    try:
        os.chmod(tmp, 0o700)
        src.open()
        reading = True
        issues: list[ExtractionIssue] = list(src.issues())
        available = src.tables()
        explained = {i.table_name: i for i in issues if i.kind in ("ambiguous", "unreadable")}
        records: list[metadata.TableRecord] = []
        rows: dict[str, int] = {}
        with _parquet_micros(spark):
            for tname, table in schema.tables.items():
                cols, st = plan[tname], available.get(tname)
                if st is None:
                    issues.append(issue_texts.missing_table(tname, explained.get(tname)))
                    _empty(spark, cols, tmp / tname)
                    rows[tname] = 0
                    records.append(metadata.TableRecord(tname, None, None, None, 0, None, []))
                    continue
                mark = len(issues)
                try:
                    count, cmeta = _copy_table(
                        spark, src, table, cols, st, pkey.key, tmp / tname, issues
                    )
                except Exception as exc:  # noqa: BLE001 - Spark's read errors: an issue
                    if src.partial_read_fails_snapshot:
                        raise src.read_error(tname, exc) from None
                    del issues[mark:]
                    shutil.rmtree(tmp / tname, ignore_errors=True)
                    issues += issue_texts.unreadable(tname, src.read_error_message(tname, exc))
                    _empty(spark, cols, tmp / tname)
                    rows[tname] = 0
                    records.append(
                        metadata.TableRecord(
                            tname, st.origin, st.format, None, 0, st.input_sha256, []
                        )
                    )
                    continue
                issues += issue_texts.manifest_rows(tname, st, count, getattr(src, "scratch", None))
                rows[tname] = count
                records.append(
                    metadata.TableRecord(
                        tname, st.origin, st.format, count, count, st.input_sha256, cmeta
                    )
                )
            snapshot_time = src.snapshot_time()
            reading = False
            src.close(ok=True)  # a live source: refused here if the snapshot did not hold
            finished = datetime.now(UTC)
            _write_metadata(
                spark,
                tmp,
                issues,
                records,
                metadata.snapshot_meta(
                    src,
                    snapshot_time,
                    started,
                    finished,
                    schema.sha256,
                    pkey.fingerprint,
                    pkey.source,
                    engine="spark",
                    spark_version=spark.version,
                ),
            )
            gate_rows: list[metadata.GateResult] = []
            if gates:
                from auditlib.engines.spark.gates import SparkGateDb
                from auditlib.quality.gates import run_gates

                gate_rows = run_gates(SparkGateDb(spark, tmp), snapshot_time)
        (tmp / MARKER).write_text(
            json.dumps({"engine": "spark", "snapshot_time": snapshot_time.isoformat()}), "utf-8"
        )
        digest = tree_sha256(tmp)
        _publish(tmp, out)
    except (SparkSnapshotError, SourceError):
        raise
    except Exception as exc:  # Spark itself failed (a lost JVM, no memory): fail closed
        raise SparkSnapshotError(
            f"Spark failed while building the snapshot ({spark_error_text(exc)}); no snapshot "
            "was written. Give the executors more memory (or the driver, up to 4g) and rerun"
        ) from None
    finally:
        if reading:
            src.close(ok=False)
        shutil.rmtree(tmp, ignore_errors=True)

    summary, problems = gate_summary(gate_rows)
    return SnapshotInfo(
        path=out,
        sha256=digest,
        rows=rows,
        seconds=time.perf_counter() - t0,
        key_fingerprint=pkey.fingerprint,
        key_source=pkey.source,
        snapshot_time=snapshot_time,
        gates=summary,
        gate_problems=problems,
        issues=len(issues),
        gate_rows=gate_rows,
    )


def _publish(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp``; an older snapshot is moved aside first and then removed."""
    if out.exists():
        if not (out / MARKER).is_file() and any(out.iterdir()):
            raise SparkSnapshotError(
                f"{out} exists and is not a Spark snapshot; refusing to replace it"
            )
        aside = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, aside)
        os.replace(tmp, out)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(tmp, out)
