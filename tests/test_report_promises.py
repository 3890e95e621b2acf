"""The promises of the policy: one registry, every rule in one promise, a fail-closed verdict."""

from __future__ import annotations

from auditlib.rules import load_catalogue
from auditlib.rules.promises import (
    BROKEN,
    KEPT,
    NOT_VERIFIED,
    load_promises,
    promise_of,
    promise_rows,
    promise_verdict,
)


def test_every_rule_tests_exactly_one_of_the_four_promises() -> None:
    promises = load_promises()
    assert [p.id for p in promises] == [
        "service-deletion",
        "subprocessors-eu-eea",
        "data-subject-rights",
        "records-as-law-requires",
    ]
    listed = [r for p in promises for r in p.rules]
    assert sorted(listed) == sorted(load_catalogue()) and len(listed) == len(set(listed))
    assert promise_of("RET-01").id == "service-deletion"
    assert promise_of("RET-06").id == "records-as-law-requires"
    assert promise_of("DQ-03") is None
    for p in promises:
        assert p.policy_sv and p.policy_en and p.title


def _status(**over: str) -> dict[str, str]:
    return {**{r: "pass" for r in load_catalogue()}, **over}


def test_verdict_is_fail_closed() -> None:
    sev = {rid: r.severity for rid, r in load_catalogue().items()}
    dsr = next(p for p in load_promises() if p.id == "data-subject-rights")
    assert promise_verdict(_status(), sev, dsr) == (KEPT, [])
    # the info rule DSR-06 (due soon) warns, it does not break the promise
    verdict, reasons = promise_verdict(_status(**{"DSR-06": "fail"}), sev, dsr)
    assert verdict == KEPT and "DSR-06" in reasons[0]
    assert promise_verdict(_status(**{"DSR-01": "fail"}), sev, dsr)[0] == BROKEN
    # an error anywhere, even next to a failure, means the promise is not verified
    assert promise_verdict(_status(**{"DSR-01": "fail", "DSR-04": "error"}), sev, dsr) == (
        NOT_VERIFIED,
        ["DSR-04 error"],
    )
    assert promise_verdict(_status(**{"DSR-02": "skipped"}), sev, dsr)[0] == NOT_VERIFIED
    missing = _status()
    del missing["DSR-05"]
    assert promise_verdict(missing, sev, dsr) == (NOT_VERIFIED, ["DSR-05 not run"])


def test_promise_rows_carry_rules_status_and_counts() -> None:
    summary = {
        "rules": {"RET-01": {"status": "fail", "findings": 3, "error": None}},
        "severities": {"RET-01": "critical"},
    }
    rows = promise_rows(summary, load_catalogue())
    first = rows[0]
    assert first["verdict"] == NOT_VERIFIED  # the other RET rules did not run
    assert first["rules"][0] == {
        "id": "RET-01",
        "title": load_catalogue()["RET-01"].title,
        "severity": "critical",
        "status": "fail",
        "findings": 3,
    }
    assert all(r["verdict"] == NOT_VERIFIED for r in rows[1:])
