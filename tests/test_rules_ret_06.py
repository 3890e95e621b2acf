"""RET-06: gaps in a fiscal year's invoice series 'YYYY-NNNNNN' (1..max present)."""

from __future__ import annotations

from itertools import count

from rule_fixtures import by_id, ids, make_snapshot, run

_ids = count(1)


def _inv(number: str | None, fiscal_year: int | None) -> dict[str, object]:
    return {"invoice_id": next(_ids), "customer_id": 1, "invoice_number": number,
            "fiscal_year": fiscal_year, "issued_on": "2025-03-01"}


def _series(year: int, *numbers: int) -> list[dict[str, object]]:
    return [_inv(f"{year}-{n:06d}", year) for n in numbers]


def test_one_finding_per_missing_number() -> None:
    con = make_snapshot({"invoices": _series(2025, 1, 2, 4, 7) + _series(2024, 1, 2, 3)})
    found = by_id(run(con, "RET-06", "2025-06-01"))
    assert set(found) == {"2025-000003", "2025-000005", "2025-000006"}
    assert found["2025-000005"].evidence == {
        "fiscal_year": 2025, "number": 5, "highest_present": 7, "numbers_present": 4,
        "keep_until": "2032-12-31", "malformed": False,
    }
    assert found["2025-000005"].severity == "high"


def test_series_starts_at_one() -> None:
    con = make_snapshot({"invoices": _series(2023, 3)})
    assert ids(run(con, "RET-06", "2025-06-01")) == {"2023-000001", "2023-000002"}


def test_years_whose_keep_until_has_passed_are_not_checked() -> None:
    con = make_snapshot({"invoices": _series(2017, 1, 3)})
    assert ids(run(con, "RET-06", "2024-12-31")) == {"2017-000002"}  # D == keep_until
    assert ids(run(con, "RET-06", "2025-01-01")) == set()
    assert ids(run(con, "RET-06", "2025-01-01", accounting_retention_years=8)) == {"2017-000002"}


def test_unparseable_numbers_do_not_pass_silently() -> None:
    bad = [_inv("INV-17", 2025), _inv("2025-00003", 2025), _inv(None, 2025),
           _inv("2025-000000", 2025), _inv("garbage", None)]
    first_bad = bad[0]["invoice_id"]
    con = make_snapshot({"invoices": _series(2025, 1, 2) + bad})
    found = by_id(run(con, "RET-06", "2025-06-01"))
    assert set(found) == {f"invoice_id={b['invoice_id']}" for b in bad}
    f = found[f"invoice_id={first_bad}"]
    assert f.evidence["malformed"] is True
    assert "INV-17" not in f.message  # the raw value is never shown


def test_unparseable_number_of_a_closed_year_is_not_reported() -> None:
    con = make_snapshot({"invoices": [_inv("X", 2010)]})
    assert run(con, "RET-06", "2025-06-01") == []


def test_prefix_disagreeing_with_fiscal_year() -> None:
    odd = _inv("2024-000002", 2025)
    con = make_snapshot({"invoices": _series(2024, 1, 3) + [odd] + _series(2025, 1)})
    # 2024-000002 exists (fills the 2024 series) but is reported as inconsistent
    assert ids(run(con, "RET-06", "2025-06-01")) == {f"invoice_id={odd['invoice_id']}"}


def test_number_zero_is_not_part_of_the_series() -> None:
    zero = _inv("2025-000000", 2025)
    con = make_snapshot({"invoices": [zero] + _series(2025, 2)})
    found = by_id(run(con, "RET-06", "2025-06-01"))
    assert set(found) == {"2025-000001", f"invoice_id={zero['invoice_id']}"}
    assert found["2025-000001"].evidence["numbers_present"] == 1
