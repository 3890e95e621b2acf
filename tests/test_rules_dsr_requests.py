"""DSR-03 (fees), DSR-04 (erasure not carried out), DSR-05 (refusal without a ground)."""

from __future__ import annotations

from datetime import date
from typing import Any

from auditlib.config import Params
from auditlib.rules import evaluate_rules
from rule_fixtures import by_id, ids, make_snapshot, run


def req(rid: int, received_at: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "request_id": rid, "controller": "netdialog", "subject_email": "anna@example.se",
        "request_type": "access", "channel": "email", "received_at": received_at,
        "fee_sek": 0,
    }
    row.update(kw)
    return row


# ---------------------------------------------------------------- DSR-03 fees


def test_dsr03_fee_only_for_a_repeated_access_request_within_twelve_months() -> None:
    con = make_snapshot({"dsr_requests": [
        # subject anna: free request on 2024-03-15, then charged ones
        req(1, "2024-03-15 09:00:00+00"),
        # same subject; window starts on the day 2024-03-15, so 1 is inside although it came
        # at an earlier time of day than exactly twelve months before
        req(2, "2025-03-15 10:00:00+00", fee_sek=100, subject_email=" Anna@Example.SE "),
        # subject bo: earlier request one day outside the window
        req(3, "2024-03-14 10:00:00+00", subject_email="bo@example.se"),
        req(4, "2025-03-15 10:00:00+00", subject_email="bo@example.se", fee_sek=100),
        # subject cy: the earlier request is in the window, but it is an erasure request
        req(5, "2025-01-01 10:00:00+00", subject_email="cy@example.se", request_type="erasure"),
        req(6, "2025-02-01 10:00:00+00", subject_email="cy@example.se", fee_sek=50),
        # any other type with a fee
        req(7, "2025-02-01 10:00:00+00", subject_email="dan@example.se",
            request_type="portability", fee_sek=10),
        # two access requests at the same instant: neither is earlier
        req(8, "2025-02-01 10:00:00+00", subject_email="eva@example.se", fee_sek=10),
        req(9, "2025-02-01 10:00:00+00", subject_email="eva@example.se", fee_sek=10),
        # a fee on a first request of another subject with an earlier request of anna
        req(10, "2025-02-01 10:00:00+00", subject_email="fia@example.se", fee_sek=0.5),
        # received after D: not yet judged
        req(11, "2025-04-01 10:00:00+00", subject_email="gus@example.se", fee_sek=10),
    ]})
    found = by_id(run(con, "DSR-03", "2025-03-31"))
    assert set(found) == {"4", "6", "7", "8", "9", "10"}
    assert found["4"].evidence == {
        "received": "2025-03-15", "request_type": "access", "fee_sek": 100.0,
        "window_start": "2024-03-15", "last_earlier_access": "2024-03-14",
    }
    assert found["7"].evidence["request_type"] == "portability"
    assert found["6"].severity == "medium"


def test_dsr03_window_compares_stockholm_days() -> None:
    con = make_snapshot({"dsr_requests": [
        # 23:30 UTC on 14 March is 00:30 on 15 March in Stockholm: inside the window
        req(1, "2024-03-14 23:30:00+00"),
        req(2, "2025-03-15 10:00:00+00", fee_sek=100),
        # 22:30 UTC on 14 March is 23:30 on 14 March in Stockholm: outside
        req(3, "2024-03-14 22:30:00+00", subject_email="bo@example.se"),
        req(4, "2025-03-15 10:00:00+00", subject_email="bo@example.se", fee_sek=100),
        # 31 March minus twelve months is 31 March; 29 Feb 2024 - 12 months is 28 Feb 2023
        req(5, "2023-02-28 10:00:00+00", subject_email="cy@example.se"),
        req(6, "2024-02-29 10:00:00+00", subject_email="cy@example.se", fee_sek=100),
    ]}, timezone="Asia/Tokyo")
    found = by_id(run(con, "DSR-03", "2025-03-31"))
    assert set(found) == {"4"}
    assert found["4"].evidence["window_start"] == "2024-03-15"


# ---------------------------------------------------------------- DSR-04 erasure


def test_dsr04_customer_controller_rows_of_that_customer_before_the_answer() -> None:
    answered = "2025-03-01 12:00:00+00"
    con = make_snapshot({
        "dsr_requests": [
            req(1, "2025-02-01 10:00:00+00", controller="customer", customer_id=10,
                request_type="erasure", outcome="fulfilled", completed_at=answered),
            req(2, "2025-02-01 10:00:00+00", controller="customer", customer_id=11,
                subject_email="bo@example.se", request_type="erasure", outcome="fulfilled",
                completed_at=answered),
            req(3, "2025-02-01 10:00:00+00", controller="customer", customer_id=12,
                subject_email="cy@example.se", request_type="erasure",
                outcome="partially_fulfilled", completed_at=answered),  # not claimed done
            req(4, "2025-02-01 10:00:00+00", controller="customer", customer_id=13,
                subject_email="dan@example.se", request_type="erasure", outcome="fulfilled",
                completed_at="2025-04-02 10:00:00+00"),  # answered after D
        ],
        "users": [
            {"user_id": 1, "customer_id": 10, "email": "ANNA@example.se ",
             "created_at": "2024-01-01 00:00:00+00"},
            {"user_id": 2, "customer_id": 99, "email": "anna@example.se",  # another controller
             "created_at": "2024-01-01 00:00:00+00"},
            {"user_id": 3, "customer_id": 11, "email": "bo@example.se",  # created after answer
             "created_at": "2025-03-01 12:00:01+00"},
            {"user_id": 4, "customer_id": 12, "email": "cy@example.se",
             "created_at": "2024-01-01 00:00:00+00"},
            {"user_id": 5, "customer_id": 13, "email": "dan@example.se",
             "created_at": "2024-01-01 00:00:00+00"},
        ],
        "recipients": [
            {"recipient_id": 1, "customer_id": 10, "email": "anna@example.se",
             "created_at": "2024-05-01 00:00:00+00"},
            {"recipient_id": 2, "customer_id": 10, "email": "anna@example.se",
             "created_at": None},  # unknown creation: counts (fail closed)
            {"recipient_id": 3, "customer_id": 11, "email": "bo@example.se",
             "created_at": "2025-03-02 00:00:00+00"},  # after the answer
        ],
    })
    found = by_id(run(con, "DSR-04", "2025-03-31"))
    assert set(found) == {"1"}
    assert found["1"].evidence == {
        "answered": "2025-03-01", "controller": "customer", "customer_id": 10,
        "rows": {"users": 1, "recipients": 2, "support_tickets": 0, "orders": 0},
    }
    assert found["1"].severity == "critical"
    assert ids(run(con, "DSR-04", "2025-04-02")) == {"1", "4"}


def test_dsr04_netdialog_controller_tickets_orders_and_user_row() -> None:
    answered = "2025-03-01 12:00:00+00"
    con = make_snapshot({
        "dsr_requests": [
            req(1, "2025-02-01 10:00:00+00", request_type="erasure", outcome="fulfilled",
                completed_at=answered, subject_user_id=7),
            req(2, "2025-02-01 10:00:00+00", subject_email="bo@example.se",
                request_type="erasure", outcome="fulfilled", completed_at=answered),
        ],
        "support_tickets": [
            {"ticket_id": 1, "contact_email": "anna@example.se", "channel": "chat",
             "opened_at": "2025-01-01 00:00:00+00"},
            {"ticket_id": 2, "contact_email": "anna@example.se", "channel": "chat",
             "opened_at": "2025-03-05 00:00:00+00"},  # a new contact after the answer
            {"ticket_id": 3, "contact_email": "bo@example.se", "channel": "email",
             "opened_at": "2025-03-01 12:00:00+00"},  # at the answer instant: not before
        ],
        "orders": [
            {"order_id": 1, "contact_email": "Anna@Example.se", "ordered_at": "2023-01-01 00:00:00+00"},
        ],
        "users": [
            {"user_id": 7, "customer_id": 1, "email": "other@example.se",
             "created_at": "2023-01-01 00:00:00+00"},
            # a users row with the subject's e-mail is the customer's data, not searched here
            {"user_id": 8, "customer_id": 1, "email": "bo@example.se",
             "created_at": "2023-01-01 00:00:00+00"},
        ],
        "recipients": [
            {"recipient_id": 1, "customer_id": 1, "email": "bo@example.se",
             "created_at": "2023-01-01 00:00:00+00"},
        ],
    })
    found = by_id(run(con, "DSR-04", "2025-03-31"))
    assert set(found) == {"1"}
    assert found["1"].evidence["rows"] == {
        "users": 1, "recipients": 0, "support_tickets": 1, "orders": 1,
    }


def test_dsr04_customer_request_without_customer_is_an_error() -> None:
    con = make_snapshot({"dsr_requests": [
        req(1, "2025-02-01 10:00:00+00", controller="customer", customer_id=None,
            request_type="erasure", outcome="fulfilled", completed_at="2025-03-01 12:00:00+00"),
    ]})
    (res,) = evaluate_rules(con, date(2025, 3, 31), Params(), ["DSR-04"], require_gates=False)
    assert res.status == "error"
    assert "dsr_requests.customer_id is NULL for request_id=1" in (res.error or "")


# ---------------------------------------------------------------- DSR-05 refusals


def test_dsr05_refusal_without_ground() -> None:
    done = "2025-02-10 10:00:00+00"
    con = make_snapshot({"dsr_requests": [
        req(1, "2025-02-01 10:00:00+00", outcome="refused", completed_at=done),
        req(2, "2025-02-01 10:00:00+00", outcome="refused", refusal_ground="  ", completed_at=done),
        req(3, "2025-02-01 10:00:00+00", outcome="refused", refusal_ground="excessive",
            completed_at=done),
        req(4, "2025-02-01 10:00:00+00", outcome="partially_fulfilled", completed_at=done),
        req(5, "2025-02-01 10:00:00+00", outcome="refused", completed_at="2025-03-10 10:00:00+00"),
    ]})
    found = by_id(run(con, "DSR-05", "2025-03-01"))
    assert set(found) == {"1", "2"}  # 5 was refused only after D
    assert found["1"].evidence == {"received": "2025-02-01", "answered": "2025-02-10"}
    assert ids(run(con, "DSR-05", "2025-03-10")) == {"1", "2", "5"}
