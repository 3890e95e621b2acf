"""Issue 12, case 6: a table locked by another session ends the snapshot with a message
naming the table and the lock (lock_timeout), and no server-side query is left waiting,
neither after the timeout nor when the client is killed while it waits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from auditlib.quality import build_gated_snapshot as build_snapshot
from auditlib.source.base import SourceError
from auditlib.source.postgres import APPLICATION_NAME, PostgresSource
from auditlib.source.postgres.timeouts import PgTimeouts
from fixtures_pg import LoadedDatabase, TinyExport, load_into_new_database

pytestmark = pytest.mark.postgres

KEY = b"lock-timeout-test-key-0123456789"
_ACTIVITY = (
    "SELECT pid, state, wait_event_type, query FROM pg_stat_activity "
    "WHERE application_name = %s AND pid <> pg_backend_pid()"
)


@pytest.fixture(scope="module")
def pg_locked(pg_cluster, tiny_export: TinyExport) -> LoadedDatabase:
    return load_into_new_database(pg_cluster, "locked", tiny_export.out_dir)


def _auditlib_sessions(db: LoadedDatabase) -> list[tuple]:
    with db.connect() as con:
        return con.execute(_ACTIVITY, [APPLICATION_NAME]).fetchall()


def _hold_lock(db: LoadedDatabase) -> psycopg.Connection:
    holder = db.connect()
    holder.execute("LOCK TABLE one2many.customers IN ACCESS EXCLUSIVE MODE")  # tx stays open
    return holder


def test_timeouts_from_the_environment_reach_the_connection_string(monkeypatch) -> None:
    monkeypatch.setenv("AUDITLIB_PG_LOCK_TIMEOUT", "7")
    monkeypatch.setenv("AUDITLIB_PG_CONNECT_TIMEOUT", "4")
    t = PgTimeouts.from_env()
    assert (t.lock, t.connect, t.statement) == (7, 4, 300)
    conninfo = t.apply("host=db dbname=x options='-c search_path=one2many'")
    assert "connect_timeout=4" in conninfo and "lock_timeout=7000" in conninfo
    assert "statement_timeout=300000" in conninfo and "search_path=one2many" in conninfo


def test_a_locked_table_ends_the_snapshot_with_a_message(
    pg_locked: LoadedDatabase, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", pg_locked.cluster.auditor_password)
    monkeypatch.setenv("AUDITLIB_PG_LOCK_TIMEOUT", "2")
    holder = _hold_lock(pg_locked)
    try:
        with pytest.raises(SourceError) as err:
            build_snapshot(
                PostgresSource(pg_locked.auditor_conninfo), tmp_path / "s.duckdb", key=KEY
            )
        msg = str(err.value)
        assert "customers" in msg and "another session holds a lock" in msg, msg
        assert "lock_timeout (2 s" in msg
        assert _auditlib_sessions(pg_locked) == []
    finally:
        holder.close()
    assert not (tmp_path / "s.duckdb").exists()


def test_a_killed_client_leaves_no_query_waiting_on_the_server(
    pg_locked: LoadedDatabase, tmp_path: Path
) -> None:
    script = (
        "import sys\n"
        "from auditlib.quality import build_gated_snapshot as build_snapshot\n"
        "from auditlib.source.postgres import PostgresSource\n"
        "build_snapshot(PostgresSource(sys.argv[1]), sys.argv[2], key=b'x' * 32)\n"
    )
    env = {
        **os.environ,
        "PGPASSWORD": pg_locked.cluster.auditor_password,
        "AUDITLIB_PG_LOCK_TIMEOUT": "600",
        "AUDITLIB_PG_STATEMENT_TIMEOUT": "600",
    }
    holder = _hold_lock(pg_locked)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, pg_locked.auditor_conninfo, str(tmp_path / "s.duckdb")],
        env=env,
    )
    try:
        for _ in range(240):  # until its query waits for the lock
            if any(s[2] == "Lock" for s in _auditlib_sessions(pg_locked)):
                break
            assert proc.poll() is None
            time.sleep(0.5)
        assert any(s[2] == "Lock" for s in _auditlib_sessions(pg_locked))
        proc.send_signal(signal.SIGKILL)  # the run gives up: its kernel is killed
        proc.wait(timeout=30)
        for _ in range(120):  # the server notices the client is gone and cancels
            if not _auditlib_sessions(pg_locked):
                break
            time.sleep(0.5)
        assert _auditlib_sessions(pg_locked) == []
    finally:
        if proc.poll() is None:
            proc.kill()
        holder.close()
