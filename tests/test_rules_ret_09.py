"""RET-09: per customer, login events older than n months (unless a hold is in force)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rule_fixtures import by_id, ids, make_snapshot, run, run_result


def _events(*rows: tuple[int | None, str]) -> list[dict[str, Any]]:
    return [{"event_id": i, "user_id": 1, "customer_id": c, "occurred_at": t}
            for i, (c, t) in enumerate(rows, start=1)]


@pytest.mark.parametrize(
    ("occurred_at", "as_of", "expected"),
    [
        ("2024-01-31 10:00:00+00", "2025-01-31", set()),  # D == keep_until
        ("2024-01-31 10:00:00+00", "2025-02-01", {"1"}),
        # leap day: 29 Feb 2024 + 12 months = 28 Feb 2025
        ("2024-02-29 10:00:00+00", "2025-02-28", set()),
        ("2024-02-29 10:00:00+00", "2025-03-01", {"1"}),
        # winter: 22:30 UTC on 31 Jan is 23:30 the same day; 23:30 UTC is 1 Feb
        ("2024-01-31 22:30:00+00", "2025-02-01", {"1"}),
        ("2024-01-31 23:30:00+00", "2025-02-01", set()),
        # summer (+2): 22:30 UTC on 30 Jun is 1 Jul
        ("2024-06-30 22:30:00+00", "2025-07-01", set()),
        ("2024-06-30 21:30:00+00", "2025-07-01", {"1"}),
    ],
)
def test_boundaries(occurred_at: str, as_of: str, expected: set[str]) -> None:
    con = make_snapshot({"login_events": _events((1, occurred_at))})
    assert ids(run(con, "RET-09", as_of)) == expected


def test_per_customer_evidence_and_parameter() -> None:
    con = make_snapshot({"login_events": _events(
        (1, "2023-05-01 10:00:00+00"), (1, "2023-03-01 10:00:00+00"), (1, "2025-01-01 10:00:00+00"),
        (2, "2023-12-01 10:00:00+00"), (None, "2023-01-01 10:00:00+00"),
    )})
    found = by_id(run(con, "RET-09", "2025-01-15"))
    assert set(found) == {"1", "2", "unknown"}
    assert found["1"].evidence == {"count": 2, "oldest": "2023-03-01"}
    assert found["2"].evidence == {"count": 1, "oldest": "2023-12-01"}
    assert found["1"].entity_type == "customer"
    assert ids(run(con, "RET-09", "2025-01-15", login_event_retention_months=18)) == {
        "1", "unknown"
    }


@pytest.mark.parametrize(
    ("placed_on", "lifted_on", "expected"),
    [
        ("2024-01-01", None, set()),  # in force
        ("2025-01-15", None, set()),  # placed on D: in force
        ("2024-01-01", "2025-02-01", set()),  # lifted after D: in force at D
        ("2024-01-01", "2025-01-15", {"1"}),  # lifted on D: no longer in force
        ("2025-01-16", None, {"1"}),  # placed after D
        (None, None, {"1"}),  # unknown placed_on never exempts
    ],
)
def test_legal_hold_exempts(placed_on: str | None, lifted_on: str | None,
                            expected: set[str]) -> None:
    con = make_snapshot({
        "login_events": _events((1, "2023-01-01 10:00:00+00")),
        "legal_holds": [{"hold_id": 1, "customer_id": 1, "authority": "police",
                         "placed_on": placed_on, "lifted_on": lifted_on}],
    })
    assert ids(run(con, "RET-09", "2025-01-15")) == expected


def test_held_customers_are_observations_not_findings() -> None:
    con = make_snapshot({
        "login_events": _events((1, "2023-01-01 10:00:00+00"), (1, "2023-02-01 10:00:00+00"),
                                (1, "2025-01-01 10:00:00+00"), (2, "2023-01-01 10:00:00+00")),
        "legal_holds": [
            {"hold_id": 5, "customer_id": 1, "authority": "police", "placed_on": "2024-01-01",
             "lifted_on": "2025-03-01"},
            {"hold_id": 6, "customer_id": 1, "authority": "court", "placed_on": "2024-06-01",
             "lifted_on": None},
            {"hold_id": 7, "customer_id": 2, "authority": "court", "placed_on": "2024-06-01",
             "lifted_on": "2024-12-01"},
        ],
    })
    result = run_result(con, "RET-09", "2025-01-15")
    assert ids(result.findings) == {"2"}
    assert result.observations == [{
        "customer_id": 1, "hold_ids": [5, 6], "placed_on": date(2024, 1, 1), "lifted_on": None,
        "login_events": 2, "oldest": date(2023, 1, 1),
    }]
