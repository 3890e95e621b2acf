"""The vendored schema.sql is the audited system's, and the parser reads all of it."""

from pathlib import Path

import pytest

from auditlib.schema import load_schema, parse_schema, schema_sql

SHARED = Path(__file__).resolve().parents[2] / "shared" / "service-db" / "schema.sql"


def test_vendored_schema_equals_shared_copy() -> None:
    if not SHARED.exists():
        pytest.fail(f"{SHARED} not found: the repo must be checked out beside shared/")
    assert schema_sql() == SHARED.read_text(encoding="utf-8")


def test_parser_reads_all_18_tables_with_keys() -> None:
    s = load_schema()
    assert len(s.tables) == 18
    assert s.tables["subprocessor_locations"].primary_key == ("subprocessor_id", "country", "kind")
    assert s.tables["invoices"].unique == (("invoice_number",),)
    assert s.tables["login_events"].columns["user_id"].references is None
    assert s.tables["messages"].columns["sender_user_id"].references == ("users", "user_id")
    assert s.tables["dsr_requests"].columns["request_type"].check_values[-1] == "automated_decision"
    assert s.tables["dsr_requests"].columns["outcome"].not_null is False
    assert s.tables["invoices"].columns["amount_sek"].duck_type == "DECIMAL(12,2)"
    assert [c.name for c in s.tables["backups"].columns.values() if c.is_country] == [
        "storage_country"
    ]


def test_parser_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        parse_schema("CREATE TABLE t (\n    bad stuff\n);")
