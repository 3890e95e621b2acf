"""Tiny hand-made exports for the snapshot tests (no dependency on the demo generator).

``base_rows()`` is one small, consistent service database: every table has rows,
every reference resolves, every time is before ``EXPORTED_AT``. Tests copy it,
break one thing, and write it with ``write_export`` as Parquet, CSV or CSV.gz.
"""

from __future__ import annotations

import copy
import csv
import gzip
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import duckdb

from auditlib.schema import load_schema

EXPORTED_AT = "2025-01-01T00:00:00+00:00"
TS = "2024-03-01T10:00:00+00:00"
TS2 = "2024-03-05T12:30:00+01:00"

# Clear values that must never appear in a snapshot file.
SECRET_EMAILS = [
    "anna.svensson@example.se",
    "bo.ek@example.se",
    "carl@example.se",
    "dana@example.se",
    "billing@example.se",
    "erik@example.se",
]
SECRET_PHONES = ["+46701234567", "+46709876543"]
SECRET_IPS = ["192.0.2.17", "198.51.100.23"]
SECRET_OTHER = [
    "Body-secret-text",
    "$2b$12$passwordhashvalue",
    "Svensson",
    "visitor-abc123",
    "reason-text-secret",
    "AM-123-24",
]


def base_rows() -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {
        "customers": [
            dict(
                customer_id=1,
                org_number="556000-0001",
                name="Acme AB",
                country="SE",
                created_at="2020-01-01T00:00:00+00:00",
            )
        ],
        "contracts": [
            dict(
                contract_id=10,
                customer_id=1,
                plan="pro",
                signed_on="2020-01-01",
                ends_on=None,
                terminated_at=None,
            )
        ],
        "users": [
            dict(
                user_id=100,
                customer_id=1,
                full_name="Anna Svensson",
                email=" Anna.Svensson@Example.SE ",
                password_hash="$2b$12$passwordhashvalue",
                profile_image_url=None,
                is_admin="true",
                created_at=TS,
                last_login_at=TS2,
                deactivated_at=None,
            ),
            dict(
                user_id=101,
                customer_id=1,
                full_name="Bo Ek",
                email="bo.ek@example.se",
                password_hash="$2b$12$passwordhashvalue",
                profile_image_url=None,
                is_admin="false",
                created_at=TS,
                last_login_at=None,
                deactivated_at=None,
            ),
        ],
        "recipients": [
            dict(
                recipient_id=200,
                customer_id=1,
                full_name="Bo Ek",
                email="BO.EK@example.se",
                phone="+46701234567",
                created_at=TS,
            )
        ],
        "messages": [
            dict(
                message_id=300,
                customer_id=1,
                sender_user_id=100,
                channel="email",
                subject="Hello",
                body="Body-secret-text",
                created_at=TS,
            )
        ],
        "message_deliveries": [
            dict(
                message_id=300,
                recipient_id=200,
                subprocessor_id=400,
                status="delivered",
                delivered_at=TS2,
            )
        ],
        "login_events": [
            dict(
                event_id=500,
                user_id=100,
                customer_id=1,
                occurred_at=TS,
                ip_address="192.0.2.17",
                user_agent="Mozilla/5.0",
                success="true",
            )
        ],
        "orders": [
            dict(
                order_id=600,
                customer_id=1,
                contact_name="Carl Berg",
                contact_email="carl@example.se",
                contact_phone="+46709876543",
                company_name="Acme AB",
                ordered_at=TS,
            )
        ],
        "invoices": [
            dict(
                invoice_id=700,
                customer_id=1,
                invoice_number="2024-000001",
                fiscal_year=2024,
                issued_on="2024-01-31",
                amount_sek="100.00",
                billing_email="billing@example.se",
            )
        ],
        "support_tickets": [
            dict(
                ticket_id=800,
                customer_id=1,
                contact_name="Dana",
                contact_email="dana@example.se",
                channel="chat",
                subject="help",
                opened_at=TS,
                closed_at=TS2,
            )
        ],
        "cookie_consents": [
            dict(
                consent_id=900,
                visitor_id="visitor-abc123",
                ip_address="198.51.100.23",
                consented_at=TS,
                categories="necessary",
                withdrawn_at=None,
            )
        ],
        "subprocessors": [
            dict(
                subprocessor_id=400,
                name="MailCo AB",
                service="email_delivery",
                legal_country="SE",
                processes_personal_data="true",
                dpa_signed_on="2019-01-01",
                engaged_on="2019-01-01",
                disengaged_on=None,
                customers_notified_on="2018-11-01",
            )
        ],
        "subprocessor_locations": [dict(subprocessor_id=400, country="SE", kind="storage")],
        "data_transfers": [
            dict(
                transfer_id=1000,
                subprocessor_id=400,
                customer_id=1,
                occurred_at=TS,
                destination_country="SE",
                data_category="contact_details",
                record_count=5,
            )
        ],
        "backups": [
            dict(
                backup_id=1100,
                taken_at=TS,
                storage_subprocessor_id=400,
                storage_country="SE",
                expires_at="2024-06-01T00:00:00+00:00",
                destroyed_at="2024-06-01T01:00:00+00:00",
            )
        ],
        "legal_holds": [
            dict(
                hold_id=1200,
                customer_id=1,
                authority="Ekobrottsmyndigheten",
                reference="AM-123-24",
                placed_on="2024-01-01",
                lifted_on="2024-02-01",
            )
        ],
        "deletion_runs": [
            dict(
                run_id=1300,
                scope="subject_erasure",
                customer_id=1,
                subject_email="Erik@Example.se ",
                requested_at=TS,
                completed_at=TS2,
                status="completed",
                rows_deleted=1,
            )
        ],
        "dsr_requests": [
            dict(
                request_id=1400,
                controller="customer",
                customer_id=1,
                subject_email="erik@example.se",
                subject_user_id=None,
                request_type="erasure",
                channel="email",
                received_at=TS,
                identity_verified_at=TS,
                extended_on=None,
                extension_notified_at=None,
                extension_reason="reason-text-secret",
                completed_at=TS2,
                outcome="fulfilled",
                refusal_ground=None,
                fee_sek="0.00",
            )
        ],
    }
    return copy.deepcopy(rows)


def _csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else str(r.get(c)) for c in columns])
    return buf.getvalue()


def write_table(
    out: Path,
    name: str,
    rows: list[dict[str, Any]],
    fmt: str = "parquet",
    *,
    columns: list[str] | None = None,
    types: dict[str, str] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> Path:
    """Write one table file. Parquet columns get their schema type unless ``types`` overrides."""
    table = load_schema().tables.get(name)
    if columns is None:
        columns = list(rows[0]) if rows else list(table.columns if table else [])
    text = _csv_text(rows, columns)
    if fmt == "csv":
        p = out / f"{name}.csv"
        p.write_text(text, encoding="utf-8")
        return p
    if fmt == "csv.gz":
        p = out / f"{name}.csv.gz"
        with gzip.open(p, "wt", encoding="utf-8", newline="") as f:
            f.write(text)
        return p
    assert fmt == "parquet"
    src = out / f".{name}.tmp.csv"
    src.write_text(text, encoding="utf-8")
    types = types or {}
    spec = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)
    casts = []
    for c in columns:
        t = types.get(c) or (
            table.columns[c].duck_type if table and c in table.columns else "VARCHAR"
        )
        casts.append(f'CAST("{c}" AS {t}) AS "{c}"')
    p = out / f"{name}.parquet"
    own = con is None
    con = con or duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute(
        f"COPY (SELECT {', '.join(casts)} FROM read_csv('{src}', header=true, auto_detect=false, "
        f"columns={{{spec}}}, quote='\"', escape='\"')) TO '{p}' (FORMAT parquet)"
    )
    if own:
        con.close()
    src.unlink()
    return p


def write_export(
    out: Path,
    rows: dict[str, list[dict[str, Any]]] | None = None,
    *,
    fmt: str | dict[str, str] = "parquet",
    manifest: bool = True,
) -> Path:
    """Write every table of ``rows`` (default: ``base_rows()``) and a matching manifest."""
    out.mkdir(parents=True, exist_ok=True)
    rows = base_rows() if rows is None else rows
    entries = {}
    con = duckdb.connect()
    for name, trows in rows.items():
        f = fmt.get(name, "parquet") if isinstance(fmt, dict) else fmt
        p = write_table(out, name, trows, f, con=con)
        entries[name] = {"file": p.name, "rows": len(trows), "sha256": sha256(p)}
    con.close()
    if manifest:
        write_manifest(out, entries)
    return out


def write_manifest(out: Path, entries: dict[str, dict[str, Any]]) -> None:
    (out / "manifest.json").write_text(
        json.dumps({"exported_at": EXPORTED_AT, "schema": "one2many", "tables": entries}),
        encoding="utf-8",
    )


def sha256(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_base_rows_cover_every_column_of_the_schema() -> None:
    schema = load_schema()
    rows = base_rows()
    assert set(rows) == set(schema.tables)
    for name, table in schema.tables.items():
        for r in rows[name]:
            assert list(r) == list(table.columns), name
