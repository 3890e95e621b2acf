"""build_snapshot on a clean tiny export: layout, metadata, privacy, safe writes, CLI."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from auditlib.quality import build_gated_snapshot
from auditlib.schema import load_schema
from auditlib.snapshot import KEY_ENV, SnapshotError, build_snapshot, hmac_hex, read_meta
from auditlib.snapshot.minimisation import load_minimisation
from auditlib.snapshot.pseudonym import _padded
from auditlib.source import SourceError
from test_snapshot_helpers import (
    SECRET_EMAILS,
    SECRET_IPS,
    SECRET_OTHER,
    SECRET_PHONES,
    base_rows,
    write_export,
)

KEY = b"test-key-0123456789abcdef"
MIXED = {"users": "csv", "recipients": "csv.gz", "orders": "csv", "dsr_requests": "csv"}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return write_export(tmp_path_factory.mktemp("export"), fmt=MIXED)


@pytest.fixture(scope="module")
def built(export: Path, tmp_path_factory):
    out = tmp_path_factory.mktemp("snap") / "snap.duckdb"
    return build_gated_snapshot(str(export), out, key=KEY)


def _con(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def _data(path: Path) -> dict[str, list[tuple]]:
    """Every domain table as sorted rows of text (no TIMESTAMPTZ objects in Python)."""
    con = _con(path)
    out = {}
    for t in load_schema().table_names:
        cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()]
        sel = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
        out[t] = sorted(con.execute(f"SELECT {sel} FROM {t}").fetchall(), key=str)
    con.close()
    return out


def test_layout_matches_minimisation_plan(built) -> None:
    con = _con(built.path)
    plan = load_minimisation()
    for table, cols in plan.items():
        got = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
        want = [(cp.snapshot_name, cp.snapshot_type) for cp in cols.values() if cp.action != "drop"]
        want = [(n, "TIMESTAMP WITH TIME ZONE" if t == "TIMESTAMPTZ" else t) for n, t in want]
        assert got == want, table
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert names == set(plan) | {
        "_snapshot_meta",
        "_snapshot_tables",
        "_extraction_issues",
        "_audit_gates",
    }
    assert built.rows == {t: len(r) for t, r in base_rows().items()}


def test_values_are_cast_and_pseudonymised(built) -> None:
    con = _con(built.path)
    users = con.execute(
        "SELECT user_id, email_hmac, CAST(created_at AS VARCHAR) FROM users ORDER BY user_id"
    ).fetchall()
    assert users[0] == (100, hmac_hex(KEY, "anna.svensson@example.se"), "2024-03-01 10:00:00+00")
    # the subject's e-mail, normalised, matches across tables
    dsr = con.execute(
        "SELECT subject_email_hmac, extension_reason_present FROM dsr_requests"
    ).fetchone()
    run = con.execute("SELECT subject_email_hmac FROM deletion_runs").fetchone()
    assert dsr[0] == run[0] == hmac_hex(KEY, "erik@example.se")
    assert dsr[1] is True
    assert (
        con.execute("SELECT CAST(delivered_at AS VARCHAR) FROM message_deliveries").fetchone()[0]
        == "2024-03-05 11:30:00+00"
    )


def test_metadata_tables(built, export: Path) -> None:
    con = _con(built.path)
    meta = read_meta(con)
    assert meta["kind"] == "export" and meta["source"]["path"] == str(export.resolve())
    assert meta["snapshot_time"] == "2025-01-01T00:00:00+00:00"
    assert meta["key_source"] == "argument" and meta["key_fingerprint"] == built.key_fingerprint
    assert meta["schema_sha256"] == load_schema().sha256
    assert meta["manifest"]["present"] is True
    assert meta["packages"]["duckdb"] == duckdb.__version__
    rows = con.execute(
        "SELECT table_name, format, rows_source, rows_snapshot, input_sha256 "
        "FROM _snapshot_tables ORDER BY table_name"
    ).fetchall()
    assert len(rows) == 18
    fmts = {r[0]: r[1] for r in rows}
    assert (
        fmts["users"] == "csv" and fmts["recipients"] == "csv.gz" and fmts["backups"] == "parquet"
    )
    assert all(r[2] == r[3] and len(r[4]) == 64 for r in rows)
    assert con.execute("SELECT count(*) FROM _extraction_issues").fetchone()[0] == 0
    assert built.blocked is False


def test_file_is_private_and_hash_is_reported(built) -> None:
    import hashlib

    assert stat.S_IMODE(built.path.stat().st_mode) == 0o600
    assert built.sha256 == hashlib.sha256(built.path.read_bytes()).hexdigest()
    assert [p.name for p in built.path.parent.iterdir()] == [built.path.name]


def test_no_clear_personal_data_or_key_in_the_file(built) -> None:
    blob = built.path.read_bytes().lower()
    # positive control: a kept clear string is visible to this byte scan
    assert b"mailco ab" in blob
    for secret in SECRET_EMAILS + SECRET_PHONES + SECRET_IPS + SECRET_OTHER:
        assert secret.lower().encode() not in blob, secret
    assert KEY.lower() not in blob and KEY.hex().encode() not in blob
    ipad, opad = _padded(KEY)  # the key material of the temporary HMAC macro
    assert ipad.hex().encode() not in blob and opad.hex().encode() not in blob
    assert ipad not in built.path.read_bytes() and opad not in built.path.read_bytes()
    # and no string column holds them either (in case storage compressed them)
    con = _con(built.path)
    for t in load_schema().table_names:
        for c, typ, *_r in con.execute(f"DESCRIBE {t}").fetchall():
            if typ == "VARCHAR":
                vals = {v for (v,) in con.execute(f'SELECT DISTINCT "{c}" FROM {t}').fetchall()}
                assert not vals & set(SECRET_EMAILS + SECRET_PHONES + SECRET_IPS), (t, c)


def test_same_export_same_key_same_data(built, export: Path, tmp_path: Path) -> None:
    # the builder takes the gate run from its caller: none here (data only: faster)
    again = build_snapshot(str(export), tmp_path / "again.duckdb", gates=lambda con, t: [], key=KEY)
    assert again.key_fingerprint == built.key_fingerprint
    assert _data(again.path) == _data(built.path)


def test_failed_build_leaves_older_snapshot_untouched(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "snap.duckdb"
    out.write_bytes(b"older snapshot")

    def boom(*_a, **_k):
        raise RuntimeError("gate crashed")

    with pytest.raises(SnapshotError, match="gates could not run"):
        build_snapshot(str(export), out, gates=boom, key=KEY)
    assert out.read_bytes() == b"older snapshot"
    assert [p.name for p in tmp_path.iterdir()] == ["snap.duckdb"]


def test_interrupted_build_leaves_nothing(export: Path, tmp_path: Path) -> None:
    def interrupt(message: str, done: int, total: int) -> None:
        if message == "copying users":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_gated_snapshot(str(export), tmp_path / "snap.duckdb", key=KEY, progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_stale_build_directory_of_a_dead_process_is_removed(tmp_path: Path) -> None:
    from auditlib.snapshot.atomic import remove_stale

    stale = tmp_path / ".s.duckdb.building-999999999-abcd"
    stale.mkdir()
    (stale / "s.duckdb").write_bytes(b"half")
    mine = tmp_path / f".s.duckdb.building-{os.getpid()}-abcd"
    mine.mkdir()
    assert remove_stale(tmp_path / "s.duckdb") == [stale]
    assert not stale.exists() and mine.exists()


def test_cli_without_key_uses_random_key_and_prints_gates(
    export: Path, tmp_path: Path, monkeypatch
) -> None:
    from auditlib.cli import main

    monkeypatch.delenv(KEY_ENV, raising=False)
    out = tmp_path / "s.duckdb"
    res = CliRunner().invoke(main, ["snapshot", "--source", str(export), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert "DQ-01: 18 pass" in res.output and "key random" in res.output
    assert f"{KEY_ENV} is not set" in res.output
    con = _con(out)
    assert read_meta(con)["key_source"] == "random"
    assert con.execute("SELECT email_hmac FROM users WHERE user_id = 100").fetchone()[
        0
    ] != hmac_hex(KEY, "anna.svensson@example.se")


def test_cli_exits_2_when_a_blocking_gate_could_not_be_evaluated(
    export: Path, tmp_path: Path, monkeypatch
) -> None:
    """Deliberate change (issue 13): suites not found = every gate `error` = exit 2, not 0."""
    from auditlib.cli import main

    monkeypatch.setenv("AUDITLIB_EXPECTATIONS_DIR", str(tmp_path))  # a folder without suites
    out = tmp_path / "s.duckdb"
    res = CliRunner().invoke(
        main,
        ["snapshot", "--source", str(export), "--out", str(out), "-q", "--gates-backend", "duckdb"],
    )
    assert res.exit_code == 2, res.output
    assert "blocking gate(s) DQ-01, DQ-02 could not be evaluated" in res.output
    assert "no expectation suite for table" in res.output


def test_cli_source_error_is_one_line_exit_2(tmp_path: Path) -> None:
    from auditlib.cli import main

    res = CliRunner().invoke(
        main,
        ["snapshot", "--source", "postgresql://a:s3cret@h/db", "--out", str(tmp_path / "s.duckdb")],
    )
    assert res.exit_code == 2
    assert "error:" in res.output and "PGPASSWORD" in res.output
    assert "s3cret" not in res.output and "Traceback" not in res.output
    assert not (tmp_path / "s.duckdb").exists()


def test_refused_source_raises_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        build_gated_snapshot(str(tmp_path / "missing"), tmp_path / "s.duckdb", key=KEY)
