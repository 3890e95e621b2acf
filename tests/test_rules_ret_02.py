"""RET-02: a completed deletion run whose data is still there (spec "Retention")."""

from __future__ import annotations

from typing import Any

import pytest

from rule_fixtures import by_id, ids, make_snapshot, run

RUN_AT = "2025-03-01 10:00:00+00"


def _run(run_id: int, scope: str = "customer_offboarding", customer_id: int | None = 1,
         completed_at: str | None = RUN_AT, status: str = "completed",
         subject_email: str | None = None) -> dict[str, Any]:
    return {"run_id": run_id, "scope": scope, "customer_id": customer_id,
            "subject_email": subject_email, "requested_at": "2025-02-28 08:00:00+00",
            "completed_at": completed_at, "status": status, "rows_deleted": 10}


def _user(uid: int, created_at: str, cid: int = 1, email: str | None = None) -> dict[str, Any]:
    return {"user_id": uid, "customer_id": cid, "email": email or f"u{uid}@example.se",
            "created_at": created_at}


@pytest.mark.parametrize(
    ("created_at", "expected"),
    [
        ("2025-03-01 09:59:59+00", {"1"}),  # before completed_at
        ("2025-03-01 10:00:00+00", set()),  # at completed_at: did not exist before it
        ("2025-03-01 10:00:01+00", set()),  # after: not claimed deleted
        ("2025-03-01 10:30:00+01", {"1"}),  # 09:30 UTC: instants, not local wall time
    ],
)
def test_offboarding_rows_before_completed_at(created_at: str, expected: set[str]) -> None:
    con = make_snapshot({"deletion_runs": [_run(1)], "users": [_user(1, created_at)]})
    assert ids(run(con, "RET-02", "2025-03-10")) == expected


@pytest.mark.parametrize(
    ("completed_at", "as_of", "expected"),
    [
        ("2025-03-01 10:00:00+00", "2025-02-28", set()),  # completed after D: not yet
        ("2025-03-01 10:00:00+00", "2025-03-01", {"1"}),  # completed on D
        # 22:30 UTC on 31 Mar (summer time) is 1 Apr 00:30 in Stockholm
        ("2025-03-31 22:30:00+00", "2025-03-31", set()),
        ("2025-03-31 22:30:00+00", "2025-04-01", {"1"}),
        # winter: 22:30 UTC is 23:30 the same day; 23:30 UTC is the next day
        ("2025-01-31 22:30:00+00", "2025-01-31", {"1"}),
        ("2025-01-31 23:30:00+00", "2025-01-31", set()),
        ("2025-01-31 23:30:00+00", "2025-02-01", {"1"}),
    ],
)
def test_completed_on_or_before_d_by_stockholm_date(
    completed_at: str, as_of: str, expected: set[str]
) -> None:
    con = make_snapshot(
        {"deletion_runs": [_run(1, completed_at=completed_at)],
         "users": [_user(1, "2024-01-01 00:00:00+00")]}
    )
    assert ids(run(con, "RET-02", as_of)) == expected


def test_only_completed_runs_of_checked_scopes() -> None:
    con = make_snapshot(
        {
            "deletion_runs": [
                _run(1, status="pending"),
                _run(2, status="failed"),
                _run(3, completed_at=None),
                _run(4, scope="retention_sweep"),
                _run(5),
            ],
            "users": [_user(1, "2024-01-01 00:00:00+00")],
        }
    )
    assert ids(run(con, "RET-02", "2025-03-10")) == {"5"}


def test_offboarding_counts_every_service_table() -> None:
    before, after = "2025-02-01 00:00:00+00", "2025-03-05 00:00:00+00"
    con = make_snapshot(
        {
            "deletion_runs": [_run(1), _run(2, customer_id=2)],
            "users": [_user(1, before), _user(2, after), _user(3, before, cid=2)],
            "recipients": [
                {"recipient_id": 10, "customer_id": 1, "created_at": before},
                {"recipient_id": 11, "customer_id": 1, "created_at": after},
                {"recipient_id": 12, "customer_id": 1, "created_at": after},
                {"recipient_id": 20, "customer_id": 3, "created_at": before},
            ],
            "messages": [
                {"message_id": 100, "customer_id": 1, "channel": "email", "created_at": before},
                {"message_id": 101, "customer_id": 1, "channel": "email", "created_at": after},
                {"message_id": 300, "customer_id": 3, "channel": "email", "created_at": before},
            ],
            "message_deliveries": [
                # by the message's created_at, not the recipient's
                {"message_id": 100, "recipient_id": 11, "status": "sent"},
                {"message_id": 100, "recipient_id": 12, "status": "sent"},
                {"message_id": 101, "recipient_id": 10, "status": "sent"},  # message after
                # message of customer 3 with a recipient of customer 1: customer 3's
                {"message_id": 300, "recipient_id": 10, "status": "sent"},
                # message gone: the recipient's customer; counts when the recipient predates
                {"message_id": 999, "recipient_id": 10, "status": "sent"},
                {"message_id": 998, "recipient_id": 11, "status": "sent"},
            ],
            "login_events": [
                {"event_id": 1, "user_id": 1, "customer_id": 1, "occurred_at": before},
                {"event_id": 2, "user_id": 1, "customer_id": 1, "occurred_at": after},
            ],
        }
    )
    found = by_id(run(con, "RET-02", "2025-03-10"))
    assert set(found) == {"1", "2"}
    assert found["1"].evidence == {
        "scope": "customer_offboarding",
        "customer_id": 1,
        "completed_at": "2025-03-01T10:00:00Z",
        "completed_on": "2025-03-01",
        "rows_deleted_claimed": 10,
        "unverifiable": False,
        "rows": {"users": 1, "recipients": 1, "messages": 1, "message_deliveries": 3,
                 "login_events": 1},
        "rows_total": 7,
        "customers": 1,
    }
    assert found["2"].evidence["rows"]["users"] == 1
    assert found["2"].evidence["rows_total"] == 1


def test_offboarding_with_nothing_left_passes() -> None:
    con = make_snapshot(
        {"deletion_runs": [_run(1)], "users": [_user(1, "2024-01-01 00:00:00+00", cid=2)]}
    )
    assert run(con, "RET-02", "2025-03-10") == []


def test_subject_erasure_matches_normalised_email() -> None:
    before, after = "2025-02-01 00:00:00+00", "2025-03-05 00:00:00+00"
    con = make_snapshot(
        {
            "deletion_runs": [
                _run(1, scope="subject_erasure", customer_id=None, subject_email="Anna@Example.se"),
                _run(2, scope="subject_erasure", customer_id=None, subject_email="bo@example.se"),
                _run(3, scope="subject_erasure", customer_id=None, subject_email="cy@example.se"),
            ],
            "users": [
                _user(1, before, cid=1, email="  anna@example.SE "),
                _user(2, after, cid=1, email="bo@example.se"),  # created after: new account
            ],
            "recipients": [
                {"recipient_id": 10, "customer_id": 2, "email": "ANNA@example.se",
                 "created_at": before},
                {"recipient_id": 11, "customer_id": 2, "email": "cyril@example.se",
                 "created_at": before},
            ],
        }
    )
    found = by_id(run(con, "RET-02", "2025-03-10"))
    assert set(found) == {"1"}
    ev = found["1"].evidence
    assert ev["rows"]["users"] == 1 and ev["rows"]["recipients"] == 1
    assert ev["customers"] == 2
    assert "anna" not in found["1"].message.lower()


def test_runs_that_name_nobody_are_unverifiable_findings() -> None:
    con = make_snapshot(
        {
            "deletion_runs": [
                _run(1, customer_id=None),
                _run(2, scope="subject_erasure", customer_id=None, subject_email=None),
            ],
        }
    )
    found = by_id(run(con, "RET-02", "2025-03-10"))
    assert set(found) == {"1", "2"}
    assert all(f.evidence["unverifiable"] for f in found.values())
