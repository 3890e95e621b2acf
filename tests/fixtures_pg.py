"""Fixtures around a throwaway PostgreSQL cluster (owned by the pg area).

- ``pg_cluster``: one running ``ThrowawayCluster`` per test session.
- ``pg_tiny``: the cluster's database ``tiny`` holding ``tiny_export`` (below).
- ``pg_demo``: a database ``demo`` holding the ``demo_export`` fixture's data
  (tests/fixtures_demo.py); while that fixture does not exist yet, the tiny export.
- ``tiny_export``: an 18-table export written here (parquet, csv and csv.gz mixed)
  with awkward values: quotes, commas, newlines, non-ASCII, empty vs NULL text.

Missing PostgreSQL binaries are an error with the install hint, never a skip:
the live path is what users run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
import pytest

from auditlib.pg.cluster import ThrowawayCluster
from auditlib.pg.load import load_export
from auditlib.schema import load_schema

# table -> (format, rows as SQL VALUES tuples in schema column order)
TINY_ROWS: dict[str, tuple[str, list[str]]] = {
    "customers": (
        "parquet",
        [
            "(1, '556677-8899', 'Åkeri AB', 'SE', '2020-01-05 08:00:00+00')",
            "(2, '556000-0001', 'Comma, Quote \"Co\"', 'NO', '2021-03-01 12:30:00+00')",
            "(3, '556000-0002', 'Line\nBreak GmbH', 'DE', '2022-06-30 22:15:00+00')",
        ],
    ),
    "contracts": (
        "csv",
        [
            "(10, 1, 'basic', '2020-01-05', NULL, NULL)",
            "(11, 2, 'pro', '2021-03-01', '2023-12-31', '2023-11-02 09:00:00+00')",
            "(12, 3, 'enterprise', '2022-07-01', NULL, NULL)",
        ],
    ),
    "users": (
        "csv.gz",
        [
            "(100, 1, 'Örjan Ek', 'orjan@example.se', 'x', NULL, true, '2020-01-06 00:00:00+00', NULL, NULL)",
            "(101, 1, 'Eva \"Evi\" Berg', 'eva@example.se', 'x', '', false, '2020-02-01 00:00:00+00', '2024-05-01 10:00:00+00', NULL)",
            "(102, 2, 'Ola Nordmann', 'ola@example.no', 'x', 'https://img/1', true, '2021-03-02 00:00:00+00', NULL, '2024-01-31 23:59:59+00')",
            "(103, 3, 'Hans', 'hans@example.de', 'x', NULL, false, '2022-07-02 00:00:00+00', NULL, NULL)",
        ],
    ),
    "recipients": (
        "parquet",
        [
            "(200, 1, 'Anna', 'anna@example.se', '+46701234567', '2020-02-01 00:00:00+00')",
            "(201, 1, NULL, 'b@example.se', NULL, '2020-02-02 00:00:00+00')",
            "(202, 2, '', '', '', '2021-04-01 00:00:00+00')",
            "(203, 3, 'Jörg, Jr.', NULL, '+4915112345678', '2022-08-01 00:00:00+00')",
        ],
    ),
    "messages": (
        "csv",
        [
            "(300, 1, 100, 'email', 'Hej', 'Body with \"quotes\", commas\nand lines', '2020-03-01 10:00:00+00')",
            "(301, 1, NULL, 'sms', NULL, NULL, '2020-03-02 10:00:00+00')",
            "(302, 2, 102, 'push', '', '', '2021-05-01 10:00:00+00')",
            "(303, 3, 103, 'email', 'Grüße', 'ß', '2022-09-01 10:00:00+00')",
        ],
    ),
    "message_deliveries": (
        "parquet",
        [
            "(300, 200, 1, 'delivered', '2020-03-01 10:00:05+00')",
            "(300, 201, 1, 'bounced', NULL)",
            "(301, 200, 2, 'sent', NULL)",
            "(302, 202, NULL, 'queued', NULL)",
            "(303, 203, 1, 'failed', NULL)",
        ],
    ),
    "login_events": (
        "csv.gz",
        [
            "(400, 100, 1, '2024-01-01 07:00:00+00', '192.0.2.1', 'Mozilla/5.0 (X11; \"Linux\")', true)",
            "(401, 101, 1, '2024-01-02 07:00:00+00', '2001:db8::1', NULL, false)",
            "(402, 999, 2, '2024-01-03 07:00:00+00', '198.51.100.7', '', true)",
        ],
    ),
    "orders": (
        "csv",
        [
            "(500, 1, 'Anna Andersson', 'anna@example.se', NULL, 'Åkeri AB', '2019-12-20 10:00:00+00')",
            "(501, NULL, 'Prospect', 'p@example.com', '+4670000000', 'Maybe AB', '2024-02-01 10:00:00+00')",
        ],
    ),
    "invoices": (
        "parquet",
        [
            "(600, 1, '2024-000001', 2024, '2024-01-31', 1234.50, 'billing@example.se')",
            "(601, 2, '2024-000002', 2024, '2024-02-29', 0.00, 'b@example.no')",
            "(602, 3, '2017-000001', 2017, '2017-12-31', 99999.99, 'c@example.de')",
        ],
    ),
    "support_tickets": (
        "csv",
        [
            "(700, 1, 'Anna', 'anna@example.se', 'chat', 'Help', '2024-03-01 10:00:00+00', NULL)",
            "(701, NULL, NULL, 'visitor@example.com', 'email', NULL, '2021-01-01 10:00:00+00', '2021-01-02 10:00:00+00')",
        ],
    ),
    "cookie_consents": (
        "parquet",
        [
            "(800, 'v-1', '203.0.113.9', '2024-04-01 10:00:00+00', 'necessary,analytics', NULL)",
            "(801, 'v-2', NULL, '2022-04-01 10:00:00+00', 'necessary', '2022-05-01 10:00:00+00')",
        ],
    ),
    "subprocessors": (
        "csv",
        [
            "(1, 'HostCo', 'hosting', 'SE', true, '2019-01-01', '2019-01-01', NULL, '2018-12-01')",
            "(2, 'SmsCo', 'sms_gateway', 'US', true, NULL, '2020-01-01', NULL, NULL)",
        ],
    ),
    "subprocessor_locations": (
        "csv",
        [
            "(1, 'SE', 'storage')",
            "(1, 'FI', 'processing')",
            "(2, 'US', 'support_access')",
        ],
    ),
    "data_transfers": (
        "parquet",
        [
            "(900, 2, 1, '2024-01-01 10:00:00+00', 'US', 'contact_details', 12)",
            "(901, 1, NULL, '2024-01-02 10:00:00+00', 'SE', 'billing', 1)",
        ],
    ),
    "backups": (
        "csv.gz",
        [
            "(1000, '2024-01-01 02:00:00+00', 1, 'SE', '2024-04-01 02:00:00+00', NULL)",
            "(1001, '2023-01-01 02:00:00+00', NULL, 'FI', '2023-04-01 02:00:00+00', '2023-04-01 03:00:00+00')",
        ],
    ),
    "legal_holds": (
        "parquet",
        [
            "(1100, 2, 'Polismyndigheten', 'AM-123', '2024-01-15', NULL)",
        ],
    ),
    "deletion_runs": (
        "csv",
        [
            "(1200, 'customer_offboarding', 2, NULL, '2024-02-01 10:00:00+00', NULL, 'pending', NULL)",
            "(1201, 'subject_erasure', NULL, 'gone@example.se', '2024-02-01 10:00:00+00', '2024-02-01 11:00:00+00', 'completed', 42)",
        ],
    ),
    "dsr_requests": (
        "parquet",
        [
            "(1300, 'netdialog', NULL, 'x@example.se', NULL, 'access', 'email', '2024-05-01 10:00:00+00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0)",
            "(1301, 'customer', 1, 'anna@example.se', 100, 'erasure', 'web_form', '2024-01-01 10:00:00+00', '2024-01-02 10:00:00+00', '2024-01-20', '2024-01-21 10:00:00+00', 'complex', '2024-03-01 10:00:00+00', 'fulfilled', NULL, 0.00)",
        ],
    ),
}


@dataclass(frozen=True)
class TinyExport:
    out_dir: Path
    rows: dict[str, int]


def write_tiny_export(out_dir: Path) -> TinyExport:
    """Write ``TINY_ROWS`` as an export directory (one file per table, formats mixed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    schema = load_schema()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows: dict[str, int] = {}
    for table, (fmt, values) in TINY_ROWS.items():
        cols = schema.tables[table].columns
        casts = ", ".join(
            f"CAST(col{i} AS {c.duck_type}) AS {c.name}" for i, c in enumerate(cols.values())
        )
        select = f"SELECT {casts} FROM (VALUES {', '.join(values)}) AS v({', '.join(f'col{i}' for i in range(len(cols)))})"
        target = out_dir / f"{table}.{fmt}"
        if fmt == "parquet":
            opts = "FORMAT parquet"
        elif fmt == "csv":
            opts = "FORMAT csv, HEADER true"
        else:
            opts = "FORMAT csv, HEADER true, COMPRESSION gzip"
        con.execute(f"COPY ({select}) TO '{target}' ({opts})")
        rows[table] = len(values)
    con.close()
    return TinyExport(out_dir=out_dir, rows=rows)


def _create_database(cluster: ThrowawayCluster, name: str) -> str:
    cluster.psql(f'CREATE DATABASE "{name}"', dbname="postgres")
    cluster.psql(f'GRANT CONNECT ON DATABASE "{name}" TO {cluster.auditor_user}', dbname="postgres")
    return cluster.conninfo.replace(f"dbname={cluster.dbname}", f"dbname={name}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    with ThrowawayCluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory: pytest.TempPathFactory) -> TinyExport:
    return write_tiny_export(tmp_path_factory.mktemp("tiny_export"))


@dataclass(frozen=True)
class LoadedDatabase:
    cluster: ThrowawayCluster
    dbname: str
    conninfo: str  # superuser, no password
    auditor_conninfo: str  # auditor, no password
    export_dir: Path
    rows: dict[str, int]

    def connect(self, *, auditor: bool = False) -> psycopg.Connection:
        if auditor:
            return psycopg.connect(self.auditor_conninfo, password=self.cluster.auditor_password)
        return psycopg.connect(self.conninfo, password=self.cluster.password)


def load_into_new_database(
    cluster: ThrowawayCluster, name: str, export_dir: Path, *, fk_checks: bool = True
) -> LoadedDatabase:
    conninfo = _create_database(cluster, name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", cluster.password)
        rows = load_export(export_dir, conninfo, fk_checks=fk_checks)
    auditor = conninfo.replace(f"user={cluster.user}", f"user={cluster.auditor_user}")
    return LoadedDatabase(cluster, name, conninfo, auditor, export_dir, rows)


@pytest.fixture(scope="session")
def pg_tiny(pg_cluster: ThrowawayCluster, tiny_export: TinyExport) -> LoadedDatabase:
    return load_into_new_database(pg_cluster, "tiny", tiny_export.out_dir)


@pytest.fixture(scope="session")
def pg_demo(request: pytest.FixtureRequest, pg_cluster: ThrowawayCluster) -> LoadedDatabase:
    """The demo export in database ``demo``. The demo data plants orphan rows for the
    data-quality gates, so foreign keys are added NOT VALID (``fk_checks=False``)."""
    try:
        demo = request.getfixturevalue("demo_export")
        export_dir = Path(demo.out_dir)
    except pytest.FixtureLookupError:
        export_dir = request.getfixturevalue("tiny_export").out_dir
    return load_into_new_database(pg_cluster, "demo", export_dir, fk_checks=False)


# --- checksums: the same canonical text per row, computed in PostgreSQL and in DuckDB ---
def _pg_expr(col: str, pg_type: str) -> str:
    if pg_type == "timestamptz":
        return f"(extract(epoch FROM {col}) * 1000000)::bigint::text"
    if pg_type == "boolean":
        return f"CASE WHEN {col} THEN 'true' ELSE 'false' END"
    if pg_type == "inet":
        return f"host({col})"
    return f"{col}::text"


def _duck_expr(col: str, duck_type: str) -> str:
    cast = f"CAST({col} AS {duck_type})"
    if duck_type == "TIMESTAMPTZ":
        return f"CAST(epoch_us({cast}) AS VARCHAR)"
    if duck_type == "BOOLEAN":
        return f"CASE WHEN {cast} THEN 'true' ELSE 'false' END"
    return f"CAST({cast} AS VARCHAR)"


def pg_table_checksum(con: psycopg.Connection, table: str) -> tuple[int, str]:
    """(rows, md5 of the ordered canonical row texts) of one2many.<table> in PostgreSQL."""
    t = load_schema().tables[table]
    row = " || chr(31) || ".join(
        f"coalesce({_pg_expr(c.name, c.pg_type)}, '<NULL>')" for c in t.columns.values()
    )
    order = ", ".join(t.primary_key)
    r = con.execute(
        f"SELECT count(*), coalesce(md5(string_agg({row}, chr(30) ORDER BY {order})), '') "
        f"FROM one2many.{table}"
    ).fetchone()
    assert r is not None
    return int(r[0]), str(r[1])


def duck_relation_checksum(
    con: duckdb.DuckDBPyConnection, table: str, relation_sql: str
) -> tuple[int, str]:
    """The same checksum over any DuckDB relation holding the table's schema columns."""
    t = load_schema().tables[table]
    row = " || chr(31) || ".join(
        f"coalesce({_duck_expr(c.name, c.duck_type)}, '<NULL>')" for c in t.columns.values()
    )
    order = ", ".join(f"CAST({c} AS {t.columns[c].duck_type})" for c in t.primary_key)
    r = con.execute(
        f"SELECT count(*), coalesce(md5(string_agg({row}, chr(30) ORDER BY {order})), '') "
        f"FROM {relation_sql}"
    ).fetchone()
    assert r is not None
    return int(r[0]), str(r[1])


def export_relation_sql(path: Path) -> str:
    """DuckDB relation over one export file (CSV as text; the checksum casts)."""
    if path.name.endswith(".parquet"):
        return f"read_parquet('{path}')"
    return f"read_csv('{path}', header=true, all_varchar=true, allow_quoted_nulls=false)"


@pytest.fixture(scope="session")
def pg_demo_csv(request: pytest.FixtureRequest, pg_cluster: ThrowawayCluster) -> LoadedDatabase:
    """The demo export written as CSV / gzipped CSV (``demo_export_csv``) in database ``demo_csv``."""
    demo = request.getfixturevalue("demo_export_csv")
    return load_into_new_database(pg_cluster, "demo_csv", Path(demo.out_dir), fk_checks=False)
