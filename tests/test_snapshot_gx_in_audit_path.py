"""Audit runs validate the small tables with Great Expectations itself, the large ones in DuckDB.

The library default is DuckDB only (fastest: no 5 s GX import); the snapshot notebook and
`auditlib snapshot` ask for `auto`. This proves the GX path is really taken, not just tested.
"""

import json
from pathlib import Path
from typing import Any

import duckdb

from auditlib.quality import build_gated_snapshot


def _backends(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_name, CAST(details AS VARCHAR) FROM _audit_gates WHERE gate_id = 'DQ-04'"
        ).fetchall()
    finally:
        con.close()
    return {t: json.loads(d)["backend"] for t, d in rows if d and "backend" in json.loads(d)}


def test_auto_uses_gx_for_small_tables_and_default_never(demo_export: Any, tmp_path: Path) -> None:
    auto = build_gated_snapshot(
        str(demo_export.out_dir), tmp_path / "auto.duckdb", gates_backend="auto"
    )
    plain = build_gated_snapshot(str(demo_export.out_dir), tmp_path / "plain.duckdb")
    auto_backends, plain_backends = _backends(auto.path), _backends(plain.path)
    assert "gx" in set(auto_backends.values()), auto_backends
    assert set(plain_backends.values()) == {"duckdb"}, plain_backends
    assert auto.gates == plain.gates  # same verdicts either way
