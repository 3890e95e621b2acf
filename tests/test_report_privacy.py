"""What may reach a report: scrubbing of evidence, messages and source descriptions."""

from __future__ import annotations

import pytest

from auditlib.report.privacy import REDACTED, safe_description, safe_evidence, scrub_text


@pytest.mark.parametrize(
    "personal",
    [
        "anna.svensson@example.se",
        "10.20.30.40",
        "2001:db8::1",
        "fe80:0:0:0:200:f8ff:fe21:67cf",
        "+46701234567",
        "+46 70 123 45 67",
        "ab" * 32,
    ],
)
def test_personal_values_are_redacted(personal: str) -> None:
    out = scrub_text(f"request 5 from {personal} answered late")
    assert personal not in out and REDACTED in out and out.startswith("request 5 from")


@pytest.mark.parametrize(
    "harmless",
    [
        "2026-11-24T20:00:00+00:00",
        "customer 42 has 12 rows",
        "due 2026-10-01, 12 days late",
        "invoice 2025-000017 missing",
        "table message_deliveries: user_id=42",
    ],
)
def test_ids_dates_and_counts_survive(harmless: str) -> None:
    assert scrub_text(harmless) == harmless


def test_evidence_keys_that_could_name_a_person_are_dropped() -> None:
    ev = safe_evidence(
        {
            "days_overdue": 3,
            "contact_email": "x@y.se",
            "ip_address": "1.2.3.4",
            "full_name": "A B",
            "phone": "+4670",
            "subject_email_hmac": "ab",
            "user_agent": "curl",
            "counts": {"users": 2, "email": "x@y.se"},
            "notes": ["write to x@y.se"],
        }
    )
    assert ev == {"days_overdue": 3, "counts": {"users": 2}, "notes": [f"write to {REDACTED}"]}


def test_source_description_loses_secrets_keeps_fingerprints() -> None:
    desc = safe_description(
        {
            "kind": "postgres",
            "password": "hunter2",
            "api_token": "t",
            "conninfo": "host=db user=auditor password=hunter2",
            "url": "postgresql://auditor:hunter2@db/one2many",
            "fingerprint": "f" * 64,
        }
    )
    assert "password" not in desc and "api_token" not in desc
    assert "hunter2" not in repr(desc)
    assert desc["fingerprint"] == "f" * 64 and desc["kind"] == "postgres"
