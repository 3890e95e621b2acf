"""JdbcSnapshotReader: live PostgreSQL through Spark's JDBC source, in one snapshot.

Real PostgreSQL (a throwaway cluster), real Spark (the session fixture), no mocks.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

from auditlib.pg.cluster import ThrowawayCluster, free_port
from auditlib.schema import load_schema
from auditlib.source.base import SourceError
from fixtures_pg import LoadedDatabase, TinyExport, load_into_new_database, pg_table_checksum

pytestmark = [pytest.mark.spark, pytest.mark.postgres]


@pytest.fixture
def auditor_env(pg_cluster: ThrowawayCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", pg_cluster.auditor_password)


@pytest.fixture(scope="module")
def jdbc_spark(spark: Any) -> Any:
    """The session fixture, skipped (with the install line) when the driver jar is missing."""
    from auditlib.engines.spark.session import SparkUnavailable, jdbc_jar

    try:
        jdbc_jar()
    except SparkUnavailable as exc:
        pytest.skip(str(exc))
    return spark


def _reader(spark: Any, conninfo: str, **kw: Any) -> Any:
    from auditlib.engines.spark.jdbc import JdbcSnapshotReader

    return JdbcSnapshotReader(spark, conninfo, **kw)


def _spark_checksum(df: Any, table: str) -> tuple[int, str]:
    """fixtures_pg.pg_table_checksum's canonical text, computed over a Spark DataFrame."""
    from pyspark.sql import functions as F

    t = load_schema().tables[table]
    parts = []
    for c in t.columns.values():
        col = F.col(c.name)
        if c.pg_type == "timestamptz":
            text = F.unix_micros(col).cast("string")
        else:
            text = col.cast("string")  # booleans 'true'/'false', decimals keep their scale
        parts.append(F.coalesce(text, F.lit("<NULL>")))
    rows = df.orderBy(*t.primary_key).select(F.concat_ws(chr(31), *parts).alias("r")).collect()
    joined = chr(30).join(r["r"] for r in rows)
    return len(rows), (hashlib.md5(joined.encode("utf-8")).hexdigest() if rows else "")


def _backends(db: LoadedDatabase) -> int:
    from auditlib.engines.spark.jdbc import APPLICATION_NAME

    with db.connect() as con:
        row = con.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            (APPLICATION_NAME,),
        ).fetchone()
    return int(row[0]) if row else -1


def test_every_table_reads_as_postgres_holds_it_with_schema_types(
    jdbc_spark: Any, pg_tiny: LoadedDatabase, auditor_env: None
) -> None:
    from auditlib.engines.spark.tables import spark_type

    schema = load_schema()
    with _reader(jdbc_spark, pg_tiny.auditor_conninfo) as src:
        assert set(src.tables()) == set(schema.tables)
        assert src.issues() == []
        for name, table in schema.tables.items():
            assert src.tables()[name] == [(c.name, c.pg_type) for c in table.columns.values()]
            df = src.read(name, table.column_names)
            assert df.columns == table.column_names
            want = {c.name: spark_type(c.duck_type).lower() for c in table.columns.values()}
            assert {c: t.lower() for c, t in df.dtypes} == want, name
            with pg_tiny.connect() as pg:
                assert _spark_checksum(df, name) == pg_table_checksum(pg, name), name
        # inet as the export writes it: no /32 or /128 for a host
        ips = {r[0] for r in src.read("login_events", ["ip_address"]).collect()}
        assert ips == {"192.0.2.1", "2001:db8::1", "198.51.100.7"}
        # a subset of columns, in the order asked for
        subset = ["amount_sek", "invoice_id"]
        assert src.read("invoices", subset).columns == subset
        d = src.describe()
        assert d["host"] == "127.0.0.1" and d["port"] == str(pg_tiny.cluster.port)
        assert d["dbname"] == "tiny" and d["user"] == "auditor"
        assert d["server_version"].startswith("15.") and d["pg_snapshot"] == src.pg_snapshot
        assert src.snapshot_time().tzinfo is not None
        assert pg_tiny.cluster.auditor_password not in repr(d)
        assert _backends(pg_tiny) >= 1  # the driver's snapshot transaction is open
    assert _backends(pg_tiny) == 0  # driver and executor connections all closed


@pytest.fixture
def writer_db(pg_cluster: ThrowawayCluster, tiny_export: TinyExport) -> LoadedDatabase:
    db = load_into_new_database(pg_cluster, f"jdbc_{uuid.uuid4().hex[:8]}", tiny_export.out_dir)
    with db.connect() as con:
        con.execute(
            "INSERT INTO one2many.messages SELECT g, 2, NULL, 'email', 's', 'b', now() "
            "FROM generate_series(5000, 5999) g"
        )
        con.commit()
    return db


def _commit_changes(db: LoadedDatabase) -> None:
    """Another session commits INSERTs and DELETEs (messages, deliveries) and an UPDATE."""
    with db.connect() as con:
        con.execute(
            "INSERT INTO one2many.messages SELECT g, 1, NULL, 'sms', NULL, NULL, now() "
            "FROM generate_series(20000, 20049) g"
        )
        con.execute("DELETE FROM one2many.message_deliveries WHERE message_id = 303")
        con.execute("DELETE FROM one2many.messages WHERE message_id IN (303, 5000, 5500, 5999)")
        con.execute("UPDATE one2many.invoices SET amount_sek = 1.00 WHERE invoice_id = 600")
        con.commit()


def _message_ids(df: Any) -> list[int]:
    return sorted(r[0] for r in df.select("message_id").collect())


@pytest.mark.parametrize("fetch_size", [0, 7], ids=["autocommit", "cursor-fetch"])
def test_writer_committing_after_enter_is_not_seen(
    jdbc_spark: Any, writer_db: LoadedDatabase, auditor_env: None, fetch_size: int
) -> None:
    """Every executor connection joins the exported snapshot (sessionInitStatement), with
    Spark's autocommit on (fetchsize 0) and off (PostgresDialect.beforeFetch, fetchsize > 0)."""
    with writer_db.connect() as con:
        before = [r[0] for r in con.execute("SELECT message_id FROM one2many.messages ORDER BY 1")]
        deliveries = con.execute("SELECT count(*) FROM one2many.message_deliveries").fetchone()
    with _reader(jdbc_spark, writer_db.auditor_conninfo, fetch_size=fetch_size) as src:
        _commit_changes(writer_db)
        assert _message_ids(src.read("messages", ["message_id"])) == before
        parted = src.read("messages", ["message_id", "subject"], partitions=3)
        assert parted.rdd.getNumPartitions() == 3
        assert _message_ids(parted) == before
        assert (src.read("message_deliveries", ["message_id"]).count(),) == deliveries
        amount = src.read("invoices", ["invoice_id", "amount_sek"]).where("invoice_id = 600")
        assert str(amount.collect()[0]["amount_sek"]) == "1234.50"

        # the evidence per connection: each partition's query runs in repeatable read and
        # in the driver's snapshot
        opts = dict(src._options())  # the reader's own JDBC options
        probe = (
            "(SELECT g, current_setting('transaction_isolation') AS iso, "
            "current_setting('transaction_read_only') AS ro, pg_current_snapshot()::text AS s "
            "FROM generate_series(1, 8) g) AS p"
        )
        reader = jdbc_spark.read.format("jdbc").options(**opts).option("dbtable", probe)
        reader = reader.option("partitionColumn", "g").option("lowerBound", "1")
        seen = reader.option("upperBound", "9").option("numPartitions", "4").load().collect()
        assert {(r["iso"], r["ro"], r["s"]) for r in seen} == {
            ("repeatable read", "on", src.pg_snapshot)
        }

        # control: the same JDBC read without joining the snapshot sees the writer, so the
        # assertions above can fail
        del opts["sessionInitStatement"]
        plain = jdbc_spark.read.format("jdbc").options(**opts)
        plain = plain.option("dbtable", "one2many.messages").load()
        assert _message_ids(plain) != before
        assert 20000 in _message_ids(plain) and 303 not in _message_ids(plain)


def test_partitioned_read_equals_unpartitioned(
    jdbc_spark: Any, writer_db: LoadedDatabase, auditor_env: None
) -> None:
    cols = load_schema().tables["messages"].column_names
    with _reader(jdbc_spark, writer_db.auditor_conninfo) as src:
        whole = src.read("messages", cols)
        parted = src.read("messages", cols, partitions=4)
        assert whole.rdd.getNumPartitions() == 1 and parted.rdd.getNumPartitions() == 4
        assert parted.columns == whole.columns == cols
        assert sorted(parted.collect()) == sorted(whole.collect())
        assert whole.count() == 1004
        # a compound key splits on its leading integer column (message_id), same rows
        md_cols = load_schema().tables["message_deliveries"].column_names
        md_whole = src.read("message_deliveries", md_cols)
        md_parted = src.read("message_deliveries", md_cols, partitions=4)
        assert md_whole.rdd.getNumPartitions() == 1 and md_parted.rdd.getNumPartitions() == 4
        assert md_parted.columns == md_cols
        assert sorted(md_parted.collect()) == sorted(md_whole.collect())
        assert md_whole.count() > 0


@pytest.fixture(scope="module")
def partial_db(pg_cluster: ThrowawayCluster) -> str:
    """customers (granted, two columns missing, one extra), users (not granted), scratch."""
    name = "jdbc_partial"
    pg_cluster.psql(f"CREATE DATABASE {name}", dbname="postgres")
    pg_cluster.psql(f"GRANT CONNECT ON DATABASE {name} TO auditor", dbname="postgres")
    pg_cluster.psql(
        "CREATE SCHEMA one2many; CREATE TABLE one2many.customers (customer_id bigint PRIMARY "
        "KEY, org_number text, name text, legacy_code int);"
        "INSERT INTO one2many.customers VALUES (1, '556677-8899', 'A', 7), (2, NULL, 'B', NULL);"
        "CREATE TABLE one2many.users (user_id bigint); CREATE TABLE one2many.scratch (x int);"
        "GRANT USAGE ON SCHEMA one2many TO auditor; GRANT SELECT ON one2many.customers TO auditor;",
        dbname=name,
    )
    return name


def test_missing_unreadable_tables_and_missing_columns_are_issues(
    jdbc_spark: Any, pg_tiny: LoadedDatabase, partial_db: str, auditor_env: None
) -> None:
    conninfo = pg_tiny.auditor_conninfo.replace("dbname=tiny", f"dbname={partial_db}")
    schema = load_schema()
    with _reader(jdbc_spark, conninfo) as src:
        assert set(src.tables()) == {"customers"}
        issues = src.issues()
        kinds = {(i.kind, i.table_name, i.column_name) for i in issues}
        assert ("unreadable", "users", None) in kinds and ("missing_table", "users", None) in kinds
        grant = next(i.message for i in issues if i.kind == "unreadable")
        assert "GRANT SELECT ON one2many.users TO auditor" in grant
        missing = {i.table_name for i in issues if i.kind == "missing_table"}
        assert missing == set(schema.tables) - {"customers"}
        assert {c for k, t, c in kinds if k == "missing_column"} == {"country", "created_at"}
        assert ("extra_column", "customers", "legacy_code") in kinds
        assert any(i.kind == "ignored_table" and "scratch" in i.message for i in issues)
        with pytest.raises(SourceError, match="GRANT SELECT ON one2many.users"):
            src.read("users", ["user_id"])
        with pytest.raises(SourceError, match="does not exist"):
            src.read("orders", ["order_id"])
        # a missing column reads as a typed NULL
        df = src.read("customers", schema.tables["customers"].column_names)
        assert dict(df.dtypes)["created_at"] == "timestamp"
        assert sorted((r["customer_id"], r["country"], r["created_at"]) for r in df.collect()) == [
            (1, None, None),
            (2, None, None),
        ]


def test_wrong_password_is_a_source_error_without_the_password(
    jdbc_spark: Any, pg_tiny: LoadedDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", "wrong-pw-xyz")
    with pytest.raises(SourceError) as exc, _reader(jdbc_spark, pg_tiny.auditor_conninfo):
        pass
    msg = str(exc.value)
    assert "refused the password" in msg
    assert f"host=127.0.0.1 port={pg_tiny.cluster.port} dbname=tiny user=auditor" in msg
    assert "wrong-pw-xyz" not in msg and pg_tiny.cluster.auditor_password not in msg


def test_unreachable_server_and_missing_database_are_source_errors(
    jdbc_spark: Any, pg_tiny: LoadedDatabase, auditor_env: None
) -> None:
    port = free_port()  # nothing listens there
    with (
        pytest.raises(SourceError, match="cannot be reached") as exc,
        _reader(jdbc_spark, f"host=127.0.0.1 port={port} dbname=one2many user=auditor"),
    ):
        pass
    assert f"host=127.0.0.1 port={port} dbname=one2many user=auditor" in str(exc.value)
    assert exc.value.transient is True
    nodb = pg_tiny.auditor_conninfo.replace("dbname=tiny", "dbname=nosuchdb")
    with pytest.raises(SourceError, match="dbname=nosuchdb") as exc2, _reader(jdbc_spark, nodb):
        pass
    assert "does not exist" in str(exc2.value)


def test_password_is_not_in_the_plan_or_explain(
    jdbc_spark: Any, pg_tiny: LoadedDatabase, auditor_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    password = pg_tiny.cluster.auditor_password
    with _reader(jdbc_spark, pg_tiny.auditor_conninfo) as src:
        assert src._options()["password"] == password  # it is handed to Spark as an option
        df = src.read("users", ["user_id", "email"], partitions=2)
        plans = df._jdf.queryExecution().toString()
        df.explain(mode="extended")
        df.explain(mode="formatted")
        explained = capsys.readouterr().out
        assert "JDBCRelation" in plans and "one2many" in explained  # the right text
        assert password not in plans and password not in explained
        assert df.count() == 4


def test_reads_fail_closed_outside_the_with_block(
    jdbc_spark: Any, pg_tiny: LoadedDatabase, auditor_env: None
) -> None:
    reader = _reader(jdbc_spark, pg_tiny.auditor_conninfo)
    with reader as src:
        lazy = src.read("customers", ["customer_id"])
    with pytest.raises(SourceError, match="outside the reader's with block"):
        reader.read("customers", ["customer_id"])
    # the exported snapshot ended with the reader: a late action fails, never reads newer data
    with pytest.raises(Exception, match="(?i)snapshot"):
        lazy.collect()


def test_an_exception_inside_closes_the_snapshot_connection(
    jdbc_spark: Any, pg_tiny: LoadedDatabase, auditor_env: None
) -> None:
    with pytest.raises(RuntimeError, match="boom"), _reader(jdbc_spark, pg_tiny.auditor_conninfo):
        assert _backends(pg_tiny) == 1
        raise RuntimeError("boom")
    assert _backends(pg_tiny) == 0


def test_a_locked_table_ends_the_action_with_a_clear_source_error(
    jdbc_spark: Any, writer_db: LoadedDatabase, auditor_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Executors run with the DuckDB source's lock_timeout; ``read_error`` names the cause."""
    monkeypatch.setenv("AUDITLIB_PG_LOCK_TIMEOUT", "1")
    with _reader(jdbc_spark, writer_db.auditor_conninfo) as src, writer_db.connect() as locker:
        df = src.read("invoices", ["invoice_id"])
        locker.execute("LOCK TABLE one2many.invoices IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(Exception) as exc:
            df.collect()
        err = src.read_error("invoices", exc.value)
        locker.rollback()
        assert "lock_timeout (1 s" in str(err) and "one2many.invoices" in str(err)
        assert err.transient is True
        assert writer_db.cluster.auditor_password not in str(err)
        # planning a read of a locked table (Spark asks for its schema) fails the same way
        locker.execute("LOCK TABLE one2many.invoices IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(SourceError, match=r"lock_timeout \(1 s"):
            src.read("invoices", ["invoice_id"])
        locker.rollback()


def test_a_snapshot_transaction_ended_while_reading_is_refused_on_exit(
    jdbc_spark: Any, writer_db: LoadedDatabase, auditor_env: None
) -> None:
    """As PostgresSource: if the driver's transaction was ended (here on purpose, through the
    reader's own connection) and the server moved on, exit raises instead of committing."""
    from auditlib.engines.spark.jdbc import ISOLATION_SQL

    with (
        pytest.raises(SourceError, match="not all read in one database snapshot"),
        _reader(jdbc_spark, writer_db.auditor_conninfo) as src,
    ):
        src._execute("COMMIT", "test")
        _commit_changes(writer_db)
        src._execute(ISOLATION_SQL, "test")
    assert _backends(writer_db) == 0


def test_spark_jdbc_snapshot_equals_the_duckdb_postgres_snapshot(
    jdbc_spark: Any, pg_tiny: LoadedDatabase, auditor_env: None, tmp_path: Any
) -> None:
    """``auditlib snapshot --engine spark`` on the live database: the rows, the issues and the
    gates of the DuckDB snapshot of the same database (scanner vs JDBC, one snapshot each)."""
    import duckdb

    from auditlib.engines.spark.jdbc import JdbcSource
    from auditlib.engines.spark.snapshot import build_spark_snapshot
    from auditlib.quality import build_gated_snapshot

    key = b"jdbc-parity-key-0123456789abcdef"
    duck = build_gated_snapshot(pg_tiny.auditor_conninfo, tmp_path / "s.duckdb", key=key)
    info = build_spark_snapshot(
        jdbc_spark, JdbcSource(jdbc_spark, pg_tiny.auditor_conninfo), tmp_path / "spark", key=key
    )
    assert info.rows == duck.rows and sum(info.rows.values()) > 0
    assert _backends(pg_tiny) == 0  # the snapshot connection is closed
    with duckdb.connect(str(duck.path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        for t in load_schema().tables:
            want = sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
            got = sorted(
                con.execute(
                    f"SELECT * FROM read_parquet('{tmp_path}/spark/{t}/*.parquet')"
                ).fetchall(),
                key=repr,
            )
            assert got == want, t
        d_issues = sorted(
            con.execute("SELECT kind, table_name, column_name FROM _extraction_issues").fetchall(),
            key=repr,
        )
        s_issues = sorted(
            con.execute(
                f"SELECT kind, table_name, column_name FROM read_parquet('{tmp_path}/spark/extraction_issues/*.parquet')"
            ).fetchall(),
            key=repr,
        )
        meta = dict(
            con.execute(
                f"SELECT key, value FROM read_parquet('{tmp_path}/spark/snapshot_meta/*.parquet')"
            ).fetchall()
        )
    assert s_issues == d_issues
    d_gates = sorted(
        (r.gate_id, r.table_name, r.status, r.rows_affected, r.message) for r in duck.gate_rows
    )
    s_gates = sorted(
        (r.gate_id, r.table_name, r.status, r.rows_affected, r.message) for r in info.gate_rows
    )
    assert s_gates == d_gates
    assert {r[2] for r in s_gates if r[0] == "DQ-06"} == {"skipped"}  # no manifest: live
    assert pg_tiny.cluster.auditor_password not in " ".join(meta.values())
    assert '"postgres"' in meta["kind"]


def test_cli_snapshot_engine_spark_on_postgres(
    jdbc_spark: Any, pg_tiny: LoadedDatabase, auditor_env: None, tmp_path: Any
) -> None:
    """The CLI reads PostgreSQL with --engine spark; a refused password exits 2, unnamed."""
    from click.testing import CliRunner

    from auditlib.cli.snapshot import command

    out = tmp_path / "snap"
    res = CliRunner().invoke(
        command,
        ["--engine", "spark", "--source", pg_tiny.auditor_conninfo, "--out", str(out), "-q"],
    )
    assert res.exit_code == 0, res.output
    assert "written on Spark" in res.output and (out / "audit_gates").is_dir()
    bad = pg_tiny.auditor_conninfo + " password=definitely-wrong-9"
    res = CliRunner().invoke(
        command, ["--engine", "spark", "--source", bad, "--out", str(tmp_path / "x"), "-q"]
    )
    assert res.exit_code == 2 and "definitely-wrong-9" not in res.output
    assert not (tmp_path / "x").exists()
