"""DSR-01, DSR-02, DSR-06: data subject request deadlines (GDPR Art. 12(3)/(4)).

The deadline table: received -> due_1m = roll(add_months(received, 1)), with weekends,
Swedish public holidays and (only with ``count_eves_as_holidays``) the eves skipped.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from rule_fixtures import by_id, ids, make_snapshot, run


def req(rid: int, received_at: str, **kw: Any) -> dict[str, Any]:
    """An open access request unless overridden (received_at alone gives the received day)."""
    row: dict[str, Any] = {
        "request_id": rid, "controller": "netdialog", "subject_email": f"s{rid}@example.se",
        "request_type": "access", "channel": "email", "received_at": received_at,
        "fee_sek": 0,
    }
    row.update(kw)
    return row


def day(s: str) -> date:
    return date.fromisoformat(s)


DEADLINES = [
    # (received_at, count_eves_as_holidays, expected due_1m)
    ("2024-01-31 12:00:00+00", False, "2024-02-29"),  # leap year: last day of February
    ("2025-01-31 12:00:00+00", False, "2025-02-28"),
    ("2025-02-01 12:00:00+00", False, "2025-03-03"),  # 1 March is a Saturday -> Monday
    ("2025-03-18 12:00:00+00", False, "2025-04-22"),  # Good Friday .. Easter Monday
    ("2025-03-21 12:00:00+00", False, "2025-04-22"),  # Easter Monday
    ("2025-04-29 12:00:00+00", False, "2025-05-30"),  # Ascension Day
    ("2025-05-06 12:00:00+00", False, "2025-06-09"),  # National Day (a Friday)
    ("2025-05-20 12:00:00+00", False, "2025-06-20"),  # Midsummer Eve is a working day ...
    ("2025-05-20 12:00:00+00", True, "2025-06-23"),  # ... unless eves count
    ("2025-11-24 12:00:00+00", False, "2025-12-24"),  # Christmas Eve likewise
    ("2025-11-24 12:00:00+00", True, "2025-12-29"),
    ("2025-11-25 12:00:00+00", False, "2025-12-29"),  # Christmas Day, Boxing Day, weekend
    ("2029-11-29 12:00:00+00", False, "2029-12-31"),  # weekend rolls onto New Year's Eve
    ("2029-11-29 12:00:00+00", True, "2030-01-02"),  # ... and past it with eves
    ("2025-12-01 12:00:00+00", False, "2026-01-02"),  # New Year's Day
    ("2025-02-27 23:30:00+00", False, "2025-03-28"),  # 00:30 on 28 Feb in Stockholm
    ("2025-07-30 22:30:00+00", False, "2025-09-01"),  # 31 Jul in Stockholm; 31 Aug a Sunday
]


@pytest.mark.parametrize(("received_at", "eves", "due"), DEADLINES)
def test_deadline_table(received_at: str, eves: bool, due: str) -> None:
    # A session time zone far from Stockholm must not change any day.
    con = make_snapshot({"dsr_requests": [req(1, received_at)]}, timezone="America/Los_Angeles")
    due_d = day(due)
    before = due_d - timedelta(days=1)
    # the day before due: not missed, and DSR-06 shows the due day
    assert run(con, "DSR-01", before, count_eves_as_holidays=eves) == []
    (warn,) = run(con, "DSR-06", before, count_eves_as_holidays=eves)
    assert warn.evidence["due"] == due
    # D == due: still not missed
    assert run(con, "DSR-01", due_d, count_eves_as_holidays=eves) == []
    # D == due + 1: missed by one day
    (late,) = run(con, "DSR-01", due_d + timedelta(days=1), count_eves_as_holidays=eves)
    assert late.evidence["due"] == due
    assert late.evidence["days_late"] == 1
    assert late.evidence["answered"] is None


def test_dsr01_answered_on_due_is_in_time_and_a_day_later_is_late() -> None:
    # received 31 Jan 2025 -> due 28 Feb 2025
    con = make_snapshot({"dsr_requests": [
        req(1, "2025-01-31 09:00:00+00", completed_at="2025-02-28 22:59:00+00",
            outcome="fulfilled"),  # 23:59 Stockholm on due day
        req(2, "2025-01-31 09:00:00+00", completed_at="2025-02-28 23:00:00+00",
            outcome="fulfilled"),  # 00:00 on 1 March in Stockholm
        req(3, "2025-01-31 09:00:00+00", completed_at="2025-03-10 10:00:00+00",
            outcome="partially_fulfilled", identity_verified_at="2025-02-05 10:00:00+00"),
    ]})
    found = by_id(run(con, "DSR-01", "2025-06-01"))
    assert set(found) == {"2", "3"}
    assert found["3"].evidence == {
        "received": "2025-01-31", "due": "2025-02-28", "answered": "2025-03-10",
        "days_late": 10, "extension_used": False, "verification_delay_days": 5,
    }
    assert found["3"].severity == "high"


def test_dsr01_answer_after_d_counts_as_open_at_d() -> None:
    con = make_snapshot({"dsr_requests": [
        req(1, "2025-01-31 09:00:00+00", completed_at="2025-03-10 10:00:00+00",
            outcome="fulfilled"),
    ]})
    (f,) = run(con, "DSR-01", "2025-03-05")
    assert f.evidence["answered"] is None
    assert f.evidence["days_late"] == 5
    # requests received after D did not exist yet
    assert run(con, "DSR-01", "2025-01-30") == []


def test_dsr01_withdrawn_is_never_late() -> None:
    con = make_snapshot({"dsr_requests": [
        req(1, "2024-01-10 09:00:00+00", outcome="withdrawn"),
        req(2, "2024-01-10 09:00:00+00", outcome="withdrawn", completed_at="2024-12-01 10:00:00+00"),
        req(3, "2024-01-10 09:00:00+00"),
    ]})
    assert ids(run(con, "DSR-01", "2025-01-01")) == {"3"}
    assert ids(run(con, "DSR-06", "2024-02-05")) == {"3"}


def ext(notified: str | None, reason: str | None = "many requests", **kw: Any) -> dict[str, Any]:
    return {"extended_on": "2025-02-10", "extension_notified_at": notified,
            "extension_reason": reason, **kw}


def test_extension_validity_moves_the_deadline() -> None:
    # received 18 Jan 2025: due_1m = 18 Feb (Tue); with extension 18 Apr = Good Friday -> 22 Apr
    r = "2025-01-18 10:00:00+00"
    con = make_snapshot({"dsr_requests": [
        req(1, r, **ext("2025-02-18 20:00:00+00")),  # notified on due_1m (21:00 Stockholm)
        req(2, r, **ext("2025-02-18 23:30:00+00")),  # 00:30 on 19 Feb in Stockholm: late
        req(3, r, **ext("2025-02-10 10:00:00+00", reason="   ")),  # blank reason
        req(4, r, **ext("2025-02-10 10:00:00+00", reason=None)),
        req(5, r, **ext(None)),  # decided, never notified
        req(6, r, **ext("2025-02-10 10:00:00+00"), outcome="refused",
            refusal_ground="excessive", completed_at="2025-03-01 10:00:00+00"),
        req(7, r),  # no extension at all
    ]})
    late = by_id(run(con, "DSR-01", "2025-04-22"))
    assert set(late) == {"2", "3", "4", "5", "6", "7"}  # 1 is due on 22 Apr
    assert late["6"].evidence["due"] == "2025-02-18"  # refusal: Art. 12(4), one month
    assert late["6"].evidence["extension_used"] is False
    assert "Art. 12(4)" in late["6"].message
    later = by_id(run(con, "DSR-01", "2025-04-23"))
    assert set(later) == {"1", "2", "3", "4", "5", "6", "7"}
    one = later["1"]
    assert one.evidence["due"] == "2025-04-22"
    assert one.evidence["extension_used"] is True

    invalid = by_id(run(con, "DSR-02", "2025-04-22"))
    assert set(invalid) == {"2", "3", "4", "5"}
    assert invalid["2"].evidence == {
        "received": "2025-01-18", "due_1m": "2025-02-18", "extended_on": "2025-02-10",
        "extension_notified_on": "2025-02-19", "reason_given": True,
        "defects": ["notified_after_due_1m"],
    }
    assert invalid["3"].evidence["defects"] == ["no_reason"]
    assert invalid["5"].evidence["defects"] == ["not_notified"]
    assert invalid["5"].severity == "medium"


def test_dsr02_is_judged_as_recorded_at_d() -> None:
    r = "2025-01-18 10:00:00+00"  # due_1m 18 Feb 2025; every extension decided on 10 Feb
    con = make_snapshot({"dsr_requests": [
        req(1, r, **ext(None)),  # never notified, still open
        req(2, r, **ext(None), completed_at="2025-02-17 10:00:00+00", outcome="fulfilled"),
        req(3, r, **ext("2025-02-12 10:00:00+00", reason="")),  # notified without reason
        req(4, r, **ext("2025-02-20 10:00:00+00")),  # notified after due_1m
        req(5, r, **ext("2025-02-16 10:00:00+00")),  # valid, but notified only after 14 Feb
    ]})
    assert ids(run(con, "DSR-02", "2025-02-09")) == set()  # nothing recorded yet
    assert ids(run(con, "DSR-02", "2025-02-14")) == {"1", "2", "3", "4", "5"}
    assert ids(run(con, "DSR-02", "2025-02-21")) == {"1", "2", "3", "4"}


def test_dsr06_window_boundaries() -> None:
    # received 2025-01-31 -> due 2025-02-28 (Fri)
    con = make_snapshot({"dsr_requests": [
        req(1, "2025-01-31 10:00:00+00"),
        req(2, "2025-01-31 10:00:00+00", outcome="withdrawn"),
        req(3, "2025-01-31 10:00:00+00", completed_at="2025-02-20 10:00:00+00", outcome="fulfilled"),
    ]})
    assert ids(run(con, "DSR-06", "2025-02-20")) == set()  # due in 8 days
    (f,) = run(con, "DSR-06", "2025-02-21")  # due in exactly 7 days
    assert f.entity_id == "1"
    assert f.evidence == {"received": "2025-01-31", "due": "2025-02-28", "days_left": 7,
                          "extension_used": False}
    assert f.severity == "info"
    assert ids(run(con, "DSR-06", "2025-02-27")) == {"1"}  # due tomorrow
    assert ids(run(con, "DSR-06", "2025-02-28")) == set()  # due today: D < due fails
    # a wider window; 3 is answered only on 20 Feb, so it is open at 19 Feb
    assert ids(run(con, "DSR-06", "2025-02-19", dsr_due_soon_days=10)) == {"1", "3"}



def test_null_received_at_is_an_error_naming_the_request() -> None:
    from auditlib.config import Params
    from auditlib.rules import evaluate_rules

    # with an extension recorded, so that the deadline decides DSR-02 too
    con = make_snapshot({"dsr_requests": [req(42, None, extended_on="2025-01-10")]})  # type: ignore[arg-type]
    results = evaluate_rules(con, date(2025, 6, 1), Params(), ["DSR-01", "DSR-02", "DSR-06"],
                             require_gates=False)
    for res in results:
        assert res.status == "error", res.rule.id
        assert "dsr_requests.received_at is NULL for request_id=42" in (res.error or "")
