"""All tables of a live extract come from ONE PostgreSQL snapshot, even with a writer running.

The writer keeps an invariant across three tables in each of its transactions:
the ids of its messages (>= 10000), the message ids of their deliveries, and its
login events (event_id - 90000) are the same set. It inserts one message per
transaction (with 3 deliveries and 1 login event) and every third transaction
deletes its two oldest messages (cascading to deliveries) and their events.

Between reading the first and the later tables the test waits until the writer
has committed more transactions, so an extract that took a new snapshot per table
would see different sets; a control run without PostgresSource shows exactly that.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from auditlib.pg.cluster import ThrowawayCluster
from auditlib.source.postgres import PostgresSource, scanner_extension_path
from fixtures_pg import LoadedDatabase, TinyExport, load_into_new_database

pytestmark = pytest.mark.postgres

BODY = "x" * 600  # fat rows: the messages table spans many pages (parallel ctid scan)


@dataclass
class Writer:
    db: LoadedDatabase
    committed: int = 0
    error: BaseException | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    cond: threading.Condition = field(default_factory=threading.Condition)
    thread: threading.Thread | None = None

    def run(self) -> None:
        try:
            with self.db.connect() as con:
                k = 0
                while not self.stop.is_set():
                    k += 1
                    mid = 10000 + k
                    with con.transaction():
                        con.execute(
                            "INSERT INTO one2many.messages VALUES (%s, 1, NULL, 'email', 's', %s, now())",
                            (mid, BODY),
                        )
                        for rid in (200, 201, 203):
                            con.execute(
                                "INSERT INTO one2many.message_deliveries VALUES (%s, %s, 1, 'sent', NULL)",
                                (mid, rid),
                            )
                        con.execute(
                            "INSERT INTO one2many.login_events VALUES (%s, 100, 1, now(), '192.0.2.1', NULL, true)",
                            (mid + 90000,),
                        )
                        if k % 3 == 0:
                            con.execute(
                                "WITH old AS (SELECT message_id FROM one2many.messages "
                                "WHERE message_id >= 10000 ORDER BY message_id LIMIT 2), "
                                "gone AS (DELETE FROM one2many.messages m USING old "
                                "WHERE m.message_id = old.message_id RETURNING m.message_id) "
                                "DELETE FROM one2many.login_events e USING gone "
                                "WHERE e.event_id = gone.message_id + 90000"
                            )
                    with self.cond:
                        self.committed += 1
                        self.cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
            with self.cond:
                self.cond.notify_all()

    def wait_for_more(self, n: int) -> None:
        with self.cond:
            target = self.committed + n
            assert self.cond.wait_for(lambda: self.committed >= target or self.error, timeout=30)
        assert self.error is None, self.error


@pytest.fixture
def writer_db(pg_cluster: ThrowawayCluster, tiny_export: TinyExport) -> LoadedDatabase:
    name = f"writer_{uuid.uuid4().hex[:8]}"
    db = load_into_new_database(pg_cluster, name, tiny_export.out_dir)
    with db.connect() as con:
        con.execute(
            "INSERT INTO one2many.messages SELECT g, 2, NULL, 'email', 's', %s, now() "
            "FROM generate_series(5000, 7999) g",
            (BODY,),
        )
        con.commit()
        con.autocommit = True
        con.execute("VACUUM ANALYZE")  # relpages known -> the scanner plans a parallel ctid scan
    return db


@pytest.fixture
def writer(writer_db: LoadedDatabase) -> Iterator[Writer]:
    w = Writer(writer_db)
    w.thread = threading.Thread(target=w.run, daemon=True)
    w.thread.start()
    w.wait_for_more(3)
    yield w
    w.stop.set()
    w.thread.join(30)
    assert w.error is None, w.error


ID_SETS = {
    "messages": "SELECT list_sort(list(message_id)) FROM {rel} WHERE message_id >= 10000",
    "message_deliveries": "SELECT list_sort(list(DISTINCT message_id)) FROM {rel} WHERE message_id >= 10000",
    "deliveries_per_message": "SELECT list_sort(list(DISTINCT n)) FROM (SELECT count(*) AS n FROM {rel} "
    "WHERE message_id >= 10000 GROUP BY message_id)",
    "login_events": "SELECT list_sort(list(event_id - 90000)) FROM {rel} WHERE event_id >= 100000",
}


def _ids(con: duckdb.DuckDBPyConnection, key: str, rel: str) -> list[int]:
    row = con.execute(ID_SETS[key].format(rel=rel)).fetchone()
    return list(row[0] or []) if row else []


def _live_ids(db: LoadedDatabase) -> list[int]:
    with db.connect() as con:
        return [
            r[0]
            for r in con.execute(
                "SELECT message_id FROM one2many.messages WHERE message_id >= 10000 ORDER BY 1"
            ).fetchall()
        ]


def test_extract_reads_one_snapshot_while_a_writer_commits(
    writer_db: LoadedDatabase, writer: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", writer_db.cluster.auditor_password)
    con = duckdb.connect()
    con.execute("SET threads = 4")
    src = PostgresSource(writer_db.auditor_conninfo)
    src.open(con)
    con.execute("SET pg_pages_per_task = 4")  # many ctid ranges -> parallel connections
    tables = src.tables()
    with src.consistent_read(con):
        con.execute(
            f"CREATE TEMP TABLE m AS SELECT message_id, body FROM {tables['messages'].relation_sql}"
        )
        writer.wait_for_more(4)
        con.execute(
            f"CREATE TEMP TABLE d AS SELECT * FROM {tables['message_deliveries'].relation_sql}"
        )
        writer.wait_for_more(4)
        con.execute(f"CREATE TEMP TABLE e AS SELECT * FROM {tables['login_events'].relation_sql}")
    messages = _ids(con, "messages", "m")
    assert messages, "the writer's rows are not in the extract"
    assert _ids(con, "message_deliveries", "d") == messages
    assert _ids(con, "deliveries_per_message", "d") == [3]
    assert _ids(con, "login_events", "e") == messages
    assert con.execute(
        "SELECT count(*) FROM m WHERE message_id BETWEEN 5000 AND 7999"
    ).fetchone() == (3000,)
    # the database moved on during the extract: the check above could have failed
    assert _live_ids(writer_db) != messages
    src.close()


def test_control_without_one_snapshot_sees_the_writer(
    writer_db: LoadedDatabase, writer: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sensitivity of the test above: plain autocommit reads see a torn state."""
    monkeypatch.setenv("PGPASSWORD", writer_db.cluster.auditor_password)
    con = duckdb.connect()
    con.execute(f"LOAD '{scanner_extension_path()}'")
    con.execute(f"ATTACH '{writer_db.auditor_conninfo}' AS pg (TYPE postgres, READ_ONLY)")
    con.execute("CREATE TEMP TABLE m AS SELECT message_id FROM pg.one2many.messages")
    writer.wait_for_more(4)
    con.execute("CREATE TEMP TABLE e AS SELECT event_id FROM pg.one2many.login_events")
    assert _ids(con, "login_events", "e") != _ids(con, "messages", "m")


@pytest.mark.slow  # builds a whole snapshot, data-quality gates included
def test_build_snapshot_is_consistent_while_a_writer_commits(
    writer_db: LoadedDatabase, writer: Writer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from auditlib.quality import build_gated_snapshot

    monkeypatch.setenv("PGPASSWORD", writer_db.cluster.auditor_password)

    def progress(message: str, done: int, total: int) -> None:
        if message in ("copying message_deliveries", "copying login_events"):
            writer.wait_for_more(4)  # commits land between the builder's table reads

    out = tmp_path / "snap.duckdb"
    info = build_gated_snapshot(PostgresSource(writer_db.auditor_conninfo), out, progress=progress)
    con = duckdb.connect(str(out), read_only=True)
    messages = _ids(con, "messages", "messages")
    assert messages
    assert _ids(con, "message_deliveries", "message_deliveries") == messages
    assert _ids(con, "deliveries_per_message", "message_deliveries") == [3]
    assert _ids(con, "login_events", "login_events") == messages
    assert _live_ids(writer_db) != messages
    assert info.rows["messages"] == 4 + 3000 + len(messages)
