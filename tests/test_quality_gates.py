"""DQ-01..06 on hand-built snapshots: a failing and a passing case per check (DuckDB backend).

The GX-on-pandas backend is proven equal in test_quality_parity.py; these tests use the
compiled DuckDB path so they stay fast (no Great Expectations import).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pytest

from auditlib.quality import GATE_IDS, gate_findings, gate_status, run_gates
from auditlib.rules.engine import gate_blockers
from auditlib.schema import load_schema
from test_quality_support import (
    SNAPSHOT_TIME,
    add_clean_rows,
    insert,
    issue,
    make_snapshot,
)


def gates(con: duckdb.DuckDBPyConnection, when: datetime = SNAPSHOT_TIME) -> dict:
    return {(r.gate_id, r.table_name): r for r in run_gates(con, when, backend="duckdb")}


@pytest.fixture
def clean() -> duckdb.DuckDBPyConnection:
    con = make_snapshot()
    add_clean_rows(con)
    return con


def assert_only(results: dict, failing: set[tuple[str, str]], status: str = "fail") -> None:
    bad = {k for k, r in results.items() if r.status not in ("pass", "skipped")}
    assert bad == failing, {k: results[k].message for k in bad ^ failing}
    for k in failing:
        assert results[k].status == status, results[k].message


def test_clean_snapshot_passes_every_gate_and_writes_one_row_per_gate_and_table(clean):
    res = gates(clean)
    assert_only(res, set())
    assert len(res) == len(GATE_IDS) * len(load_schema().tables) == 108
    assert all(r.status == "skipped" for (g, _), r in res.items() if g == "DQ-06")
    cols = clean.execute("DESCRIBE _audit_gates").fetchall()
    assert [(c[0], c[1]) for c in cols] == [
        ("gate_id", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("status", "VARCHAR"),
        ("rows_affected", "BIGINT"),
        ("message", "VARCHAR"),
        ("details", "JSON"),
    ]
    assert clean.execute("SELECT count(*) FROM _audit_gates").fetchone()[0] == 108
    assert gate_blockers(clean, ["users", "message_deliveries"]) == {}


# --- DQ-02 primary keys -------------------------------------------------------------------


def test_duplicate_primary_key(clean):
    insert(
        clean,
        "users",
        {"user_id": 1, "customer_id": 1, "email_hmac": "x", "created_at": "2025-01-01"},
    )
    r = gates(clean)[("DQ-02", "users")]
    assert r.status == "fail" and r.rows_affected == 2
    assert "users.user_id" in r.message and "user_id=1" in r.message
    assert "users" in gate_blockers(clean, ["users"])


def test_null_primary_key(clean):
    insert(
        clean,
        "users",
        {"user_id": None, "customer_id": 1, "email_hmac": "x", "created_at": "2025-01-01"},
    )
    res = gates(clean)
    assert_only(res, {("DQ-02", "users")})
    assert "NULL in primary-key column users.user_id" in res[("DQ-02", "users")].message


def test_compound_primary_key_duplicate_on_message_deliveries(clean):
    insert(clean, "message_deliveries", {"message_id": 1, "recipient_id": 1, "status": "sent"})
    r = gates(clean)[("DQ-02", "message_deliveries")]
    assert r.status == "fail" and r.rows_affected == 2
    assert "message_id=1, recipient_id=1" in r.message
    assert r.details["checks"][-1]["sample_ids"] == ["message_id=1, recipient_id=1"]


def test_same_message_to_other_recipient_is_not_a_duplicate(clean):
    insert(clean, "message_deliveries", {"message_id": 2, "recipient_id": 2, "status": "sent"})
    assert gates(clean)[("DQ-02", "message_deliveries")].status == "pass"


def test_unique_invoice_number_duplicate_is_a_key_violation(clean):
    insert(
        clean,
        "invoices",
        {
            "invoice_id": 2,
            "customer_id": 1,
            "invoice_number": "2025-000001",
            "fiscal_year": 2025,
            "issued_on": "2025-01-03",
        },
    )
    r = gates(clean)[("DQ-02", "invoices")]
    assert r.status == "fail" and "invoices.invoice_number" in r.message


# --- DQ-03 orphans ------------------------------------------------------------------------


def test_orphan_delivery(clean):
    insert(clean, "message_deliveries", {"message_id": 99, "recipient_id": 1, "status": "sent"})
    res = gates(clean)
    assert_only(res, {("DQ-03", "message_deliveries")})
    r = res[("DQ-03", "message_deliveries")]
    assert r.rows_affected == 1
    assert "message_deliveries.message_id" in r.message and "messages" in r.message
    assert "message_id=99, recipient_id=1" in r.message
    assert gate_blockers(clean, ["message_deliveries"]) == {}  # DQ-03 does not block


def test_null_foreign_key_is_not_an_orphan(clean):
    # orders.customer_id NULL is in the clean data; a NULL sender is allowed too
    insert(
        clean,
        "messages",
        {
            "message_id": 3,
            "customer_id": 1,
            "sender_user_id": None,
            "channel": "push",
            "created_at": "2025-01-01",
        },
    )
    res = gates(clean)
    assert res[("DQ-03", "orders")].status == "pass"
    assert res[("DQ-03", "messages")].status == "pass"


def test_order_pointing_at_missing_customer_is_an_orphan(clean):
    insert(
        clean,
        "orders",
        {"order_id": 3, "customer_id": 42, "contact_email_hmac": "x", "ordered_at": "2025-01-01"},
    )
    r = gates(clean)[("DQ-03", "orders")]
    assert r.status == "fail" and "order_id=3" in r.message and "orders.customer_id" in r.message


def test_columns_without_references_are_not_orphans(clean):
    # login_events.user_id=999 and data_transfers.subprocessor_id=77 point nowhere (clean data)
    insert(
        clean,
        "login_events",
        {"event_id": 2, "user_id": 12345, "customer_id": 777, "occurred_at": "2025-01-01"},
    )
    res = gates(clean)
    assert res[("DQ-03", "login_events")].status == "pass"
    assert res[("DQ-03", "data_transfers")].status == "pass"


def test_orphan_check_with_missing_parent_table_is_an_error_not_a_pass():
    con = make_snapshot(skip=("customers",))
    issue(con, "missing_table", "customers", message="no file for table customers")
    res = gates(con)
    assert res[("DQ-01", "customers")].status == "fail"
    assert res[("DQ-03", "users")].status == "error"
    assert "parent table customers" in res[("DQ-03", "users")].message
    for g in ("DQ-02", "DQ-03", "DQ-04", "DQ-05"):
        assert res[(g, "customers")].status == "error"


# --- DQ-04 domains ------------------------------------------------------------------------


def test_lower_case_country(clean):
    insert(clean, "customers", {"customer_id": 3, "country": "se", "created_at": "2025-01-01"})
    res = gates(clean)
    assert_only(res, {("DQ-04", "customers")})
    r = res[("DQ-04", "customers")]
    assert "customers.country" in r.message and "customer_id=3" in r.message
    assert "'se'" in r.message


def test_rows_affected_counts_distinct_rows_when_several_checks_fail(clean):
    # 'se' fails both the format and the ISO check: one row, not two
    insert(clean, "customers", {"customer_id": 3, "country": "se", "created_at": "2025-01-01"})
    # a duplicate pair and a NULL key: three rows
    insert(
        clean,
        "users",
        {"user_id": 1, "customer_id": 1, "email_hmac": "x", "created_at": "2025-01-01"},
        {"user_id": None, "customer_id": 1, "email_hmac": "y", "created_at": "2025-01-01"},
    )
    res = gates(clean)
    assert res[("DQ-04", "customers")].rows_affected == 1
    assert res[("DQ-02", "users")].rows_affected == 3
    assert res[("DQ-02", "users")].details["rows_affected_is"] == "distinct rows failing any check"


def test_upper_case_but_unassigned_country_code(clean):
    insert(
        clean,
        "backups",
        {
            "backup_id": 2,
            "taken_at": "2025-01-01",
            "storage_country": "XX",
            "expires_at": "2025-02-01",
        },
    )
    r = gates(clean)[("DQ-04", "backups")]
    assert r.status == "fail" and "ISO 3166-1" in r.message and "backup_id=2" in r.message
    checks = {c["check"]: c["unexpected"] for c in r.details["checks"]}
    assert checks["country_format"] == 0 and checks["country_iso"] == 1


def test_unknown_enum_value(clean):
    insert(
        clean,
        "dsr_requests",
        {
            "request_id": 2,
            "controller": "netdialog",
            "subject_email_hmac": "x",
            "request_type": "complaint",
            "channel": "email",
            "received_at": "2025-01-01",
            "extension_reason_present": False,
            "fee_sek": 0,
        },
    )
    res = gates(clean)
    assert_only(res, {("DQ-04", "dsr_requests")})
    msg = res[("DQ-04", "dsr_requests")].message
    assert "dsr_requests.request_type" in msg and "request_id=2" in msg and "'complaint'" in msg


def test_null_outcome_is_in_domain_but_null_in_not_null_column_is_not(clean):
    insert(
        clean,
        "dsr_requests",
        {
            "request_id": 3,
            "controller": "customer",
            "subject_email_hmac": None,
            "request_type": "erasure",
            "channel": "letter",
            "received_at": "2025-01-01",
            "extension_reason_present": False,
            "fee_sek": 0,
        },
    )
    r = gates(clean)[("DQ-04", "dsr_requests")]
    assert r.status == "fail"
    failing = [c["check_id"] for c in r.details["checks"] if c["unexpected"]]
    assert failing == ["dsr_requests.not_null.subject_email_hmac"]
    assert "hmac" not in json.dumps([c.get("values") for c in r.details["checks"]])


# --- DQ-05 time ---------------------------------------------------------------------------


def test_timestamp_after_snapshot_time(clean):
    insert(
        clean,
        "login_events",
        {"event_id": 5, "user_id": 1, "customer_id": 1, "occurred_at": "2026-01-01 00:00:01+00"},
    )
    res = gates(clean)
    assert_only(res, {("DQ-05", "login_events")})
    r = res[("DQ-05", "login_events")]
    assert "login_events.occurred_at" in r.message and "event_id=5" in r.message


def test_timestamp_equal_to_snapshot_time_and_future_expiry_pass(clean):
    insert(
        clean,
        "login_events",
        {"event_id": 5, "user_id": 1, "customer_id": 1, "occurred_at": "2026-01-01 00:00:00+00"},
    )
    res = gates(clean)  # backups.expires_at is 2030 in the clean data: planned, not impossible
    assert res[("DQ-05", "login_events")].status == "pass"
    assert res[("DQ-05", "backups")].status == "pass"


def test_snapshot_time_compares_instants_not_local_clock(clean):
    # 00:30 Stockholm on 1 Jan 2026 is 23:30 UTC on 31 Dec 2025: not after the snapshot time
    insert(
        clean,
        "login_events",
        {"event_id": 6, "user_id": 1, "customer_id": 1, "occurred_at": "2026-01-01 00:30:00+01"},
    )
    assert gates(clean)[("DQ-05", "login_events")].status == "pass"


@pytest.mark.parametrize(
    ("table", "row", "cols", "ref"),
    [
        (
            "contracts",
            {
                "contract_id": 9,
                "customer_id": 1,
                "plan": "pro",
                "signed_on": "2024-05-02",
                "ends_on": "2024-05-01",
            },
            ("contracts.ends_on", "contracts.signed_on"),
            "contract_id=9",
        ),
        (
            "dsr_requests",
            {
                "request_id": 9,
                "controller": "netdialog",
                "subject_email_hmac": "x",
                "request_type": "access",
                "channel": "chat",
                "received_at": "2025-03-02 10:00:00+00",
                "completed_at": "2025-03-02 09:59:59+00",
                "extension_reason_present": False,
                "fee_sek": 0,
            },
            ("dsr_requests.completed_at", "dsr_requests.received_at"),
            "request_id=9",
        ),
        (
            "support_tickets",
            {
                "ticket_id": 9,
                "contact_email_hmac": "x",
                "channel": "email",
                "opened_at": "2025-03-02 10:00:00+00",
                "closed_at": "2025-03-01 10:00:00+00",
            },
            ("support_tickets.closed_at", "support_tickets.opened_at"),
            "ticket_id=9",
        ),
    ],
)
def test_impossible_time_order(clean, table, row, cols, ref):
    insert(clean, table, row)
    res = gates(clean)
    assert_only(res, {("DQ-05", table)})
    msg = res[("DQ-05", table)].message
    assert all(c in msg for c in cols) and ref in msg


def test_same_day_contract_and_open_ticket_are_possible(clean):
    # the clean data has ends_on == signed_on and a ticket closed at its opening instant
    insert(
        clean,
        "support_tickets",
        {
            "ticket_id": 2,
            "contact_email_hmac": "x",
            "channel": "chat",
            "opened_at": "2025-01-01",
            "closed_at": None,
        },
    )
    assert gates(clean)[("DQ-05", "support_tickets")].status == "pass"


def test_naive_snapshot_time_is_refused(clean):
    with pytest.raises(ValueError, match="timezone-aware"):
        run_gates(clean, datetime(2026, 1, 1), backend="duckdb")


# --- DQ-01 extraction issues and schema ---------------------------------------------------


def test_missing_table_via_extraction_issues(clean):
    issue(clean, "missing_table", "legal_holds", message="no file legal_holds.* in the export")
    res = gates(clean)
    data_gates = {(g, "legal_holds") for g in ("DQ-02", "DQ-03", "DQ-04", "DQ-05")}
    assert res[("DQ-01", "legal_holds")].status == "fail"
    assert {res[k].status for k in data_gates} == {"error"}
    r = res[("DQ-01", "legal_holds")]
    assert "missing_table at legal_holds" in r.message and "Re-export" in r.message
    assert "DQ-01 fail" in gate_blockers(clean, ["legal_holds"])["legal_holds"]


def test_missing_needed_column_fails_missing_dropped_column_is_a_note(clean):
    issue(clean, "missing_column", "users", "full_name", message="column full_name missing")
    res = gates(clean)
    assert res[("DQ-01", "users")].status == "pass"
    assert res[("DQ-01", "users")].details["notes"][0]["column"] == "full_name"
    issue(clean, "missing_column", "users", "email", message="column email missing")
    res = gates(clean)
    r = res[("DQ-01", "users")]
    assert r.status == "fail" and "users.email" in r.message
    # the NOT NULL check of users.email_hmac cannot be evaluated on an all-NULL stand-in
    assert res[("DQ-04", "users")].status == "error"
    assert "users.email_hmac" in res[("DQ-04", "users")].message
    assert res[("DQ-02", "users")].status == "pass"


def test_cast_failure_counts_rows(clean):
    issue(
        clean,
        "cast_failure",
        "contracts",
        "signed_on",
        rows=3,
        row_ref="contract_id=7",
        message="'2024-02-30' is not a date",
    )
    r = gates(clean)[("DQ-01", "contracts")]
    assert r.status == "fail" and r.rows_affected == 3
    assert "contracts.signed_on" in r.message and "contract_id=7" in r.message


def test_issue_without_table_concerns_every_table(clean):
    issue(clean, "unreadable", None, message="export directory not readable")
    res = gates(clean)
    assert all(res[("DQ-01", t)].status == "fail" for t in load_schema().tables)


def test_extra_column_and_ignored_file_do_not_fail(clean):
    issue(clean, "extra_column", "users", "nickname", message="not in schema.sql")
    issue(clean, "ignored_file", None, message="notes.txt is not a table")
    assert gates(clean)[("DQ-01", "users")].status == "pass"


def test_snapshot_column_missing_or_mistyped_fails_schema_check(clean):
    clean.execute("ALTER TABLE customers DROP COLUMN country")
    clean.execute("ALTER TABLE users ALTER created_at TYPE VARCHAR")
    res = gates(clean)
    assert res[("DQ-01", "customers")].status == "fail"
    assert "country" in res[("DQ-01", "customers")].message
    assert res[("DQ-04", "customers")].status == "error"  # its checks could not run
    assert "snapshot table users" in res[("DQ-01", "users")].message
    assert (
        "created_at is VARCHAR, expected TIMESTAMP WITH TIME ZONE"
        in res[("DQ-01", "users")].message
    )


def test_no_extraction_issues_table_is_an_error_never_a_pass():
    con = make_snapshot(with_issues=False)
    res = gates(con)
    assert res[("DQ-01", "users")].status == "error"
    assert res[("DQ-06", "users")].status == "error"
    assert "_extraction_issues" in res[("DQ-01", "users")].message


def test_missing_suites_make_data_gates_error(clean, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITLIB_EXPECTATIONS_DIR", str(tmp_path))
    res = gates(clean)
    assert {res[(g, "users")].status for g in ("DQ-01", "DQ-02", "DQ-03", "DQ-04", "DQ-05")} == {
        "error"
    }
    assert "no expectation suite for table" in res[("DQ-02", "users")].message


# --- DQ-06 manifest -----------------------------------------------------------------------


def test_manifest_mismatch_via_extraction_issues():
    con = make_snapshot(manifest={"present": True, "file": "manifest.json"})
    add_clean_rows(con)
    issue(con, "manifest_rows", "users", rows=1, message="manifest says 2 rows, file has 1")
    issue(con, "manifest_sha256", "invoices", message="sha256 of invoices.csv differs")
    res = gates(con)
    assert_only(res, {("DQ-06", "users"), ("DQ-06", "invoices")})
    assert res[("DQ-06", "customers")].status == "pass"
    assert "manifest_rows at users" in res[("DQ-06", "users")].message
    assert "DQ-06 fail" in gate_blockers(con, ["invoices"])["invoices"]


@pytest.mark.parametrize(
    ("meta", "status"),
    [
        ({"manifest": None}, "skipped"),
        ({"manifest": {"present": False}}, "skipped"),
        ({"manifest": {"present": True}}, "pass"),
        ({"kind": "postgres"}, "skipped"),
        ({"kind": "export"}, "error"),
        ({}, "error"),
    ],
)
def test_manifest_state_from_snapshot_meta(meta, status):
    con = make_snapshot(with_meta=False)
    con.execute("CREATE TABLE _snapshot_meta (key VARCHAR, value JSON)")
    for k, v in meta.items():
        con.execute("INSERT INTO _snapshot_meta VALUES (?, ?)", [k, json.dumps(v)])
    assert gates(con)[("DQ-06", "users")].status == status


def test_no_manifest_issue_means_skipped():
    con = make_snapshot(with_meta=False)
    issue(con, "no_manifest", None, message="export without manifest.json")
    assert gates(con)[("DQ-06", "orders")].status == "skipped"


# --- findings and summary -----------------------------------------------------------------


def test_findings_one_per_failed_gate_and_table_with_spec_severities(clean):
    insert(
        clean,
        "users",
        {"user_id": 1, "customer_id": 5, "email_hmac": "x", "created_at": "2027-01-01"},
    )
    issue(clean, "missing_table", "backups", message="no file")
    gates(clean)
    found = {(f.rule_id, f.entity_id): f for f in gate_findings(clean)}
    assert set(found) == {
        ("DQ-01", "backups"),
        ("DQ-02", "users"),
        ("DQ-03", "users"),
        ("DQ-05", "users"),
    }
    assert found[("DQ-01", "backups")].severity == "critical"
    assert found[("DQ-02", "users")].severity == "high"
    assert found[("DQ-05", "users")].severity == "medium"
    f = found[("DQ-02", "users")]
    assert f.entity_type == "table"
    assert f.evidence["rows_affected"] == 2
    assert f.evidence["checks"][0]["sample_ids"] == ["user_id=1"]
    text = json.dumps([x.to_dict() for x in found.values()])
    assert '"x"' not in text and 'email_hmac": ' not in text  # no hashed personal data values


def test_gate_status_for_summary(clean):
    insert(clean, "customers", {"customer_id": 9, "country": "gb", "created_at": "2025-01-01"})
    issue(clean, "missing_table", "backups", message="no file")
    gates(clean)
    st = gate_status(clean)
    assert st["DQ-04"]["status"] == "error"  # an error on one table outranks a failure
    assert st["DQ-04"]["findings"] == 1  # customers
    assert st["DQ-02"]["status"] == "error"  # backups could not be evaluated
    assert "backups" in st["DQ-02"]["error"]
    assert st["DQ-06"]["status"] == "skipped"
    assert st["DQ-03"]["status"] == "error"  # backups not delivered: nothing is a pass


def test_gate_status_without_gates_is_error():
    con = duckdb.connect()
    assert {v["status"] for v in gate_status(con).values()} == {"error"}


def test_rerun_replaces_previous_results(clean):
    insert(
        clean,
        "users",
        {"user_id": 1, "customer_id": 1, "email_hmac": "x", "created_at": "2025-01-01"},
    )
    gates(clean)
    clean.execute("DELETE FROM users WHERE email_hmac = 'x'")
    gates(clean, datetime(2026, 1, 1, tzinfo=UTC))
    assert clean.execute("SELECT count(*) FROM _audit_gates WHERE status = 'fail'").fetchone() == (
        0,
    )


# --- a gate that crashes is an error, never a pass ----------------------------------------


def test_gx_crash_makes_the_gates_error(clean, monkeypatch):
    from auditlib.quality import gx_backend

    def boom(*args, **kwargs):
        raise RuntimeError("simulated GX failure")

    monkeypatch.setattr(gx_backend, "validate_table", boom)
    res = {(r.gate_id, r.table_name): r for r in run_gates(clean, SNAPSHOT_TIME, backend="gx")}
    for g in ("DQ-02", "DQ-04", "DQ-05"):
        assert res[(g, "customers")].status == "error"
        assert "simulated GX failure" in res[(g, "customers")].message
    assert res[("DQ-03", "users")].status == "pass"  # orphans run in DuckDB regardless
    assert gate_status(clean)["DQ-02"]["status"] == "error"


def test_uncompilable_expectation_makes_its_gate_error(clean, tmp_path, monkeypatch):
    from auditlib.quality.suites import expectations_dir

    for p in expectations_dir().glob("*.json"):
        (tmp_path / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    suite = json.loads((tmp_path / "users.json").read_text(encoding="utf-8"))
    suite["expectations"].append(
        {
            "type": "expect_column_values_to_be_dateutil_parseable",
            "kwargs": {"column": "user_id"},
            "meta": {"gate": "DQ-04", "check": "odd", "check_id": "users.odd.user_id"},
            "severity": "warning",
        }
    )
    (tmp_path / "users.json").write_text(json.dumps(suite), encoding="utf-8")
    monkeypatch.setenv("AUDITLIB_EXPECTATIONS_DIR", str(tmp_path))
    r = gates(clean)[("DQ-04", "users")]
    assert r.status == "error" and "has no SQL compiler" in r.message


def test_finding_evidence_passes_the_engines_personal_data_guard(clean):
    from auditlib.rules.engine import _check_evidence

    insert(
        clean,
        "recipients",
        {"recipient_id": 1, "customer_id": 1, "email_hmac": None, "created_at": "2025-01-01"},
    )
    issue(clean, "cast_failure", "users", "created_at", rows=1, row_ref="user_id=1")
    gates(clean)
    findings = gate_findings(clean)
    assert {f.rule_id for f in findings} == {"DQ-01", "DQ-02"}
    for f in findings:
        _check_evidence(f.rule_id, f.evidence)
        assert f.entity_type == "table" and f.entity_id in load_schema().tables


def test_unreadable_snapshot_table_makes_all_its_gates_error(clean, tmp_path):
    # a view over a file that is gone: counting its rows raises inside the gate
    f = tmp_path / "c.parquet"
    clean.execute(f"COPY cookie_consents TO '{f}' (FORMAT parquet)")
    clean.execute("DROP TABLE cookie_consents")
    clean.execute(f"CREATE VIEW cookie_consents AS SELECT * FROM read_parquet('{f}')")
    f.unlink()
    res = gates(clean)
    assert {res[(g, "cookie_consents")].status for g in GATE_IDS} == {"error"}
    assert "crashed on table cookie_consents" in res[("DQ-01", "cookie_consents")].message
    assert res[("DQ-02", "users")].status == "pass"
