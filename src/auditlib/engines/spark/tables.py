"""Snapshot tables as Spark temp views: from a DuckDB snapshot, or from Parquet.

The rules read tables by their schema names (``users``, ``dsr_requests``, ...); on Spark
each is a temporary view. :func:`register_from_duckdb` hands the tables of a DuckDB
connection to Spark through Arrow (small snapshots: tests, the parity suite);
:func:`register_from_parquet` reads a snapshot directory of Parquet tables, one
sub-directory per table (what a cluster reads; :func:`write_parquet_from_duckdb` writes one
from a DuckDB snapshot). Gate results (``_audit_gates`` in DuckDB) are handed to the rule
engine as rows, not as a view.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from auditlib.dates import calendar_rows
from auditlib.engines.spark.compile import CALENDAR_VIEW

GATES_TABLE = "_audit_gates"

# Spark SQL's type names -> DuckDB's catalog spelling: the one table of both engines' type
# names. Spark's ``timestamp`` is an instant (the session zone is UTC), DuckDB's TIMESTAMP
# WITH TIME ZONE; Spark's ``timestamp_ntz`` is DuckDB's naive TIMESTAMP.
_SPARK_TO_DUCK = {
    "bigint": "BIGINT",
    "int": "INTEGER",
    "smallint": "SMALLINT",
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "timestamp_ntz": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "double": "DOUBLE",
    "float": "FLOAT",
}
# The other way, for snapshot columns: their timestamps are instants, so a naive TIMESTAMP
# has no Spark type here (refused, never read as an instant); TIMESTAMPTZ is DuckDB's alias.
_DUCK_TO_SPARK = {
    duck: spark.upper() for spark, duck in _SPARK_TO_DUCK.items() if duck != "TIMESTAMP"
} | {"TIMESTAMPTZ": "TIMESTAMP"}


def spark_type(duck_type: str) -> str:
    """The Spark SQL type of a snapshot column's DuckDB type."""
    t = duck_type.upper().strip()
    if t in _DUCK_TO_SPARK:
        return _DUCK_TO_SPARK[t]
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if m:
        return f"DECIMAL({m.group(1)},{m.group(2)})"
    raise ValueError(f"snapshot column type {duck_type!r} has no Spark type")


def duck_spelling(spark_type: str) -> str:
    """``decimal(12,2)`` -> ``DECIMAL(12,2)``, ``timestamp`` -> ``TIMESTAMP WITH TIME ZONE``
    (what the quality suites' column types are compared in)."""
    t = spark_type.lower()
    if t in _SPARK_TO_DUCK:
        return _SPARK_TO_DUCK[t]
    m = re.fullmatch(r"decimal\((\d+),(\d+)\)", t)
    return f"DECIMAL({m.group(1)},{m.group(2)})" if m else spark_type.upper()


def duckdb_tables(con: Any) -> list[str]:
    """The snapshot's domain tables on a DuckDB connection (metadata tables start with _)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' "
        "ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows if not r[0].startswith("_")]


def register_from_duckdb(spark: Any, con: Any, tables: list[str] | None = None) -> list[str]:
    """Each of ``tables`` (default: all domain tables) of ``con`` as a Spark temp view.

    Views of tables not on ``con`` are dropped, so a rule never reads one left over from an
    earlier snapshot. Returns the names registered.
    """
    present = set(duckdb_tables(con))
    wanted = sorted(present) if tables is None else list(tables)
    done = []
    for name in wanted:
        if name not in present:
            spark.catalog.dropTempView(name)
            continue
        cols = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE table_name = ? AND schema_name = 'main' ORDER BY column_index",
            [name],
        ).fetchall()
        ddl = ", ".join(f"`{c}` {spark_type(t)}" for c, t in cols)
        arrow = con.execute(f'SELECT * FROM "{name}"').arrow()
        if hasattr(arrow, "read_all"):
            arrow = arrow.read_all()
        if arrow.num_rows:
            df = spark.createDataFrame(arrow.to_pandas(), schema=ddl)
        else:
            df = spark.createDataFrame([], schema=ddl)
        df.createOrReplaceTempView(name)
        done.append(name)
    return done


def gate_rows_from_duckdb(con: Any) -> list[tuple[str, str, str, str | None]] | None:
    """The gate rows of a DuckDB snapshot, or None when it has no gate table."""
    import duckdb

    try:
        return con.execute(
            f"SELECT gate_id, table_name, status, message FROM {GATES_TABLE}"
        ).fetchall()
    except duckdb.CatalogException:
        return None


def write_parquet_from_duckdb(con: Any, out: Path, tables: list[str] | None = None) -> list[str]:
    """Domain tables of ``con`` (default: all) as ``out/<table>/data.parquet`` (timestamps
    as UTC instants); returns the tables written (a table not on ``con`` is skipped)."""
    out.mkdir(parents=True, exist_ok=True)
    present = duckdb_tables(con)
    names = present if tables is None else [t for t in tables if t in present]
    for name in names:
        (out / name).mkdir(exist_ok=True)
        target = str(out / name / "data.parquet").replace("'", "''")
        con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{target}' (FORMAT PARQUET)")
    return names


def register_from_parquet(spark: Any, root: Path, tables: list[str]) -> list[str]:
    """``root/<table>`` Parquet directories as temp views; a missing one is dropped."""
    done = []
    for name in tables:
        path = root / name
        if not path.exists():
            spark.catalog.dropTempView(name)
            continue
        spark.read.parquet(str(path)).createOrReplaceTempView(name)
        done.append(name)
    return done


_calendars: dict[tuple[int, bool], Any] = {}


def register_calendar(spark: Any, count_eves_as_holidays: bool) -> None:
    """``_calendar(day, rolled)`` of :func:`auditlib.dates.calendar_rows` as a temp view
    (the same rows the DuckDB macros read, so the engines cannot disagree on roll())."""
    key = (id(spark), count_eves_as_holidays)
    df = _calendars.get(key)
    if df is None:
        rows = calendar_rows(count_eves_as_holidays)
        df = spark.createDataFrame(list(rows), schema="day DATE, rolled DATE").cache()
        _calendars[key] = df
    df.createOrReplaceTempView(CALENDAR_VIEW)
