"""RET-04: a backup past its expires_at that still exists at D."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from auditlib.config import Params
from auditlib.rules import evaluate_rules
from rule_fixtures import by_id, ids, make_snapshot, run

D = "2025-06-01"


def _backup(taken_at: str, expires_at: str | None, destroyed_at: str | None = None) -> dict[str, Any]:
    return {"backup_id": 1, "taken_at": taken_at, "storage_country": "SE",
            "expires_at": expires_at, "destroyed_at": destroyed_at}


@pytest.mark.parametrize(
    ("taken_at", "expires_at", "destroyed_at", "expected"),
    [
        ("2025-01-01 00:00:00+00", "2025-05-31 12:00:00+00", None, {"1"}),  # expired yesterday
        ("2025-01-01 00:00:00+00", "2025-06-01 12:00:00+00", None, set()),  # expires on D
        # summer: 22:30 UTC on 31 May is 1 Jun 00:30 in Stockholm -> expires on D
        ("2025-01-01 00:00:00+00", "2025-05-31 22:30:00+00", None, set()),
        ("2025-01-01 00:00:00+00", "2025-05-31 21:30:00+00", None, {"1"}),  # 23:30 on 31 May
        # destroyed on D: gone at the end of D; destroyed after D: still there at D
        ("2025-01-01 00:00:00+00", "2025-03-01 00:00:00+00", "2025-06-01 08:00:00+00", set()),
        ("2025-01-01 00:00:00+00", "2025-03-01 00:00:00+00", "2025-06-01 22:30:00+00", {"1"}),
        ("2025-01-01 00:00:00+00", "2025-03-01 00:00:00+00", "2025-06-15 00:00:00+00", {"1"}),
        # taken after D (by Stockholm date): does not exist at D
        ("2025-06-01 22:30:00+00", "2025-05-01 00:00:00+00", None, set()),
    ],
)
def test_expired_backups(
    taken_at: str, expires_at: str, destroyed_at: str | None, expected: set[str]
) -> None:
    con = make_snapshot({"backups": [_backup(taken_at, expires_at, destroyed_at)]})
    assert ids(run(con, "RET-04", D)) == expected


def test_winter_expiry_and_evidence() -> None:
    # winter: 23:30 UTC on 31 Jan is 1 Feb 00:30 in Stockholm
    con = make_snapshot({"backups": [_backup("2024-12-01 00:00:00+00", "2025-01-31 23:30:00+00")]})
    assert run(con, "RET-04", "2025-02-01") == []
    found = by_id(run(con, "RET-04", "2025-02-04"))
    assert found["1"].evidence == {
        "taken_on": "2024-12-01", "expires_on": "2025-02-01", "days_past_expiry": 3,
    }
    assert found["1"].severity == "high"


def test_null_expires_at_is_an_error() -> None:
    con = make_snapshot({"backups": [_backup("2025-01-01 00:00:00+00", None)]})
    (result,) = evaluate_rules(con, date(2025, 6, 1), Params(), rule_ids=["RET-04"],
                               require_gates=False)
    assert result.status == "error"
    assert "backup_id=1" in (result.error or "")
