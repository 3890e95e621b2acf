"""Issue 12, case 8: hostile exports fail closed with messages naming the file, and
never make the builder read outside the export, block, or give up on a whole table
because of a column it does not copy; manifest row counts as numeric strings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from auditlib.quality import build_gated_snapshot as build_snapshot
from test_snapshot_helpers import base_rows, write_export

KEY = b"hostile-export-test-key-0123456789"


def _issues(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT kind, table_name, message FROM _extraction_issues").fetchall()


def _gate(path: Path, gate: str, table: str) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT status FROM _audit_gates WHERE gate_id = ? AND table_name = ?", [gate, table]
        ).fetchone()[0]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("hostile")
    outside = base / "outside"
    outside.mkdir()
    secret = outside / "passwd"
    secret.write_text("subprocessor_id,country,kind\nroot-secret-line,x,y\n")
    d = base / "export"
    rows = base_rows()
    # users: a 3 MB value in full_name, a column the snapshot never copies
    rows["users"][1]["full_name"] = "N" * 3_000_000
    write_export(
        d, rows, fmt={"users": "csv", "subprocessor_locations": "csv", "legal_holds": "csv"}
    )
    manifest = json.loads((d / "manifest.json").read_text())
    # subprocessor_locations: replaced by a link to a file outside the export
    (d / "subprocessor_locations.csv").unlink()
    (d / "subprocessor_locations.csv").symlink_to(secret)
    # legal_holds: replaced by a FIFO (reading it would block forever)
    (d / "legal_holds.csv").unlink()
    os.mkfifo(d / "legal_holds.csv")
    # a stray link to a directory outside, and a link inside the export (allowed)
    (d / "notes").symlink_to(outside)
    # row counts as numeric strings (accepted) and one that is no number (named)
    for t in ("customers", "contracts", "users"):
        manifest["tables"][t]["rows"] = str(manifest["tables"][t]["rows"])
    manifest["tables"]["invoices"]["rows"] = "about 1"
    (d / "manifest.json").write_text(json.dumps(manifest))
    return d, build_snapshot(str(d), base / "s.duckdb", key=KEY).path


def test_a_symlink_out_of_the_export_is_refused_naming_the_file(hostile) -> None:
    d, snap = hostile
    msgs = [m for k, t, m in _issues(snap) if t == "subprocessor_locations"]
    assert any(
        "subprocessor_locations.csv: refused" in m and "outside the export" in m for m in msgs
    ), msgs
    assert not any("passwd" in m or "outside/" in m for _, _, m in _issues(snap))
    assert b"root-secret-line" not in snap.read_bytes()
    assert _gate(snap, "DQ-01", "subprocessor_locations") == "fail"


def test_a_fifo_is_refused_not_read(hostile) -> None:
    _, snap = hostile
    msgs = [m for k, t, m in _issues(snap) if t == "legal_holds" and k == "unreadable"]
    assert msgs and "not a regular file" in msgs[0]
    assert _gate(snap, "DQ-01", "legal_holds") == "fail"


def test_numeric_string_row_counts_are_accepted_and_others_named(hostile) -> None:
    _, snap = hostile
    rows_issues = {t: m for k, t, m in _issues(snap) if k == "manifest_rows"}
    assert set(rows_issues) == {"invoices"}, rows_issues
    assert "a string 'about 1'" in rows_issues["invoices"]
    assert _gate(snap, "DQ-06", "customers") == "pass"


def test_a_long_line_in_a_column_not_copied_keeps_the_table_readable(hostile) -> None:
    _, snap = hostile
    assert not [m for k, t, m in _issues(snap) if t == "users" and k == "unreadable"]
    with duckdb.connect(str(snap), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 2
    assert _gate(snap, "DQ-01", "users") == "pass"


def test_a_manifest_that_is_a_fifo_or_huge_is_refused(tmp_path: Path) -> None:
    from auditlib.source.base import SourceError
    from auditlib.source.export import ExportSource
    from auditlib.source.export.source import MAX_MANIFEST_BYTES

    d = write_export(tmp_path / "e", {"customers": base_rows()["customers"]})
    (d / "manifest.json").unlink()
    os.mkfifo(d / "manifest.json")
    with duckdb.connect() as con, pytest.raises(SourceError, match="not a regular file"):
        ExportSource(d).open(con)
    (d / "manifest.json").unlink()
    with open(d / "manifest.json", "wb") as f:
        f.truncate(MAX_MANIFEST_BYTES + 1)
    with duckdb.connect() as con, pytest.raises(SourceError, match="bytes"):
        ExportSource(d).open(con)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b.replace(b"\n", b"\r"),  # old Mac line ends: one huge "header"
        lambda b: b"x" * 3_000_000 + b"," + b,  # a 3 MB header field
    ],
)
def test_an_unparsable_header_is_unreadable_not_a_crash(tmp_path: Path, mangle) -> None:
    d = write_export(tmp_path / "e", base_rows(), fmt={"customers": "csv"})
    p = d / "customers.csv"
    p.write_bytes(mangle(p.read_bytes()))
    snap = build_snapshot(str(d), tmp_path / "s.duckdb", key=KEY).path
    msgs = [m for k, t, m in _issues(snap) if t == "customers" and k == "unreadable"]
    assert msgs and "header row" in msgs[0], _issues(snap)
    assert _gate(snap, "DQ-01", "customers") == "fail"
