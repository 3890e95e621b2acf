"""SUB-05..07: where personal data actually went (transfers, deliveries, backups)."""

from __future__ import annotations

from datetime import date
from typing import Any

from auditlib.config import Params
from auditlib.rules import evaluate_rules
from rule_fixtures import by_id, ids, make_snapshot, run, run_result

D = "2025-06-15"


def sp(sid: int, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "subprocessor_id": sid, "name": f"Vendor {sid}", "service": "sms_gateway",
        "legal_country": "SE", "processes_personal_data": True,
        "dpa_signed_on": "2025-01-01", "engaged_on": "2025-01-01",
    }
    row.update(kw)
    return row


_next_transfer = iter(range(1, 10_000))


def tr(sid: int | None, at: str, country: str = "SE", records: int | None = 10) -> dict[str, Any]:
    return {
        "transfer_id": next(_next_transfer), "subprocessor_id": sid, "occurred_at": at,
        "destination_country": country, "data_category": "contact_details",
        "record_count": records,
    }


def dl(mid: int, sid: int | None, at: str | None, status: str = "delivered") -> dict[str, Any]:
    return {"message_id": mid, "recipient_id": 1, "subprocessor_id": sid,
            "status": status, "delivered_at": at}


# ---------------------------------------------------------------- SUB-05


def test_sub05_one_finding_per_subprocessor_with_evidence() -> None:
    con = make_snapshot({
        "subprocessors": [sp(1)],
        "data_transfers": [
            tr(1, "2025-03-01 10:00:00+00", "US", 5),
            tr(1, "2025-04-01 10:00:00+00", "US", 7),
            tr(1, "2025-05-01 10:00:00+00", "CH", None),
            tr(1, "2025-05-02 10:00:00+00", "DE", 100),  # inside: not counted
            tr(1, "2025-06-16 10:00:00+00", "US", 1000),  # after D: not counted
            tr(2, "2025-02-01 10:00:00+00", "EL", 3),  # Greece: inside
            tr(3, "2025-02-01 10:00:00+00", "NO", 3),  # EEA: inside
            tr(4, "2025-02-01 10:00:00+00", "GB", 3),  # not registered: still judged
            tr(5, "2025-02-01 10:00:00+00", "is", 3),  # lower-case Iceland: inside
            tr(6, "2025-02-01 10:00:00+00", "U", 3),  # malformed: outside (fail closed)
        ],
    })
    found = by_id(run(con, "SUB-05", D))
    assert set(found) == {"1", "4", "6"}
    assert found["1"].evidence == {
        "countries": ["CH", "US"], "rows": 3, "records": 12, "records_unknown_rows": 1,
        "first_date": "2025-03-01", "last_date": "2025-05-01",
    }
    assert found["1"].severity == "critical"


def test_sub05_transfer_day_is_the_stockholm_date() -> None:
    # 22:30 UTC on 15 June is 00:30 on 16 June in Stockholm: after D.
    con = make_snapshot({"data_transfers": [tr(1, "2025-06-15 22:30:00+00", "US")]},
                        timezone="America/New_York")
    assert run(con, "SUB-05", D) == []
    assert ids(run(con, "SUB-05", "2025-06-16")) == {"1"}


def test_sub05_transfer_without_subprocessor_is_reported_as_unknown() -> None:
    con = make_snapshot({"data_transfers": [tr(None, "2025-02-01 10:00:00+00", "US")]})
    assert ids(run(con, "SUB-05", D)) == {"unknown"}


def test_null_occurred_at_is_an_error() -> None:
    con = make_snapshot({"data_transfers": [tr(1, None, "US")]})  # type: ignore[arg-type]
    results = evaluate_rules(con, date(2025, 6, 15), Params(), ["SUB-05", "SUB-06"],
                             require_gates=False)
    for res in results:
        assert res.status == "error"
        assert "data_transfers.occurred_at is NULL for transfer_id=" in (res.error or "")


# ---------------------------------------------------------------- SUB-06


def test_sub06_engagement_dpa_and_register_by_day() -> None:
    con = make_snapshot({
        "subprocessors": [
            sp(1),  # engaged and DPA from 1 Jan
            sp(2, engaged_on="2025-03-01", dpa_signed_on="2025-03-01"),
            sp(3, disengaged_on="2025-04-01"),
            sp(4, dpa_signed_on="2025-05-10"),  # DPA signed after a delivery day
            sp(5, dpa_signed_on=None),
        ],
        "data_transfers": [
            tr(1, "2025-02-01 10:00:00+00"),
            tr(2, "2025-03-01 10:00:00+00"),  # on engaged_on: fine
            tr(2, "2025-02-28 10:00:00+00"),  # the day before engagement
            tr(3, "2025-03-31 10:00:00+00"),  # last engaged day: fine
            tr(3, "2025-04-01 10:00:00+00"),  # disengaged that day
            tr(99, "2025-02-01 10:00:00+00"),  # not in the register
            tr(98, "2025-06-16 10:00:00+00"),  # not registered but after D
        ],
        "message_deliveries": [
            dl(1, 4, "2025-05-09 12:00:00+00"),  # DPA signed the next day
            dl(2, 4, "2025-05-10 12:00:00+00"),  # on the signing day: fine
            dl(3, 5, "2025-05-01 12:00:00+00"),
            dl(4, 77, "2025-05-01 12:00:00+00"),  # unregistered gateway
            dl(5, 76, None, "queued"),  # never handed over: not counted
            dl(6, None, "2025-05-01 12:00:00+00"),  # no gateway recorded
        ],
    })
    found = by_id(run(con, "SUB-06", D))
    assert set(found) == {"2", "3", "4", "5", "77", "99"}
    assert found["2"].evidence["rows_by_reason"] == {
        "not_registered": 0, "not_engaged": 1, "no_dpa": 1,
    }
    assert found["2"].evidence["rows"] == 1
    assert found["3"].evidence["first_date"] == "2025-04-01"
    assert found["4"].evidence == {
        "rows": 1, "first_date": "2025-05-09", "last_date": "2025-05-09", "registered": True,
        "rows_by_source": {"data_transfers": 0, "message_deliveries": 1},
        "rows_by_reason": {"not_registered": 0, "not_engaged": 0, "no_dpa": 1},
    }
    assert found["99"].evidence["registered"] is False
    assert found["99"].evidence["rows_by_reason"]["not_registered"] == 1
    assert found["77"].evidence["rows_by_source"] == {"data_transfers": 0, "message_deliveries": 1}


def test_sub06_merges_sources_per_subprocessor_and_observes_undated_rows() -> None:
    con = make_snapshot({
        "data_transfers": [tr(50, "2025-01-10 10:00:00+00"), tr(50, "2025-01-12 10:00:00+00")],
        "message_deliveries": [
            dl(1, 50, "2025-01-11 10:00:00+00"),
            dl(2, 50, None, "failed"),
            dl(3, 50, None, "queued"),
        ],
    })
    res = run_result(con, "SUB-06", D)
    (f,) = res.findings
    assert f.entity_id == "50"
    assert f.evidence["rows"] == 3
    assert f.evidence["rows_by_source"] == {"data_transfers": 2, "message_deliveries": 1}
    assert (f.evidence["first_date"], f.evidence["last_date"]) == ("2025-01-10", "2025-01-12")
    assert [(o["status"], o["deliveries_without_delivered_at"]) for o in res.observations] == [
        ("failed", 1), ("queued", 1),
    ]


# ---------------------------------------------------------------- SUB-07


def test_sub07_backups_existing_at_d_outside_the_eea() -> None:
    def bk(bid: int, country: str, taken: str, destroyed: str | None = None) -> dict[str, Any]:
        return {"backup_id": bid, "taken_at": taken, "storage_subprocessor_id": 1,
                "storage_country": country, "expires_at": "2026-01-01 00:00:00+00",
                "destroyed_at": destroyed}

    con = make_snapshot({"backups": [
        bk(1, "US", "2025-06-01 02:00:00+00"),
        bk(2, "SE", "2025-06-01 02:00:00+00"),
        bk(3, "US", "2025-06-15 21:00:00+00"),  # 23:00 in Stockholm on D: exists
        bk(4, "US", "2025-06-15 22:30:00+00"),  # 00:30 on 16 June in Stockholm: not yet
        bk(5, "US", "2025-06-01 02:00:00+00", "2025-06-15 10:00:00+00"),  # destroyed on D
        bk(6, "US", "2025-06-01 02:00:00+00", "2025-06-16 10:00:00+00"),  # destroyed after D
        bk(7, "EL", "2025-06-01 02:00:00+00"),
        bk(8, "CH", "2025-06-01 02:00:00+00"),
        bk(9, "LI", "2025-06-01 02:00:00+00"),
    ]})
    found = by_id(run(con, "SUB-07", D))
    assert set(found) == {"1", "3", "6", "8"}
    assert found["8"].evidence == {
        "storage_country": "CH", "taken_on": "2025-06-01", "storage_subprocessor_id": 1,
    }
    assert found["8"].entity_type == "backup"
