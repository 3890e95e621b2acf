"""RET-07: a closed support ticket kept past add_months(closed date, n)."""

from __future__ import annotations

import pytest

from rule_fixtures import by_id, ids, make_snapshot, run


def _ticket(closed_at: str | None) -> dict[str, object]:
    return {"ticket_id": 1, "customer_id": None, "contact_email": "v@example.se",
            "channel": "chat", "opened_at": "2022-01-01 00:00:00+00", "closed_at": closed_at}


@pytest.mark.parametrize(
    ("closed_at", "as_of", "params", "expected"),
    [
        ("2023-01-31 10:00:00+00", "2025-01-31", {}, set()),  # D == keep_until
        ("2023-01-31 10:00:00+00", "2025-02-01", {}, {"1"}),
        # summer: 22:30 UTC on 31 May is 1 Jun in Stockholm -> keep until 1 Jun 2025
        ("2023-05-31 22:30:00+00", "2025-06-01", {}, set()),
        ("2023-05-31 22:30:00+00", "2025-06-02", {}, {"1"}),
        ("2023-05-31 21:30:00+00", "2025-06-01", {}, {"1"}),  # 23:30 on 31 May
        # winter: 22:30 UTC is 23:30 the same day; 23:30 UTC is the next day
        ("2023-01-31 22:30:00+00", "2025-02-01", {}, {"1"}),
        ("2023-01-31 23:30:00+00", "2025-02-01", {}, set()),
        # month end: closed 31 Jan 2024, 1 month later = 29 Feb 2024
        ("2024-01-31 10:00:00+00", "2024-02-29", {"support_ticket_retention_months": 1}, set()),
        ("2024-01-31 10:00:00+00", "2024-03-01", {"support_ticket_retention_months": 1}, {"1"}),
        (None, "2099-01-01", {}, set()),  # open tickets are never late
    ],
)
def test_ticket_retention(
    closed_at: str | None, as_of: str, params: dict[str, int], expected: set[str]
) -> None:
    con = make_snapshot({"support_tickets": [_ticket(closed_at)]})
    assert ids(run(con, "RET-07", as_of, **params)) == expected


def test_evidence_and_session_time_zone_does_not_matter() -> None:
    for tz in ("UTC", "America/Los_Angeles", "Asia/Tokyo"):
        con = make_snapshot({"support_tickets": [_ticket("2023-05-31 22:30:00+00")]}, timezone=tz)
        found = by_id(run(con, "RET-07", "2025-06-04"))
        assert found["1"].evidence == {
            "closed_on": "2023-06-01", "keep_until": "2025-06-01", "days_overdue": 3,
        }, tz
