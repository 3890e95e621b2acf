"""DQ-01..06 on a Spark snapshot: the quality package's gates, compiled to Spark SQL.

:class:`SparkGateDb` is the :class:`auditlib.quality.gates.SnapshotDb` of a Spark snapshot
directory: the schema tables and the metadata tables are temp views under their DuckDB names,
the compiled expectations (:mod:`auditlib.quality.sql_backend`, dialect ``SPARK``) run as
Spark SQL, and the gate rows are written to ``<snapshot>/audit_gates/``. Same suites, same
messages, same verdicts as on DuckDB (``tests/test_spark_gates.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditlib.engines.spark.errors import SparkQueryError, spark_error_text
from auditlib.engines.spark.tables import duck_spelling, register_from_parquet
from auditlib.quality.sql_backend import SPARK, Catalog
from auditlib.schema import load_schema
from auditlib.snapshot.metadata import GATES_TABLE, META_TABLE, GateResult, decode_meta
from auditlib.snapshot.parquet_layout import GATES_DIR, METADATA_DIRS, SCHEMAS

_DOUBLE_QUOTED = "spark.sql.ansi.doubleQuotedIdentifiers"


class SparkGateDb:
    """A Spark snapshot directory as the gates' :class:`~auditlib.quality.gates.SnapshotDb`."""

    dialect = SPARK

    def __init__(self, spark: Any, root: Path | str) -> None:
        self.spark, self.root = spark, Path(root)
        self._catalog: Catalog = {
            name: {c: duck_spelling(t) for c, t in spark.table(name).dtypes}
            for name in register_from_parquet(spark, self.root, list(load_schema().tables))
        }
        for view, directory in METADATA_DIRS.items():
            path = self.root / directory
            if path.is_dir():
                spark.read.schema(SCHEMAS[view]).parquet(str(path)).createOrReplaceTempView(view)
            else:
                spark.catalog.dropTempView(view)

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Run compiled SQL: ANSI double-quoted identifiers, as the compiler writes them
        (set for the parse of this statement only; rule SQL is compiled to backticks)."""
        conf = self.spark.conf
        old = conf.get(_DOUBLE_QUOTED, "false")
        conf.set(_DOUBLE_QUOTED, "true")
        try:
            df = self.spark.sql(sql)
        except Exception as exc:  # a compile error of ours: keep its text (no data in it)
            raise SparkQueryError(spark_error_text(exc)) from None
        finally:
            conf.set(_DOUBLE_QUOTED, old)
        try:
            return [tuple(r) for r in df.collect()]
        except Exception as exc:  # noqa: BLE001 - running it: Spark's error class only
            raise SparkQueryError(spark_error_text(exc)) from None

    def catalog(self) -> Catalog:
        return {t: dict(cols) for t, cols in self._catalog.items()}

    def read_meta(self) -> dict[str, Any] | None:
        try:
            return decode_meta(self.fetch(f"SELECT key, value FROM {META_TABLE}"))
        except Exception:  # noqa: BLE001 - no readable metadata: DQ-06 says 'unknown'
            return None

    def write_gates(self, results: list[GateResult]) -> None:
        rows = [r.row() for r in results]
        df = self.spark.createDataFrame(rows, SCHEMAS[GATES_TABLE])
        df.coalesce(1).write.mode("overwrite").parquet(str(self.root / GATES_DIR))


def read_gate_rows(spark: Any, root: Path | str) -> list[GateResult] | None:
    """The gate rows of a Spark snapshot (None when it has none)."""
    path = Path(root) / GATES_DIR
    if not path.is_dir():
        return None
    rows = spark.read.schema(SCHEMAS[GATES_TABLE]).parquet(str(path)).collect()
    return [GateResult.from_row(tuple(r)) for r in rows]
