"""Broken exports: each problem gets a message naming table and column (and row where
possible), and a failed gate or a refused snapshot, never a silent pass.

Two builds keep the suite fast: one export with an extraction problem in each of
several tables, one with a data-quality problem in each of several tables. The
problems are placed in different tables so each test looks at its own table only.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from auditlib.quality import build_gated_snapshot
from auditlib.source.export import ExportSource
from test_snapshot_helpers import base_rows, sha256, write_export, write_table

KEY = b"bad-input-test-key-0123456789"


def _issues(path: Path, table: str, kind: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT column_name, row_ref, rows_affected, message FROM _extraction_issues "
            "WHERE table_name = ? AND kind = ?",
            [table, kind],
        ).fetchall()
    finally:
        con.close()


def _gate(path: Path, gate: str, table: str) -> tuple[str, str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute(
            "SELECT status, message, CAST(details AS VARCHAR) FROM _audit_gates "
            "WHERE gate_id = ? AND table_name = ?",
            [gate, table],
        ).fetchone()
    finally:
        con.close()
    assert row is not None, f"no {gate} row for {table}"
    return row


# --- extraction problems ---------------------------------------------------------------
def write_extraction_export(d: Path) -> Path:
    """An export with an extraction problem in each of several tables (also read by the
    Spark parity tests: tests/test_spark_gates.py)."""
    rows = base_rows()
    # users: created_at missing, an extra column
    for r in rows["users"]:
        del r["created_at"]
        r["nickname"] = "anna"
    # support_tickets: a timestamp that is not one
    rows["support_tickets"][0]["opened_at"] = "yesterday"
    # backups: a timestamp without an offset (the time zone would be a guess)
    rows["backups"][0]["taken_at"] = "2024-03-01 10:00:00"
    write_export(
        d,
        rows,
        fmt={
            "users": "csv",
            "support_tickets": "csv",
            "orders": "csv",
            "recipients": "csv",
            "backups": "csv.gz",
        },
    )
    manifest = json.loads((d / "manifest.json").read_text())
    # legal_holds: no file at all (and not in the manifest)
    (d / "legal_holds.parquet").unlink()
    del manifest["tables"]["legal_holds"]
    # invoices: fiscal_year written as text by a careless export job
    inv = base_rows()["invoices"]
    inv[0]["fiscal_year"] = "FY2024"
    write_table(d, "invoices", inv, types={"fiscal_year": "VARCHAR"})
    manifest["tables"]["invoices"]["sha256"] = sha256(d / "invoices.parquet")
    # dsr_requests: a truncated Parquet file
    p = d / "dsr_requests.parquet"
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    manifest["tables"]["dsr_requests"]["sha256"] = sha256(p)
    # orders: broken quoting on the second data line
    (d / "orders.csv").write_text(
        "order_id,customer_id,contact_name,contact_email,contact_phone,company_name,ordered_at\n"
        "600,1,Carl Berg,carl@example.se,+46709876543,Acme AB,2024-03-01T10:00:00+00:00\n"
        '601,1,"Carl Berg,carl@example.se,+46709876543,Acme AB,2024-03-01T10:00:00+00:00\n',
        encoding="utf-8",
    )
    manifest["tables"]["orders"].update(sha256=sha256(d / "orders.csv"), rows=2)
    # recipients: Latin-1, not UTF-8
    (d / "recipients.csv").write_bytes(
        b"recipient_id,customer_id,full_name,email,phone,created_at\n"
        b"200,1,J\xf6rg Ek,bo.ek@example.se,+46701234567,2024-03-01T10:00:00+00:00\n"
    )
    manifest["tables"]["recipients"]["sha256"] = sha256(d / "recipients.csv")
    # customers: manifest row count wrong
    manifest["tables"]["customers"]["rows"] = 5
    (d / "manifest.json").write_text(json.dumps(manifest))
    # deletion_runs: a second file for the same table; a stray file beside the tables
    write_table(d, "deletion_runs", base_rows()["deletion_runs"], "csv")
    (d / "README.txt").write_text("exported by job 42")
    # subprocessors: file changed after the manifest was written (same row count)
    sp = base_rows()["subprocessors"]
    sp[0]["name"] = "MailCo Changed AB"
    write_table(d, "subprocessors", sp)
    return d


@pytest.fixture(scope="module")
def extraction(tmp_path_factory) -> Path:
    d = write_extraction_export(tmp_path_factory.mktemp("broken_export"))
    return build_gated_snapshot(str(d), tmp_path_factory.mktemp("snap") / "s.duckdb", key=KEY).path


def test_missing_table(extraction: Path) -> None:
    ((_c, _r, _n, msg),) = _issues(extraction, "legal_holds", "missing_table")
    assert "legal_holds" in msg
    assert _gate(extraction, "DQ-01", "legal_holds")[0] == "fail"
    con = duckdb.connect(str(extraction), read_only=True)
    assert con.execute("SELECT count(*) FROM legal_holds").fetchone()[0] == 0
    assert "lifted_on" in [r[0] for r in con.execute("DESCRIBE legal_holds").fetchall()]


def test_missing_column(extraction: Path) -> None:
    found = [i for i in _issues(extraction, "users", "missing_column") if i[0] == "created_at"]
    assert found and "users.created_at" in found[0][3]
    status, msg, details = _gate(extraction, "DQ-01", "users")
    assert status == "fail" and "created_at" in msg + details


def test_extra_column_is_reported_and_not_copied(extraction: Path) -> None:
    ((col, _r, _n, msg),) = _issues(extraction, "users", "extra_column")
    assert col == "nickname" and "users.nickname" in msg
    con = duckdb.connect(str(extraction), read_only=True)
    assert "nickname" not in [r[0] for r in con.execute("DESCRIBE users").fetchall()]
    assert "nickname" in "".join(_gate(extraction, "DQ-01", "users")[1:])


def test_unparseable_timestamp(extraction: Path) -> None:
    ((col, row_ref, n, msg),) = _issues(extraction, "support_tickets", "cast_failure")
    assert (col, row_ref, n) == ("opened_at", "ticket_id=800", 1)
    assert "support_tickets.opened_at" in msg and "ticket_id=800" in msg
    assert _gate(extraction, "DQ-01", "support_tickets")[0] == "fail"


def test_timestamp_without_offset_is_not_guessed(extraction: Path) -> None:
    ((col, row_ref, _n, msg),) = _issues(extraction, "backups", "cast_failure")
    assert (col, row_ref) == ("taken_at", "backup_id=1100")
    assert "ISO 8601 with offset" in msg
    assert _gate(extraction, "DQ-01", "backups")[0] == "fail"


def test_wrong_type(extraction: Path) -> None:
    ((col, row_ref, _n, msg),) = _issues(extraction, "invoices", "cast_failure")
    assert (col, row_ref) == ("fiscal_year", "invoice_id=700")
    assert "INTEGER" in msg and "VARCHAR" in msg
    assert _gate(extraction, "DQ-01", "invoices")[0] == "fail"


def test_truncated_parquet(extraction: Path) -> None:
    ((_c, _r, _n, msg),) = _issues(extraction, "dsr_requests", "unreadable")
    assert "dsr_requests.parquet" in msg and "truncated or corrupt" in msg
    assert _gate(extraction, "DQ-01", "dsr_requests")[0] == "fail"


def test_csv_with_broken_quoting(extraction: Path) -> None:
    ((_c, _r, _n, msg),) = _issues(extraction, "orders", "unreadable")
    assert "orders.csv" in msg and "line 3" in msg and "quote" in msg
    assert "Carl" not in msg and "carl@example.se" not in msg  # never quote the row
    assert _gate(extraction, "DQ-01", "orders")[0] == "fail"


def test_csv_not_utf8(extraction: Path) -> None:
    ((_c, _r, _n, msg),) = _issues(extraction, "recipients", "unreadable")
    assert "recipients.csv is not UTF-8" in msg and "byte offset 65, line 2" in msg
    assert "Ek" not in msg
    assert _gate(extraction, "DQ-01", "recipients")[0] == "fail"


def test_two_files_for_one_table(extraction: Path) -> None:
    ((_c, _r, _n, msg),) = _issues(extraction, "deletion_runs", "ambiguous")
    assert "deletion_runs.csv" in msg and "deletion_runs.parquet" in msg
    assert _issues(extraction, "deletion_runs", "missing_table")
    assert _gate(extraction, "DQ-01", "deletion_runs")[0] == "fail"
    assert _issues(extraction, "deletion_runs", "manifest_unlisted_file")


def test_unknown_file_is_listed(extraction: Path) -> None:
    con = duckdb.connect(str(extraction), read_only=True)
    msgs = [
        m
        for (m,) in con.execute(
            "SELECT message FROM _extraction_issues WHERE kind = 'ignored_file'"
        ).fetchall()
    ]
    assert any("README.txt" in m for m in msgs)


def test_manifest_hash_mismatch(extraction: Path) -> None:
    ((_c, _r, _n, msg),) = _issues(extraction, "subprocessors", "manifest_sha256")
    assert "subprocessors.parquet" in msg
    assert _gate(extraction, "DQ-06", "subprocessors")[0] == "fail"
    assert _gate(extraction, "DQ-01", "subprocessors")[0] == "pass"


def test_manifest_row_count_mismatch(extraction: Path) -> None:
    ((_c, _r, _n, msg),) = _issues(extraction, "customers", "manifest_rows")
    assert "1 rows" in msg and "says 5" in msg
    assert _gate(extraction, "DQ-06", "customers")[0] == "fail"


def test_csv_gz_not_utf8_even_in_a_dropped_column(tmp_path: Path) -> None:
    """DuckDB checks UTF-8 only in projected columns: the body is never read, yet the file
    must be refused as a whole; the offset counts in the decompressed data."""
    write_export(tmp_path, manifest=False)
    with gzip.open(tmp_path / "messages.csv.gz", "wb") as f:
        f.write(
            b"message_id,customer_id,sender_user_id,channel,subject,body,created_at\n"
            b"300,1,100,email,Hej,K\xe4ra kund,2024-03-01T10:00:00+00:00\n"
        )
    (tmp_path / "messages.parquet").unlink()
    src = ExportSource(tmp_path)
    src.open(duckdb.connect())
    ((msg),) = [i.message for i in src.issues() if i.kind == "unreadable"]
    assert "messages.csv.gz is not UTF-8" in msg and "byte offset 91, line 2" in msg
    assert "Hej" not in msg and "messages" not in src.tables()


# --- data-quality problems (gates) -------------------------------------------------------
def write_quality_export(d: Path) -> Path:
    """An export with a data-quality problem in each of several tables (see above)."""
    rows = base_rows()
    dup = dict(rows["users"][0], email="other@example.se")
    rows["users"].append(dup)  # duplicate primary key user_id=100
    rows["recipients"].append(dict(rows["recipients"][0], recipient_id=None))  # NULL PK
    rows["contracts"][0]["customer_id"] = 99  # orphan: no customer 99
    rows["support_tickets"][0].update(opened_at="2030-01-01T00:00:00+00:00", closed_at=None)
    rows["customers"][0]["country"] = "se"
    rows["messages"][0]["channel"] = "fax"
    write_export(d, rows, fmt={"recipients": "csv"})
    return d


@pytest.fixture(scope="module")
def quality(tmp_path_factory) -> Path:
    d = write_quality_export(tmp_path_factory.mktemp("dq_export"))
    return build_gated_snapshot(str(d), tmp_path_factory.mktemp("snap") / "s.duckdb", key=KEY).path


def test_duplicate_primary_key(quality: Path) -> None:
    status, msg, details = _gate(quality, "DQ-02", "users")
    assert status == "fail" and "user_id" in msg + details
    assert "100" in msg + details


def test_null_primary_key(quality: Path) -> None:
    status, msg, details = _gate(quality, "DQ-02", "recipients")
    assert status == "fail" and "recipient_id" in msg + details
    ((col, row_ref, n, _m),) = [
        i for i in _issues(quality, "recipients", "null_in_required") if i[0] == "recipient_id"
    ]
    assert (row_ref, n) == ("row 2", 1)


def test_orphan_rows(quality: Path) -> None:
    status, msg, details = _gate(quality, "DQ-03", "contracts")
    assert status == "fail" and "customer_id" in msg + details


def test_timestamp_after_snapshot_time(quality: Path) -> None:
    status, msg, details = _gate(quality, "DQ-05", "support_tickets")
    assert status == "fail" and "opened_at" in msg + details


def test_lower_case_country_code(quality: Path) -> None:
    status, msg, details = _gate(quality, "DQ-04", "customers")
    assert status == "fail" and "country" in msg + details


def test_unknown_enum_value(quality: Path) -> None:
    status, msg, details = _gate(quality, "DQ-04", "messages")
    assert status == "fail" and "channel" in msg + details


def test_clean_tables_pass_beside_broken_ones(quality: Path) -> None:
    for gate in ("DQ-01", "DQ-02", "DQ-03", "DQ-04", "DQ-05", "DQ-06"):
        assert _gate(quality, gate, "backups")[0] == "pass", gate
