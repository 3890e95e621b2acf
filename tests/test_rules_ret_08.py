"""RET-08: one website finding when any cookie consent is older than n months."""

from __future__ import annotations

from datetime import date

from auditlib.config import Params
from auditlib.rules import evaluate_rules
from rule_fixtures import ids, make_snapshot, run


def _consents(*consented: str | None, withdrawn: str | None = None) -> dict[str, list[dict[str, object]]]:
    return {"cookie_consents": [
        {"consent_id": i, "consented_at": c, "withdrawn_at": withdrawn}
        for i, c in enumerate(consented, start=1)
    ]}


def test_boundary_and_single_finding() -> None:
    # 31 Jan 2024 + 13 months = 28 Feb 2025
    con = make_snapshot(_consents("2024-01-31 10:00:00+00", "2024-06-01 10:00:00+00"))
    assert run(con, "RET-08", "2025-02-28") == []
    (f,) = run(con, "RET-08", "2025-03-01")
    assert f.entity_id == "cookie_consents"
    assert f.entity_type == "website"
    assert f.evidence == {"count": 1, "oldest": "2024-01-31"}
    (f,) = run(con, "RET-08", "2025-07-02")
    assert f.evidence == {"count": 2, "oldest": "2024-01-31"}


def test_stockholm_date_of_consent() -> None:
    # winter: 23:30 UTC on 31 Jan is 1 Feb in Stockholm -> kept until 1 Mar 2025
    con = make_snapshot(_consents("2024-01-31 23:30:00+00"))
    assert run(con, "RET-08", "2025-03-01") == []
    (f,) = run(con, "RET-08", "2025-03-02")
    assert f.evidence["oldest"] == "2024-02-01"


def test_withdrawn_consents_count_and_parameter() -> None:
    con = make_snapshot(_consents("2024-01-10 10:00:00+00", withdrawn="2024-02-01 00:00:00+00"))
    assert ids(run(con, "RET-08", "2025-03-01")) == {"cookie_consents"}
    assert run(con, "RET-08", "2025-03-01", cookie_consent_retention_months=24) == []


def test_no_consents_pass_and_null_is_an_error() -> None:
    assert run(make_snapshot(), "RET-08", "2025-03-01") == []
    con = make_snapshot(_consents("2024-01-10 10:00:00+00", None))
    (result,) = evaluate_rules(con, date(2025, 3, 1), Params(), rule_ids=["RET-08"],
                               require_gates=False)
    assert result.status == "error"
    assert "consent_id=2" in (result.error or "")
