"""RET-05: an invoice kept past 31 Dec of fiscal_year + accounting_retention_years."""

from __future__ import annotations

from datetime import date

import pytest

from auditlib.config import Params
from auditlib.rules import evaluate_rules
from rule_fixtures import by_id, ids, make_snapshot, run


def _invoices(*years: int | None) -> dict[str, list[dict[str, object]]]:
    return {"invoices": [
        {"invoice_id": i, "customer_id": 1, "invoice_number": f"{y}-{i:06d}", "fiscal_year": y,
         "issued_on": f"{y or 2020}-03-01"}
        for i, y in enumerate(years, start=1)
    ]}


@pytest.mark.parametrize(
    ("as_of", "params", "expected"),
    [
        ("2024-12-31", {}, set()),  # 2017 + 7 = keep until 31 Dec 2024 (D == keep_until)
        ("2025-01-01", {}, {"1"}),
        ("2026-01-01", {}, {"1", "2"}),
        ("2025-01-01", {"accounting_retention_years": 10}, set()),
        ("2028-01-01", {"accounting_retention_years": 10}, {"1"}),
    ],
)
def test_keep_until(as_of: str, params: dict[str, int], expected: set[str]) -> None:
    con = make_snapshot(_invoices(2017, 2018, 2024))
    assert ids(run(con, "RET-05", as_of, **params)) == expected


def test_evidence() -> None:
    found = by_id(run(make_snapshot(_invoices(2017)), "RET-05", "2025-01-03"))
    assert found["1"].evidence == {
        "invoice_number": "2017-000001", "fiscal_year": 2017, "issued_on": "2017-03-01",
        "keep_until": "2024-12-31", "days_overdue": 3,
    }
    assert found["1"].entity_type == "invoice"


def test_null_fiscal_year_is_an_error() -> None:
    con = make_snapshot(_invoices(2017, None))
    (result,) = evaluate_rules(con, date(2025, 6, 1), Params(), rule_ids=["RET-05"],
                               require_gates=False)
    assert result.status == "error"
    assert "invoice_id=2" in (result.error or "")
