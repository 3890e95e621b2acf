"""Helpers for the quality tests: a hand-built snapshot in the layout of docs/ARCHITECTURE.md.

(No tests here; the module name keeps it in the quality area's file prefix.)
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import duckdb

from auditlib.quality.suites import snapshot_columns
from auditlib.schema import load_schema

SNAPSHOT_TIME = datetime(2026, 1, 1, tzinfo=UTC)
ISSUES_DDL = (
    "CREATE TABLE _extraction_issues (kind VARCHAR, table_name VARCHAR, "
    "column_name VARCHAR, row_ref VARCHAR, rows_affected BIGINT, message VARCHAR)"
)


def make_snapshot(
    manifest: Any = None,
    *,
    with_issues: bool = True,
    with_meta: bool = True,
    skip: tuple[str, ...] = (),
) -> duckdb.DuckDBPyConnection:
    """All 18 tables (minus ``skip``), empty, with the snapshot columns and types."""
    con = duckdb.connect()
    for t in load_schema().tables.values():
        if t.name in skip:
            continue
        cols = ", ".join(f'"{c}" {ty}' for c, ty in snapshot_columns(t).items())
        con.execute(f'CREATE TABLE "{t.name}" ({cols})')
    if with_issues:
        con.execute(ISSUES_DDL)
    if with_meta:
        con.execute("CREATE TABLE _snapshot_meta (key VARCHAR, value JSON)")
        con.execute("INSERT INTO _snapshot_meta VALUES ('manifest', ?)", [json.dumps(manifest)])
    return con


def insert(con: duckdb.DuckDBPyConnection, table: str, *rows: dict[str, Any]) -> None:
    """Insert rows given as dicts (columns not named are NULL)."""
    for row in rows:
        cols = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        con.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(row.values()))


def issue(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    table: str | None,
    column: str | None = None,
    rows: int | None = None,
    message: str = "",
    row_ref: str | None = None,
) -> None:
    con.execute(
        "INSERT INTO _extraction_issues VALUES (?, ?, ?, ?, ?, ?)",
        [kind, table, column, row_ref, rows, message],
    )


def add_clean_rows(con: duckdb.DuckDBPyConnection) -> None:
    """A small, consistent data set touching every checked column of every table."""
    ts = "2025-01-01 10:00:00+00"
    insert(
        con,
        "customers",
        {"customer_id": 1, "country": "SE", "created_at": ts},
        {"customer_id": 2, "country": "NO", "created_at": ts},
    )
    insert(
        con,
        "contracts",
        {
            "contract_id": 1,
            "customer_id": 1,
            "plan": "pro",
            "signed_on": "2024-01-01",
            "ends_on": "2024-01-01",
        },
        {"contract_id": 2, "customer_id": 2, "plan": "basic", "signed_on": "2024-01-01"},
    )
    insert(con, "users", {"user_id": 1, "customer_id": 1, "email_hmac": "ab", "created_at": ts})
    insert(
        con,
        "recipients",
        {"recipient_id": 1, "customer_id": 1, "email_hmac": "cd", "created_at": ts},
        {"recipient_id": 2, "customer_id": 1, "created_at": ts},
    )
    insert(
        con,
        "messages",
        {
            "message_id": 1,
            "customer_id": 1,
            "sender_user_id": 1,
            "channel": "email",
            "created_at": ts,
        },
        {"message_id": 2, "customer_id": 1, "channel": "sms", "created_at": ts},
    )
    insert(
        con,
        "message_deliveries",
        {"message_id": 1, "recipient_id": 1, "status": "delivered", "delivered_at": ts},
        {"message_id": 1, "recipient_id": 2, "status": "queued"},
        {"message_id": 2, "recipient_id": 1, "status": "sent", "subprocessor_id": 1},
    )
    insert(
        con, "login_events", {"event_id": 1, "user_id": 999, "customer_id": 1, "occurred_at": ts}
    )
    insert(
        con,
        "orders",
        {"order_id": 1, "customer_id": None, "contact_email_hmac": "ef", "ordered_at": ts},
        {"order_id": 2, "customer_id": 2, "contact_email_hmac": "ef", "ordered_at": ts},
    )
    insert(
        con,
        "invoices",
        {
            "invoice_id": 1,
            "customer_id": 1,
            "invoice_number": "2025-000001",
            "fiscal_year": 2025,
            "issued_on": "2025-01-02",
        },
    )
    insert(
        con,
        "support_tickets",
        {
            "ticket_id": 1,
            "customer_id": None,
            "contact_email_hmac": "gh",
            "channel": "chat",
            "opened_at": ts,
            "closed_at": ts,
        },
    )
    insert(con, "cookie_consents", {"consent_id": 1, "consented_at": ts})
    insert(
        con,
        "subprocessors",
        {
            "subprocessor_id": 1,
            "name": "Gateway AB",
            "service": "sms_gateway",
            "legal_country": "SE",
            "processes_personal_data": True,
            "engaged_on": "2020-01-01",
        },
    )
    insert(
        con,
        "subprocessor_locations",
        {"subprocessor_id": 1, "country": "SE", "kind": "storage"},
        {"subprocessor_id": 1, "country": "SE", "kind": "processing"},
    )
    insert(
        con,
        "data_transfers",
        {
            "transfer_id": 1,
            "subprocessor_id": 77,
            "occurred_at": ts,
            "destination_country": "US",
            "data_category": "billing",
            "record_count": 3,
        },
    )
    insert(
        con,
        "backups",
        {
            "backup_id": 1,
            "taken_at": ts,
            "storage_country": "FI",
            "expires_at": "2030-01-01 00:00:00+00",
        },
    )
    insert(
        con,
        "legal_holds",
        {"hold_id": 1, "customer_id": 2, "authority": "court", "placed_on": "2025-01-01"},
    )
    insert(
        con,
        "deletion_runs",
        {"run_id": 1, "scope": "subject_erasure", "requested_at": ts, "status": "pending"},
    )
    insert(
        con,
        "dsr_requests",
        {
            "request_id": 1,
            "controller": "netdialog",
            "subject_email_hmac": "ij",
            "request_type": "access",
            "channel": "email",
            "received_at": ts,
            "completed_at": ts,
            "outcome": "fulfilled",
            "extension_reason_present": False,
            "fee_sek": 0,
        },
    )
