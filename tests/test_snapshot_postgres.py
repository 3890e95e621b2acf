"""The same data gives the same snapshot, whether it arrives live or as an export."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from auditlib.quality import build_gated_snapshot
from auditlib.schema import load_schema
from auditlib.snapshot import read_meta

KEY = b"postgres-test-key-0123456789"


def _data(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    out = {}
    for t in load_schema().table_names:
        cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()]
        sel = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
        out[t] = sorted(con.execute(f"SELECT {sel} FROM {t}").fetchall(), key=str)
    con.close()
    return out


@pytest.mark.postgres
def test_live_snapshot_equals_export_snapshot(pg_tiny, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PGPASSWORD", pg_tiny.cluster.auditor_password)
    live = build_gated_snapshot(pg_tiny.auditor_conninfo, tmp_path / "live.duckdb", key=KEY)
    export = build_gated_snapshot(str(pg_tiny.export_dir), tmp_path / "export.duckdb", key=KEY)
    assert live.rows == export.rows
    assert _data(live.path) == _data(export.path)
    con = duckdb.connect(str(live.path), read_only=True)
    meta = read_meta(con)
    assert meta["kind"] == "postgres" and meta["manifest"] is None
    assert pg_tiny.cluster.auditor_password not in str(meta["source"])
    gates = dict(
        con.execute("SELECT gate_id || ' ' || table_name, status FROM _audit_gates").fetchall()
    )
    assert gates["DQ-06 users"] == "skipped"
    # nothing of the scanner's attachment or the source's tables lingers in the file
    assert (
        con.execute(
            "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'pg'"
        ).fetchone()[0]
        == 0
    )
