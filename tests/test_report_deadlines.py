"""The working of each deadline, recomputed with auditlib.dates from the evidence."""

from __future__ import annotations

from auditlib.report.deadlines import working, working_text


def test_easter_example_rolls_past_easter_monday() -> None:
    f = {
        "rule_id": "DSR-01",
        "evidence": {
            "received": "2026-03-05",
            "due": "2026-04-07",
            "answered": "2026-04-08",
            "days_late": 1,
            "extension_used": False,
        },
    }
    assert working_text(f, {"count_eves_as_holidays": False}, "2026-06-30") == (
        "received 2026-03-05 → one month later 2026-04-05 (Easter Sunday) → next working day "
        "2026-04-07 (Easter Monday skipped) → answered 2026-04-08: 1 day late"
    )


def test_open_request_with_valid_extension_and_a_wrong_recorded_due() -> None:
    f = {
        "rule_id": "DSR-01",
        "evidence": {
            "received": "2026-10-31",
            "due": "2027-02-01",
            "answered": None,
            "extension_used": True,
        },
    }
    steps = working(f, {}, "2027-02-10")
    # 2026-11-30 is a Monday; +3 months = 2027-01-31, a Sunday -> Monday 2027-02-01
    assert steps[1] == "one month later 2026-11-30 (a working day)"
    assert steps[2] == "valid extension: three months later 2027-01-31 (Sunday)"
    assert steps[3] == "next working day 2027-02-01"
    assert steps[4] == "still open at the audit day 2027-02-10: 9 days overdue"
    wrong = {**f, "evidence": {**f["evidence"], "due": "2027-02-02"}}
    assert working(wrong, {}, "2027-02-10")[-1] == (
        "NOTE: the rule recorded due 2027-02-02, the working gives 2027-02-01"
    )


def test_eves_count_only_with_the_parameter() -> None:
    f = {
        "rule_id": "DSR-06",
        "evidence": {"received": "2026-05-19", "due": "2026-06-22", "extension_used": False},
    }
    # 2026-06-19 is Midsummer Eve (a Friday): a working day unless eves count
    assert working(f, {"count_eves_as_holidays": False}, "2026-06-15")[1] == (
        "one month later 2026-06-19 (a working day)"
    )
    steps = working(f, {"count_eves_as_holidays": True}, "2026-06-15")
    assert steps[1:3] == [
        "one month later 2026-06-19 (Midsummer Eve)",
        "next working day 2026-06-22 (Midsummer Day, Sunday skipped)",
    ]
    assert steps[-1] == "open at the audit day 2026-06-15: 7 days left"


def test_retention_example_with_a_lifted_hold() -> None:
    f = {
        "rule_id": "RET-01",
        "evidence": {
            "relationship_end": "2026-01-31",
            "deletion_due": "2026-06-30",
            "days_overdue": 10,
            "hold_lifted_on": "2026-05-31",
            "rows_total": 7,
        },
    }
    assert working(f, {"offboarding_grace_months": 1}, "2026-07-10") == [
        "relationship ended 2026-01-31",
        "+ 1 month grace = 2026-02-28",
        "legal hold lifted 2026-05-31 + 1 month = 2026-06-30",
        "due 2026-06-30 (a contractual date: not moved to a working day)",
        "7 row(s) still held at the audit day 2026-07-10: 10 days overdue",
    ]


def test_other_retention_rules_and_rules_without_a_deadline() -> None:
    ret05 = {"rule_id": "RET-05", "evidence": {"fiscal_year": 2018, "keep_until": "2025-12-31"}}
    assert working_text(ret05, {"accounting_retention_years": 7}, "2026-01-02") == (
        "fiscal year 2018 → + 7 years (bookkeeping law) = keep until 2025-12-31 → invoice "
        "still kept at the audit day 2026-01-02: 2 days overdue"
    )
    ret07 = {
        "rule_id": "RET-07",
        "evidence": {"closed_on": "2024-02-29", "keep_until": "2026-02-28"},
    }
    assert working(ret07, {"support_ticket_retention_months": 24}, "2026-03-01")[1] == (
        "+ 24 months = keep until 2026-02-28"
    )
    assert working({"rule_id": "SUB-01", "evidence": {"countries": ["US"]}}, {}, "2026-01-01") == []
    # evidence without the dates: nothing is guessed
    assert working({"rule_id": "DSR-01", "evidence": {"days_late": 3}}, {}, "2026-01-01") == []
