"""RET-03: a backup that still holds Service data of an ended customer past deletion_due.

Customer 1 was created 2024-01-01, its only contract ended 2025-01-31, so its deletion_due
is 2025-02-28 (default grace). D is 2025-06-01 unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from auditlib.config import Params
from auditlib.rules import evaluate_rules
from rule_fixtures import by_id, ids, make_snapshot, run, run_result

D = "2025-06-01"


def _customer(cid: int, ends_on: str | None = "2025-01-31",
              created_at: str = "2024-01-01 00:00:00+00") -> dict[str, list[dict[str, Any]]]:
    return {
        "customers": [{"customer_id": cid, "country": "SE", "created_at": created_at}],
        "contracts": [{"contract_id": cid, "customer_id": cid, "plan": "pro",
                       "signed_on": "2023-01-01", "ends_on": ends_on}],
    }


def _backup(bid: int, taken_at: str, destroyed_at: str | None = None) -> dict[str, Any]:
    return {"backup_id": bid, "taken_at": taken_at, "storage_country": "SE",
            "expires_at": "2030-01-01 00:00:00+00", "destroyed_at": destroyed_at}


def _offboarding(run_id: int, cid: int, completed_at: str | None,
                 status: str = "completed") -> dict[str, Any]:
    return {"run_id": run_id, "scope": "customer_offboarding", "customer_id": cid,
            "requested_at": "2025-01-01 00:00:00+00", "completed_at": completed_at,
            "status": status}


def _snap(backups: list[dict[str, Any]], **extra: list[dict[str, Any]]) -> Any:
    tables = _customer(1)
    tables["backups"] = backups
    for k, v in extra.items():
        tables[k] = tables.get(k, []) + v
    return make_snapshot(tables)


@pytest.mark.parametrize(
    ("taken_at", "destroyed_at", "expected"),
    [
        ("2025-02-28 10:00:00+00", None, {"1"}),  # taken on deletion_due (by date)
        ("2025-02-28 22:30:00+00", None, {"1"}),  # winter: 23:30 on 28 Feb in Stockholm
        ("2025-02-28 23:30:00+00", None, set()),  # 00:30 on 1 Mar in Stockholm: after due
        ("2024-06-01 00:00:00+00", None, {"1"}),  # while the customer was active
        ("2023-12-31 12:00:00+00", None, set()),  # before the customer existed
        ("2024-01-01 00:00:00+00", None, {"1"}),  # at customers.created_at (<=)
        ("2025-02-01 00:00:00+00", "2025-05-31 10:00:00+00", set()),  # destroyed before D
        ("2025-02-01 00:00:00+00", "2025-06-01 10:00:00+00", set()),  # destroyed on D
        # summer: 22:30 UTC on D is 00:30 on 2 Jun in Stockholm -> still existed at D
        ("2025-02-01 00:00:00+00", "2025-06-01 22:30:00+00", {"1"}),
        ("2025-02-01 00:00:00+00", "2025-06-01 21:30:00+00", set()),  # 23:30 on D
    ],
)
def test_backup_existence_and_window(
    taken_at: str, destroyed_at: str | None, expected: set[str]
) -> None:
    con = _snap([_backup(1, taken_at, destroyed_at)])
    assert ids(run(con, "RET-03", D)) == expected


def test_backup_taken_after_d_does_not_exist_yet() -> None:
    con = make_snapshot({**_customer(1, ends_on="2024-01-31"),
                         "backups": [_backup(1, "2025-06-01 22:30:00+00")]})  # 2 Jun, Stockholm
    assert ids(run(con, "RET-03", D)) == set()
    assert ids(run(con, "RET-03", "2025-06-02")) == set()  # taken after deletion_due anyway


def test_deletion_due_must_be_before_d() -> None:
    con = _snap([_backup(1, "2025-02-01 00:00:00+00")])
    assert ids(run(con, "RET-03", "2025-02-28")) == set()  # D == deletion_due
    assert ids(run(con, "RET-03", "2025-03-01")) == {"1"}


def test_customer_not_ended_or_held_is_not_counted() -> None:
    tables = _customer(1, ends_on=None)
    tables["backups"] = [_backup(1, "2025-02-01 00:00:00+00")]
    assert ids(run(make_snapshot(tables), "RET-03", D)) == set()
    tables = _customer(1)
    tables["backups"] = [_backup(1, "2025-02-01 00:00:00+00")]
    tables["legal_holds"] = [{"hold_id": 1, "customer_id": 1, "authority": "court",
                              "placed_on": "2025-01-15", "lifted_on": None}]
    assert ids(run(make_snapshot(tables), "RET-03", D)) == set()
    # lifted 20 May: deletion_due = 20 Jun, not before D
    tables["legal_holds"][0]["lifted_on"] = "2025-05-20"
    assert ids(run(make_snapshot(tables), "RET-03", D)) == set()
    # lifted 20 Apr: deletion_due = 20 May, before D; a backup of 10 May holds the data
    tables["legal_holds"][0]["lifted_on"] = "2025-04-20"
    tables["backups"] = [_backup(1, "2025-05-10 00:00:00+00"), _backup(2, "2025-05-21 08:00:00+00")]
    found = by_id(run(make_snapshot(tables), "RET-03", D))
    assert set(found) == {"1"}
    assert found["1"].evidence["earliest_deletion_due"] == "2025-05-20"


@pytest.mark.parametrize(
    ("runs", "taken_at", "expected"),
    [
        # a completed run: before it (instants) the data was there; after it, not
        ([_offboarding(1, 1, "2025-02-10 12:00:00+00")], "2025-02-10 11:59:59+00", {"1"}),
        ([_offboarding(1, 1, "2025-02-10 12:00:00+00")], "2025-02-10 12:00:00+00", set()),
        ([_offboarding(1, 1, "2025-02-10 12:00:00+00")], "2025-02-20 00:00:00+00", set()),
        # a run late after deletion_due: backups up to the run hold the data
        ([_offboarding(1, 1, "2025-04-10 12:00:00+00")], "2025-04-01 00:00:00+00", {"1"}),
        # the latest run completed on or before D counts
        ([_offboarding(1, 1, "2025-02-05 00:00:00+00"),
          _offboarding(2, 1, "2025-02-20 00:00:00+00")], "2025-02-15 00:00:00+00", {"1"}),
        # a run completed after D is not known at D: fall back to deletion_due
        ([_offboarding(1, 1, "2025-07-01 00:00:00+00")], "2025-04-01 00:00:00+00", set()),
        ([_offboarding(1, 1, "2025-07-01 00:00:00+00")], "2025-02-27 00:00:00+00", {"1"}),
        # pending / failed runs do not count
        ([_offboarding(1, 1, None, status="pending")], "2025-02-27 00:00:00+00", {"1"}),
        ([_offboarding(1, 1, "2025-02-10 12:00:00+00", status="failed")],
         "2025-02-20 00:00:00+00", {"1"}),
        # a run of another customer does not count
        ([_offboarding(1, 2, "2025-02-10 12:00:00+00")], "2025-02-20 00:00:00+00", {"1"}),
    ],
)
def test_offboarding_runs(runs: list[dict[str, Any]], taken_at: str, expected: set[str]) -> None:
    con = _snap([_backup(1, taken_at)], deletion_runs=runs)
    assert ids(run(con, "RET-03", D)) == expected


def test_evidence_counts_customers_and_earliest_due() -> None:
    tables = _customer(1)
    for k, v in _customer(2, ends_on="2025-03-15").items():
        tables[k] += v
    # customer 3 has a contract but no customers row: fail closed, counted
    tables["contracts"].append({"contract_id": 3, "customer_id": 3, "plan": "pro",
                                "signed_on": "2023-01-01", "ends_on": "2025-02-10"})
    tables["backups"] = [_backup(1, "2025-01-01 00:00:00+00"),
                         _backup(2, "2025-03-12 00:00:00+00")]
    found = by_id(run(make_snapshot(tables), "RET-03", D))
    assert set(found) == {"1", "2"}
    assert found["1"].evidence == {
        "customers": 3,
        "earliest_deletion_due": "2025-02-28",
        "taken_on": "2025-01-01",
        "customer_ids": [1, 2, 3],
    }
    assert found["2"].evidence["customers"] == 1  # only customer 2 (due 15 Apr)
    assert found["2"].evidence["customer_ids"] == [2]
    assert found["1"].severity == "medium"


def test_null_taken_at_is_an_error_not_a_pass() -> None:
    con = _snap([_backup(1, "2025-02-01 00:00:00+00"), {"backup_id": 2, "storage_country": "SE"}])
    (result,) = evaluate_rules(con, date(2025, 6, 1), Params(), rule_ids=["RET-03"],
                               require_gates=False)
    assert result.status == "error"
    assert "backup_id=2" in (result.error or "")


def test_no_backups_passes() -> None:
    result = run_result(_snap([]), "RET-03", D)
    assert result.status == "pass"


def test_held_customers_are_observations_not_findings() -> None:
    tables = _customer(1)
    for k, v in _customer(2).items():
        tables[k] += v
    tables["legal_holds"] = [{"hold_id": 9, "customer_id": 2, "authority": "court",
                              "placed_on": "2025-01-15", "lifted_on": None}]
    tables["backups"] = [_backup(1, "2025-02-01 00:00:00+00"),
                         _backup(2, "2025-02-01 00:00:00+00", "2025-03-01 00:00:00+00")]
    result = run_result(make_snapshot(tables), "RET-03", D)
    (f,) = result.findings
    assert f.entity_id == "1" and f.evidence["customer_ids"] == [1]
    assert result.observations == [{
        "backup_id": 1, "taken_on": date(2025, 2, 1), "held_customers": 1,
        "customer_ids": [2], "earliest_deletion_due": date(2025, 2, 28),
    }]
