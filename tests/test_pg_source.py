"""PostgresSource against a real server: tables, types, describe, and its errors."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import psycopg
import pytest

from auditlib.pg.cluster import ThrowawayCluster, free_port
from auditlib.schema import load_schema
from auditlib.source import open_source
from auditlib.source.base import SourceError
from auditlib.source.postgres import APPLICATION_NAME, PostgresSource
from fixtures_pg import LoadedDatabase, duck_relation_checksum, pg_table_checksum

pytestmark = pytest.mark.postgres


@pytest.fixture
def auditor_env(pg_cluster: ThrowawayCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", pg_cluster.auditor_password)


def test_source_exposes_tables_with_postgres_types(
    pg_tiny: LoadedDatabase, auditor_env: None
) -> None:
    con = duckdb.connect()
    src = PostgresSource(pg_tiny.auditor_conninfo)
    before = datetime.now(UTC)
    src.open(con)
    try:
        tables = src.tables()
        schema = load_schema()
        assert set(tables) == set(schema.tables)
        for name, st in tables.items():
            assert st.format == "postgres" and st.origin == f"one2many.{name}"
            assert st.columns == {c.name: c.pg_type for c in schema.tables[name].columns.values()}
        assert src.issues() == []
        assert abs(src.snapshot_time() - before) < timedelta(seconds=30)
        assert src.snapshot_time().tzinfo is not None
        d = src.describe()
        assert d["host"] == "127.0.0.1" and d["port"] == str(pg_tiny.cluster.port)
        assert d["dbname"] == "tiny" and d["user"] == "auditor"
        assert d["server_version"].startswith("15.")
        assert pg_tiny.cluster.auditor_password not in repr(d)
        # every table reads back identical to what PostgreSQL holds
        with pg_tiny.connect() as pg:
            for name, st in tables.items():
                assert duck_relation_checksum(con, name, st.relation_sql) == pg_table_checksum(
                    pg, name
                )
    finally:
        src.close()


def test_missing_and_unreadable_tables_are_absent(
    pg_cluster: ThrowawayCluster, pg_tiny: LoadedDatabase, auditor_env: None
) -> None:
    pg_cluster.psql("CREATE DATABASE partial", dbname="postgres")
    pg_cluster.psql("GRANT CONNECT ON DATABASE partial TO auditor", dbname="postgres")
    pg_cluster.psql(
        "CREATE SCHEMA one2many; CREATE TABLE one2many.customers (customer_id bigint PRIMARY KEY);"
        "CREATE TABLE one2many.users (user_id bigint); CREATE TABLE one2many.scratch (x int);"
        "GRANT USAGE ON SCHEMA one2many TO auditor; GRANT SELECT ON one2many.customers TO auditor;",
        dbname="partial",
    )
    src = PostgresSource(pg_tiny.auditor_conninfo.replace("dbname=tiny", "dbname=partial"))
    src.open(duckdb.connect())
    try:
        assert set(src.tables()) == {"customers"}
        kinds = {(i.kind, i.table_name) for i in src.issues()}
        assert ("unreadable", "users") in kinds
        assert ("ignored_table", None) in kinds
        msg = next(i.message for i in src.issues() if i.kind == "unreadable")
        assert "GRANT SELECT ON one2many.users TO auditor" in msg
    finally:
        src.close()


def test_open_source_dispatches_conninfo(pg_tiny: LoadedDatabase) -> None:
    assert isinstance(open_source(pg_tiny.auditor_conninfo), PostgresSource)
    url = f"postgresql://auditor@127.0.0.1:{pg_tiny.cluster.port}/tiny"
    assert isinstance(open_source(url), PostgresSource)


@pytest.mark.parametrize(
    "spec",
    [
        "postgresql://auditor:hunter2-secret@127.0.0.1:5432/tiny",
        "host=127.0.0.1 user=auditor dbname=tiny password=hunter2-secret",
    ],
)
def test_password_in_url_is_refused(spec: str) -> None:
    with pytest.raises(SourceError) as exc:
        PostgresSource(spec)
    assert "hunter2-secret" not in str(exc.value)
    assert "PGPASSWORD" in str(exc.value)


def test_unreachable_server_is_a_clear_transient_error(auditor_env: None) -> None:
    port = free_port()  # nothing listens there
    src = PostgresSource(f"host=127.0.0.1 port={port} dbname=one2many user=auditor")
    with pytest.raises(SourceError) as exc:
        src.open(duckdb.connect())
    msg = str(exc.value)
    assert f"host=127.0.0.1 port={port} dbname=one2many user=auditor" in msg
    assert "cannot be reached" in msg and "Check host and port" in msg
    assert exc.value.transient is True


def test_wrong_password_is_a_clear_error_without_the_password(
    pg_tiny: LoadedDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", "wrong-pw-xyz")
    with pytest.raises(SourceError) as exc:
        PostgresSource(pg_tiny.auditor_conninfo).open(duckdb.connect())
    msg = str(exc.value)
    assert "refused the password" in msg and "PGPASSWORD" in msg and "~/.pgpass" in msg
    assert f"port={pg_tiny.cluster.port} dbname=tiny user=auditor" in msg
    assert "wrong-pw-xyz" not in msg and pg_tiny.cluster.auditor_password not in msg
    assert exc.value.transient is False


def _terminate_reader(pg: psycopg.Connection, *, only_waiting: bool) -> int:
    cond = "AND wait_event_type = 'Lock'" if only_waiting else ""
    row = pg.execute(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE application_name = %s {cond}",
        (APPLICATION_NAME,),
    ).fetchone()
    return int(row[0]) if row else 0


def test_connection_dropped_mid_read_is_a_source_error(
    pg_tiny: LoadedDatabase, auditor_env: None
) -> None:
    """The reader's backend is killed while its COPY waits (behind a lock we hold) for a table."""
    con = duckdb.connect()
    src = PostgresSource(pg_tiny.auditor_conninfo)
    src.open(con)
    st = src.tables()["messages"]
    locker = pg_tiny.connect()
    locker.execute("BEGIN")
    locker.execute("LOCK TABLE one2many.messages IN ACCESS EXCLUSIVE MODE")
    errors: list[BaseException] = []

    def read() -> None:
        try:
            with src.consistent_read(con):
                con.execute(f"CREATE TEMP TABLE m AS SELECT * FROM {st.relation_sql}")
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with pg_tiny.connect() as admin:
            admin.autocommit = True
            deadline = time.monotonic() + 20
            while _terminate_reader(admin, only_waiting=True) == 0:
                assert time.monotonic() < deadline, "the reader never blocked on the lock"
                time.sleep(0.05)
    finally:
        locker.rollback()
        locker.close()
        reader.join(30)
    assert len(errors) == 1
    err = errors[0]
    assert isinstance(err, SourceError), repr(err)
    msg = str(err)
    assert "connection was lost" in msg and f"port={pg_tiny.cluster.port} dbname=tiny" in msg
    assert "retry" in msg and err.transient
    src.close()  # idempotent after the failure


def test_connection_dropped_between_tables_is_a_source_error(
    pg_tiny: LoadedDatabase, auditor_env: None
) -> None:
    con = duckdb.connect()
    src = PostgresSource(pg_tiny.auditor_conninfo)
    src.open(con)
    with pg_tiny.connect() as admin:
        admin.autocommit = True
        assert _terminate_reader(admin, only_waiting=False) >= 1
    with pytest.raises(SourceError, match="connection was lost") as exc, src.consistent_read(con):
        con.execute(f"SELECT count(*) FROM {src.tables()['users'].relation_sql}").fetchall()
    assert pg_tiny.cluster.auditor_password not in str(exc.value)


def test_build_snapshot_turns_a_dropped_connection_into_source_error(
    pg_tiny: LoadedDatabase, auditor_env: None, tmp_path: Path
) -> None:
    from auditlib.quality import build_gated_snapshot

    locker = pg_tiny.connect()
    locker.execute("BEGIN")
    locker.execute("LOCK TABLE one2many.contracts IN ACCESS EXCLUSIVE MODE")
    errors: list[BaseException] = []

    def build() -> None:
        try:
            build_gated_snapshot(PostgresSource(pg_tiny.auditor_conninfo), tmp_path / "s.duckdb")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    t = threading.Thread(target=build)
    t.start()
    try:
        with pg_tiny.connect() as admin:
            admin.autocommit = True
            deadline = time.monotonic() + 30
            while _terminate_reader(admin, only_waiting=True) == 0:
                assert time.monotonic() < deadline, "the builder never blocked on the lock"
                time.sleep(0.05)
    finally:
        locker.rollback()
        locker.close()
        t.join(60)
    assert len(errors) == 1 and isinstance(errors[0], SourceError), repr(errors)
    assert "one2many.contracts" in str(errors[0]) and "connection was lost" in str(errors[0])
    assert not (tmp_path / "s.duckdb").exists()
