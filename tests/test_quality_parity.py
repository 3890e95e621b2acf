"""Both backends give the same answer on the same (bad) data, for every expectation type used.

Great Expectations on pandas (small tables) and the DuckDB compiler (large tables) must
agree on unexpected counts and on the rows they name; otherwise a table's verdict would
depend on its size. The bad data below makes every GX-runnable expectation type of the
suites fail at least once, with the NULL edge cases each type has.
"""

from __future__ import annotations

import pytest

from auditlib.quality import sql_backend, gx_backend, run_gates
from auditlib.quality.suites import SNAPSHOT_TIME_PARAMETER, read_suite_dicts
from test_quality_support import SNAPSHOT_TIME, add_clean_rows, insert, make_snapshot

PARAMS = {SNAPSHOT_TIME_PARAMETER: SNAPSHOT_TIME}


def bad_snapshot():
    con = make_snapshot()
    add_clean_rows(con)
    # DQ-02: NULL and duplicate single keys, compound duplicates incl. a NULL part
    insert(
        con,
        "users",
        {"user_id": 1, "customer_id": 1, "email_hmac": "a", "created_at": "2025-01-01"},
        {"user_id": None, "customer_id": 1, "email_hmac": None, "created_at": "2025-01-01"},
    )
    insert(
        con,
        "message_deliveries",
        {"message_id": 1, "recipient_id": 1, "status": "sent"},
        {"message_id": 5, "recipient_id": None, "status": "sent"},
        {"message_id": 5, "recipient_id": None, "status": "sent"},
        {"message_id": None, "recipient_id": None, "status": "oops"},
    )
    insert(
        con,
        "invoices",
        {
            "invoice_id": 2,
            "customer_id": 1,
            "invoice_number": "2025-000001",
            "fiscal_year": 2025,
            "issued_on": "2025-01-01",
        },
        {
            "invoice_id": 3,
            "customer_id": 1,
            "invoice_number": None,
            "fiscal_year": 2025,
            "issued_on": "2025-01-01",
        },
    )
    # DQ-04: enum, country format and ISO, NOT NULL (NULL values are not domain failures)
    insert(
        con,
        "customers",
        {"customer_id": 3, "country": "se", "created_at": "2025-01-01"},
        {"customer_id": 4, "country": "XX", "created_at": "2025-01-01"},
        {"customer_id": 5, "country": None, "created_at": None},
        {"customer_id": 6, "country": "S", "created_at": "2025-01-01"},
    )
    insert(
        con,
        "subprocessor_locations",
        {"subprocessor_id": 1, "country": "DE", "kind": "office"},
        {"subprocessor_id": 1, "country": "DE", "kind": "office"},
    )
    insert(
        con,
        "dsr_requests",
        {
            "request_id": 7,
            "controller": "other",
            "subject_email_hmac": "x",
            "request_type": "access",
            "channel": "fax",
            "received_at": "2025-02-01 10:00:00+00",
            "completed_at": "2025-01-31 10:00:00+00",
            "outcome": None,
            "extension_reason_present": False,
            "fee_sek": 0,
        },
        {
            "request_id": 8,
            "controller": "customer",
            "subject_email_hmac": "y",
            "request_type": "erasure",
            "channel": "email",
            "received_at": "2025-02-01 10:00:00+00",
            "completed_at": None,
            "outcome": "lost",
            "extension_reason_present": True,
            "fee_sek": 0,
        },
    )
    # DQ-05: after the snapshot time (by one second; and an instant written in +01:00),
    # pair order with NULL sides and equal values
    insert(
        con,
        "login_events",
        {"event_id": 2, "user_id": 1, "customer_id": 1, "occurred_at": "2026-01-01 00:00:01+00"},
        {"event_id": 3, "user_id": 1, "customer_id": 1, "occurred_at": "2026-01-01 00:30:00+01"},
        {"event_id": 4, "user_id": 1, "customer_id": 1, "occurred_at": "2026-01-01 01:30:00+01"},
    )
    insert(
        con,
        "contracts",
        {
            "contract_id": 3,
            "customer_id": 1,
            "plan": "gold",
            "signed_on": "2024-02-02",
            "ends_on": "2024-02-01",
        },
        {
            "contract_id": 4,
            "customer_id": 1,
            "plan": "pro",
            "signed_on": None,
            "ends_on": "2024-02-01",
        },
    )
    insert(
        con,
        "support_tickets",
        {
            "ticket_id": 2,
            "contact_email_hmac": "z",
            "channel": "phone",
            "opened_at": "2025-02-02",
            "closed_at": "2025-02-01",
        },
        {
            "ticket_id": 3,
            "contact_email_hmac": "z",
            "channel": "chat",
            "opened_at": "2099-01-01",
            "closed_at": None,
        },
    )
    return con


@pytest.fixture(scope="module")
def bad():
    return bad_snapshot()


def _by_id(results):
    return {r.check_id: r for r in results}


def test_every_gx_runnable_expectation_type_is_exercised_and_both_backends_agree(bad):
    suites = read_suite_dicts()
    failing_types: set[str] = set()
    used_types: set[str] = set()
    for table, suite in suites.items():
        types = {e["type"] for e in suite["expectations"]} - gx_backend.GX_UNSUPPORTED
        types.discard("expect_table_columns_to_match_set")  # compared in the next test
        used_types |= types
        ddb = _by_id(sql_backend.run_suite(bad, table, suite, PARAMS, types))
        gx = _by_id(gx_backend.validate_table(bad, table, suite, PARAMS, types))
        assert set(ddb) == set(gx)
        for cid in ddb:
            d, g = ddb[cid], gx[cid]
            assert d.error is None and g.error is None, (cid, d.error, g.error)
            assert d.unexpected_count == g.unexpected_count, (
                cid,
                d.unexpected_count,
                g.unexpected_count,
            )
            assert set(d.samples) == set(g.samples), (cid, d.samples, g.samples)
            assert d.values == g.values, (cid, d.values, g.values)
            if d.unexpected_count:
                failing_types.add(d.expectation_type)
    assert failing_types == used_types, used_types - failing_types


def test_schema_expectation_agrees(bad):
    bad.execute("ALTER TABLE backups DROP COLUMN storage_country")
    bad.execute("ALTER TABLE backups ADD COLUMN note VARCHAR")
    suite = read_suite_dicts()["backups"]
    types = {"expect_table_columns_to_match_set"}
    (d,) = sql_backend.run_suite(bad, "backups", suite, PARAMS, types)
    (g,) = gx_backend.validate_table(bad, "backups", suite, PARAMS, types)
    assert d.unexpected_count == g.unexpected_count == 2
    assert d.extra["missing_columns"] == g.extra["missing_columns"] == ["storage_country"]
    assert d.extra["extra_columns"] == g.extra["extra_columns"] == ["note"]


@pytest.mark.slow
def test_run_gates_verdicts_do_not_depend_on_the_backend():
    per_backend = {}
    for backend in ("duckdb", "gx"):
        con = bad_snapshot()
        per_backend[backend] = {
            (r.gate_id, r.table_name): (r.status, r.rows_affected)
            for r in run_gates(con, SNAPSHOT_TIME, backend=backend)
        }
    assert per_backend["duckdb"] == per_backend["gx"]
    assert sum(s == "fail" for s, _ in per_backend["duckdb"].values()) >= 10


def test_auto_uses_gx_below_the_threshold_and_duckdb_above(bad):
    res = {
        (r.gate_id, r.table_name): r
        for r in run_gates(bad, SNAPSHOT_TIME, backend="auto", gx_row_threshold=3)
    }
    assert res[("DQ-04", "customers")].details["backend"] == "duckdb"  # 6 rows
    assert res[("DQ-04", "backups")].details["backend"] == "gx"  # 1 row
    backends = {c["backend"] for c in res[("DQ-03", "backups")].details["checks"]}
    assert backends <= {"duckdb"}  # orphans always in DuckDB
