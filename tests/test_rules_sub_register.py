"""SUB-01..04: the subprocessor register, judged for subprocessors engaged at D."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from auditlib.config import Params
from auditlib.rules import evaluate_rules
from rule_fixtures import by_id, ids, make_snapshot, run, run_result

D = "2025-06-15"


def sp(sid: int, **kw: Any) -> dict[str, Any]:
    """A compliant, engaged, personal-data subprocessor unless overridden."""
    row: dict[str, Any] = {
        "subprocessor_id": sid,
        "name": f"Vendor {sid}",
        "service": "hosting",
        "legal_country": "SE",
        "processes_personal_data": True,
        "dpa_signed_on": "2024-01-01",
        "engaged_on": "2024-03-01",
        "disengaged_on": None,
        "customers_notified_on": "2024-01-01",
    }
    row.update(kw)
    return row


def loc(sid: int, country: str, kind: str = "storage") -> dict[str, Any]:
    return {"subprocessor_id": sid, "country": country, "kind": kind}


# ---------------------------------------------------------------- scope (engaged at D)


def test_engaged_boundaries_decide_scope() -> None:
    con = make_snapshot({
        "subprocessors": [
            sp(1, engaged_on=D),  # engaged on D: in scope
            sp(2, engaged_on="2025-06-16"),  # engaged after D: out
            sp(3, disengaged_on=D),  # disengaged on D: no longer engaged at D
            sp(4, disengaged_on="2025-06-16"),  # disengaged after D: still engaged
            sp(5, processes_personal_data=False),  # no personal data: out
            sp(6, processes_personal_data=None),  # unknown: in (fail closed)
        ],
        "subprocessor_locations": [loc(i, "US") for i in range(1, 7)],
    })
    assert ids(run(con, "SUB-01", D)) == {"1", "4", "6"}


def test_null_engaged_on_is_an_error_not_a_pass() -> None:
    # Only where the day decides: a US entity might be a finding if it is engaged.
    con = make_snapshot({"subprocessors": [sp(1, engaged_on=None, legal_country="US")]})
    (res,) = evaluate_rules(con, date(2025, 6, 15), Params(), ["SUB-02"], require_gates=False)
    assert res.status == "error"
    assert "subprocessors.engaged_on is NULL for subprocessor_id=1" in (res.error or "")


# ---------------------------------------------------------------- SUB-01 locations


def test_sub01_locations_outside_the_eea() -> None:
    con = make_snapshot({
        "subprocessors": [sp(i) for i in range(1, 9)],
        "subprocessor_locations": [
            loc(1, "SE"), loc(1, "DE", "processing"),  # inside
            loc(2, "EL"),  # Greece by its EU code: inside
            loc(3, "NO"), loc(3, "IS"), loc(3, "LI"),  # EEA: inside
            loc(4, "CH"),  # adequacy is not EEA
            loc(5, "GB", "support_access"), loc(5, "SE"),  # any kind counts
            loc(6, "se"),  # lower case: normalised to SE, inside
            loc(7, "XX"),  # not a country in the list: outside
            loc(8, "US", "processing"), loc(8, "US", "support_access"), loc(8, "IN", "support_access"),
        ],
    })
    found = by_id(run(con, "SUB-01", D))
    assert set(found) == {"4", "5", "7", "8"}
    assert found["8"].evidence["countries"] == ["IN", "US"]
    assert found["8"].evidence["kinds"] == ["processing", "support_access"]
    assert found["5"].evidence == {
        "countries": ["GB"], "kinds": ["support_access"], "locations": ["GB:support_access"],
    }
    assert found["8"].severity == "critical"


def test_sub01_allowed_countries_parameter_is_honoured() -> None:
    con = make_snapshot({
        "subprocessors": [sp(1), sp(2)],
        "subprocessor_locations": [loc(1, "CH"), loc(2, "GR")],
    })
    # A plan that (wrongly, but explicitly) allows CH and writes Greece as EL.
    assert ids(run(con, "SUB-01", D, allowed_countries=["SE", "CH", "EL"])) == set()
    assert ids(run(con, "SUB-01", D, allowed_countries=["SE"])) == {"1", "2"}


def test_sub01_observes_engaged_subprocessors_without_locations() -> None:
    con = make_snapshot({"subprocessors": [sp(1), sp(2)], "subprocessor_locations": [loc(1, "SE")]})
    res = run_result(con, "SUB-01", D)
    assert res.findings == []
    assert [o["subprocessor_id"] for o in res.observations] == [2]


# ---------------------------------------------------------------- SUB-02 legal country


def test_sub02_legal_country() -> None:
    con = make_snapshot({
        "subprocessors": [
            sp(1, legal_country="SE"),
            sp(2, legal_country="US"),
            sp(3, legal_country="EL"),
            sp(4, legal_country="NO"),
            sp(5, legal_country="GB"),
            sp(6, legal_country="US", engaged_on="2025-06-16"),  # not engaged yet
            sp(7, legal_country="US", processes_personal_data=False),
        ],
    })
    found = by_id(run(con, "SUB-02", D))
    assert set(found) == {"2", "5"}
    assert found["2"].evidence == {"legal_country": "US"}
    assert found["2"].severity == "medium"


# ---------------------------------------------------------------- SUB-03 DPA


def test_sub03_dpa_missing_or_signed_after_engagement() -> None:
    con = make_snapshot({
        "subprocessors": [
            sp(1, dpa_signed_on="2024-03-01"),  # signed on engaged_on: fine
            sp(2, dpa_signed_on="2024-03-02"),  # a day late, even though before D
            sp(3, dpa_signed_on=None),
            sp(4, dpa_signed_on=None, disengaged_on="2025-01-01"),  # not engaged at D
            sp(5, dpa_signed_on=None, processes_personal_data=False),
        ],
    })
    found = by_id(run(con, "SUB-03", D))
    assert set(found) == {"2", "3"}
    assert found["2"].evidence == {
        "engaged_on": "2024-03-01", "dpa_signed_on": "2024-03-02", "days_without_dpa": 1,
    }
    assert found["3"].evidence["dpa_signed_on"] is None


# ---------------------------------------------------------------- SUB-04 notice


@pytest.mark.parametrize(
    ("notified_on", "engaged_on", "finding"),
    [
        ("2024-01-31", "2024-03-01", False),  # exactly 30 days before: enough
        ("2024-02-01", "2024-03-01", True),  # 29 days: too late
        (None, "2024-03-01", True),  # never notified
        ("2024-03-05", "2024-03-01", True),  # after the engagement
        (None, "2018-05-24", False),  # engaged before notice_required_since
        (None, "2018-05-25", True),  # engaged on notice_required_since
    ],
)
def test_sub04_notice_boundaries(notified_on: str | None, engaged_on: str, finding: bool) -> None:
    con = make_snapshot({
        "subprocessors": [sp(1, customers_notified_on=notified_on, engaged_on=engaged_on,
                             dpa_signed_on="2018-01-01")],
    })
    assert ids(run(con, "SUB-04", D)) == ({"1"} if finding else set())


def test_sub04_evidence_and_parameters() -> None:
    con = make_snapshot({
        "subprocessors": [sp(1, customers_notified_on="2024-02-10", engaged_on="2024-03-01")],
    })
    (f,) = run(con, "SUB-04", D)
    assert f.evidence == {
        "engaged_on": "2024-03-01", "customers_notified_on": "2024-02-10",
        "notice_days_given": 20, "notice_days_required": 30,
    }
    assert run(con, "SUB-04", D, subprocessor_notice_days=20) == []
    assert run(con, "SUB-04", D, notice_required_since="2024-03-02") == []
