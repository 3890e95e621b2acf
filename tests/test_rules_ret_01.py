"""RET-01: Service data of an ended customer kept past deletion_due (spec "Retention")."""

from __future__ import annotations

from typing import Any

import pytest

from rule_fixtures import by_id, ids, make_snapshot, run, run_result

Rows = dict[str, list[dict[str, Any]]]


def _ended(cid: int, ends_on: str | None, *more_ends: str | None) -> list[dict[str, Any]]:
    """Contracts of customer ``cid`` with the given ends_on values."""
    return [
        {"contract_id": cid * 10 + i, "customer_id": cid, "plan": "pro",
         "signed_on": "2020-01-01", "ends_on": e}
        for i, e in enumerate((ends_on, *more_ends))
    ]


def _user(uid: int, cid: int) -> dict[str, Any]:
    return {"user_id": uid, "customer_id": cid, "email": f"u{uid}@example.se",
            "created_at": "2021-01-01 10:00:00+00"}


def _one_customer(ends: list[str | None], holds: list[tuple[str | None, str | None]] = ()) -> Rows:
    return {
        "contracts": _ended(1, *ends),
        "users": [_user(1, 1)],
        "legal_holds": [
            {"hold_id": 100 + i, "customer_id": 1, "authority": "court", "placed_on": p,
             "lifted_on": lifted}
            for i, (p, lifted) in enumerate(holds)
        ],
    }


@pytest.mark.parametrize(
    ("ends", "as_of", "expected"),
    [
        # relationship_end 31 Jan -> deletion_due 28 Feb (no roll, although 28 Feb 2025 is a Friday)
        (["2025-01-31"], "2025-02-28", set()),  # D == deletion_due: not overdue
        (["2025-01-31"], "2025-03-01", {"1"}),  # one day after: overdue
        # leap year: 31 Jan 2024 + 1 month = 29 Feb 2024
        (["2024-01-31"], "2024-02-29", set()),
        (["2024-01-31"], "2024-03-01", {"1"}),
        # relationship_end 30 Apr -> due 30 May (same day number, not the month's end)
        (["2025-04-30"], "2025-05-30", set()),
        (["2025-04-30"], "2025-05-31", {"1"}),
        # latest ends_on counts
        (["2024-06-30", "2025-01-31"], "2025-03-01", {"1"}),
        (["2024-06-30", "2025-01-31"], "2025-02-28", set()),
        # one contract still running (NULL) -> not ended
        (["2024-01-31", None], "2026-01-01", set()),
        # a contract ending on D is still running on D -> not ended
        (["2020-01-31", "2026-01-01"], "2026-01-01", set()),
        (["2020-01-31", "2025-12-31"], "2026-01-01", set()),  # ended 31 Dec, due 31 Jan
        (["2020-01-31", "2025-11-30"], "2026-01-01", {"1"}),  # due 30 Dec < D
    ],
)
def test_deadline_boundaries(ends: list[str | None], as_of: str, expected: set[str]) -> None:
    con = make_snapshot(_one_customer(ends))
    assert ids(run(con, "RET-01", as_of)) == expected


def test_saturday_due_is_not_rolled() -> None:
    # ends 2025-01-15 -> deletion_due Sat 2025-02-15, a contractual date: no roll to Monday.
    con = make_snapshot(_one_customer(["2025-01-15"]))
    assert ids(run(con, "RET-01", "2025-02-15")) == set()  # D == due (a Saturday)
    assert ids(run(con, "RET-01", "2025-02-16")) == {"1"}  # Sunday: overdue, not rolled to Monday


def test_grace_parameter() -> None:
    con = make_snapshot(_one_customer(["2025-01-31"]))
    assert ids(run(con, "RET-01", "2025-03-31", offboarding_grace_months=2)) == set()
    assert ids(run(con, "RET-01", "2025-04-01", offboarding_grace_months=2)) == {"1"}
    assert ids(run(con, "RET-01", "2025-02-01", offboarding_grace_months=0)) == {"1"}


@pytest.mark.parametrize(
    ("holds", "expected", "held"),
    [
        ([("2025-02-01", None)], set(), {1}),  # in force, open-ended
        ([("2025-02-01", "2025-07-01")], set(), {1}),  # lifted after D: in force at D
        ([("2025-06-01", None)], set(), {1}),  # placed on D: in force
        ([("2025-06-02", None)], {"1"}, set()),  # placed after D: no effect
        ([("2025-02-01", "2025-06-01")], set(), set()),  # lifted on D: due = 1 Jul > D
        ([("2025-02-01", "2025-05-01")], set(), set()),  # lifted 1 May: due 1 Jun == D
        ([("2025-02-01", "2025-04-30")], {"1"}, set()),  # lifted 30 Apr: due 30 May < D
        ([("2024-01-01", "2024-06-01")], {"1"}, set()),  # lifted long before the end
        # latest lifted_on counts; the earlier lifted one does not shorten it
        ([("2025-02-01", "2025-03-01"), ("2025-02-01", "2025-05-15")], set(), set()),
        # one lifted, one still in force: exempt
        ([("2025-02-01", "2025-03-01"), ("2025-04-01", None)], set(), {1}),
        # unknown placed_on never exempts (fail closed)
        ([(None, None)], {"1"}, set()),
    ],
)
def test_legal_holds(
    holds: list[tuple[str | None, str | None]], expected: set[str], held: set[int]
) -> None:
    con = make_snapshot(_one_customer(["2025-01-31"], holds))
    result = run_result(con, "RET-01", "2025-06-01")
    assert ids(result.findings) == expected
    assert {o["customer_id"] for o in result.observations} == held


def test_held_observation_columns() -> None:
    con = make_snapshot(
        _one_customer(
            ["2025-01-31"],
            [("2025-02-01", "2025-03-01"), ("2025-04-01", None), ("2025-03-15", "2025-09-01")],
        )
    )
    (obs,) = run_result(con, "RET-01", "2025-06-01").observations
    assert obs["hold_ids"] == [101, 102]
    assert str(obs["placed_on"]) == "2025-03-15"
    assert obs["lifted_on"] is None  # hold 101 has no lifting date
    assert str(obs["relationship_end"]) == "2025-01-31"
    assert str(obs["deletion_due"]) == "2025-04-01"  # lifted 1 Mar + 1 month
    assert obs["service_rows"] == 1


def test_customer_without_contracts_or_rows() -> None:
    con = make_snapshot(
        {
            "contracts": _ended(2, "2024-01-31"),  # ended, but holds no rows
            "users": [_user(1, 1)],  # customer 1 has no contracts at all
        }
    )
    assert run(con, "RET-01", "2026-01-01") == []


def test_rows_per_table_and_delivery_ownership() -> None:
    con = make_snapshot(
        {
            "contracts": _ended(1, "2025-01-31") + _ended(2, "2025-01-31") + _ended(3, "2025-01-31")
            + _ended(4, None),
            "users": [_user(1, 1), _user(2, 1)],
            "messages": [
                {"message_id": 1, "customer_id": 1, "channel": "sms",
                 "created_at": "2024-05-01 10:00:00+00"},
            ],
            "recipients": [
                {"recipient_id": 20, "customer_id": 2, "created_at": "2024-01-01 10:00:00+00"},
                {"recipient_id": 30, "customer_id": 3, "created_at": "2024-01-01 10:00:00+00"},
                {"recipient_id": 40, "customer_id": 4, "created_at": "2024-01-01 10:00:00+00"},
            ],
            "message_deliveries": [
                # message of customer 1, recipient of customer 2: belongs to customer 1
                {"message_id": 1, "recipient_id": 20, "status": "sent"},
                # message gone: belongs to the recipient's customer 3
                {"message_id": 999, "recipient_id": 30, "status": "sent"},
                # message gone, recipient of running customer 4: not an ended customer's row
                {"message_id": 998, "recipient_id": 40, "status": "sent"},
                # neither message nor recipient: unattributable
                {"message_id": 997, "recipient_id": 997, "status": "sent"},
            ],
            "login_events": [
                {"event_id": 1, "user_id": 1, "customer_id": 3,
                 "occurred_at": "2025-01-01 10:00:00+00"},
            ],
        }
    )
    found = by_id(run(con, "RET-01", "2025-03-05"))
    assert set(found) == {"1", "2", "3"}
    assert found["1"].evidence == {
        "rows": {"users": 2, "recipients": 0, "messages": 1, "message_deliveries": 1,
                 "login_events": 0},
        "rows_total": 4,
        "relationship_end": "2025-01-31",
        "deletion_due": "2025-02-28",
        "days_overdue": 5,
        "hold_lifted_on": None,
    }
    assert found["2"].evidence["rows"] == {
        "users": 0, "recipients": 1, "messages": 0, "message_deliveries": 0, "login_events": 0
    }
    assert found["3"].evidence["rows"] == {
        "users": 0, "recipients": 1, "messages": 0, "message_deliveries": 1, "login_events": 1
    }
    assert found["1"].severity == "critical"
    assert found["1"].entity_type == "customer"


def test_rows_created_after_the_end_count_and_customers_row_not_needed() -> None:
    con = make_snapshot(
        {
            "contracts": _ended(7, "2025-01-31"),
            "login_events": [
                {"event_id": 1, "user_id": 1, "customer_id": 7,
                 "occurred_at": "2025-02-20 10:00:00+00"},
            ],
        }
    )
    assert ids(run(con, "RET-01", "2025-03-01")) == {"7"}


def test_lifted_hold_evidence() -> None:
    con = make_snapshot(_one_customer(["2025-01-31"], [("2025-02-01", "2025-03-10")]))
    (f,) = run(con, "RET-01", "2025-04-12")
    assert f.evidence["deletion_due"] == "2025-04-10"
    assert f.evidence["days_overdue"] == 2
    assert f.evidence["hold_lifted_on"] == "2025-03-10"


def test_contract_ending_on_d_is_not_ended_even_when_held() -> None:
    holds = [("2025-01-01", None)]
    con = make_snapshot(_one_customer(["2025-06-01"], holds))
    assert run_result(con, "RET-01", "2025-06-01").observations == []
    assert [o["customer_id"] for o in run_result(con, "RET-01", "2025-06-02").observations] == [1]
