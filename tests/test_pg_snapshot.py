"""The live path end to end: a snapshot from PostgreSQL equals the one from the same export."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from auditlib.quality import build_gated_snapshot
from auditlib.schema import load_schema
from auditlib.source.export import ExportSource
from auditlib.source.postgres import PostgresSource
from fixtures_pg import LoadedDatabase

pytestmark = pytest.mark.postgres

KEY = b"pg-area-test-key-0123456789abcdef"


def _table_digest(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    cols = [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
    row = " || chr(31) || ".join(f"coalesce(CAST(\"{c}\" AS VARCHAR), '<NULL>')" for c in cols)
    r = con.execute(
        f"SELECT count(*), coalesce(md5(string_agg({row}, chr(30) ORDER BY {row})), '') FROM \"{table}\""
    ).fetchone()
    assert r is not None
    return int(r[0]), str(r[1])


@pytest.mark.slow  # builds a whole snapshot, data-quality gates included
def test_snapshot_from_postgres_equals_snapshot_from_export(
    pg_demo: LoadedDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGPASSWORD", pg_demo.cluster.auditor_password)
    monkeypatch.setenv("TZ", "UTC")
    live = build_gated_snapshot(
        PostgresSource(pg_demo.auditor_conninfo), tmp_path / "live.duckdb", key=KEY
    )
    export = build_gated_snapshot(
        ExportSource(pg_demo.export_dir), tmp_path / "export.duckdb", key=KEY
    )
    assert live.rows == export.rows
    assert sum(live.rows.values()) > 1000
    a = duckdb.connect(str(tmp_path / "live.duckdb"), read_only=True)
    b = duckdb.connect(str(tmp_path / "export.duckdb"), read_only=True)
    for table in load_schema().tables:
        assert _table_digest(a, table) == _table_digest(b, table), table
    meta = dict(a.execute("SELECT key, value::VARCHAR FROM _snapshot_meta").fetchall())
    assert '"postgres"' in meta["kind"]
    assert pg_demo.cluster.auditor_password not in " ".join(meta.values())
    assert "repeatable read" in meta["source"]
