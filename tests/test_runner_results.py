"""Exit status, merging of per-notebook results, fail-closed statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditlib.runner.results import (
    FINDING_KEYS,
    GATE_KEYS,
    RULE_KEYS,
    exit_status,
    gate_rows,
    held_customers,
    merge_results,
    read_results,
)
from auditlib.steps.results import FORMAT_VERSION, Environment, read_result


@pytest.mark.parametrize(
    ("statuses", "complete", "expected"),
    [
        (["pass", "pass"], True, 0),
        (["pass", "skipped"], True, 0),
        (["pass", "fail"], True, 1),
        (["fail", "fail", "skipped"], True, 1),
        (["pass", "error"], True, 2),
        (["fail", "error"], True, 2),
        (["pass", "pass"], False, 2),  # the run could not complete
        ([], True, 2),  # nothing evaluated is not a pass
        (["pass", "unknown"], True, 2),  # an unknown status fails closed
    ],
)
def test_exit_status(statuses: list[str], complete: bool, expected: int) -> None:
    assert exit_status(statuses, complete) == expected


def _finding(rule: str, eid: int | str, **extra: object) -> dict:
    return {
        "rule_id": rule,
        "severity": "medium",
        "entity_type": "request",
        "entity_id": eid,
        "message": "m",
        "evidence": {"received": "2025-01-01"},
        **extra,
    }


def _write(d: Path, nb: str, rules: dict, findings: list, **extra: object) -> None:
    env = Environment.current()
    (d / f"{nb}.json").write_text(
        json.dumps(
            {
                "format_version": FORMAT_VERSION,
                "notebook": nb,
                "as_of": "2025-06-30",
                "environment": {
                    "auditlib": env.auditlib,
                    "python": env.python,
                    "executable": env.executable,
                    "prefix": env.prefix,
                },
                "rules": rules,
                "findings": findings,
                "observations": {},
                **extra,
            }
        )
    )


def _merge(d: Path, expected: dict, errors: dict, severities: dict, **kw: object):  # noqa: ANN202
    return merge_results(read_results(d, expected), expected, errors, severities, **kw)


def test_merge_fails_closed(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "dsr",
        {
            "DSR-01": {
                "status": "fail",
                "findings": 1,
                "error": None,
                "severity": "high",
                "seconds": 0.25,
            },
            "DSR-02": {"status": "pass", "findings": 0, "error": None},
            # DSR-03 missing from the file
            "DSR-04": {"status": "fail", "findings": 2, "error": None},  # count disagrees
        },
        [_finding("DSR-01", 7, extra_key="dropped"), _finding("DSR-04", 1), _finding("RET-01", 3)],
    )
    m = _merge(
        tmp_path,
        {
            "dsr": ["DSR-01", "DSR-02", "DSR-03", "DSR-04"],
            "retention": ["RET-01"],
            "subprocessors": ["SUB-01"],
        },
        {"dsr": None, "retention": "cell [3] raised RuntimeError: x", "subprocessors": None},
        {"DSR-01": "critical"},
        skipped=["DQ-01"],
    )
    assert m.rules["DSR-01"]["status"] == "fail"
    # every entry holds exactly the spec's keys; severity and seconds live elsewhere
    assert all(tuple(r) == RULE_KEYS for r in m.rules.values())
    assert m.rule_seconds == {"DSR-01": 0.25}
    assert m.rules["DSR-02"]["status"] == "pass"
    assert m.rules["DSR-03"]["status"] == "error"
    assert (
        m.rules["DSR-04"]["status"] == "error" and "lists 1 findings" in m.rules["DSR-04"]["error"]
    )
    # the retention notebook failed: its rule is error, never missing
    assert (
        m.rules["RET-01"]["status"] == "error"
        and "raised RuntimeError" in m.rules["RET-01"]["error"]
    )
    # the subprocessors result file was never written
    assert m.rules["SUB-01"]["status"] == "error" and "not written" in m.rules["SUB-01"]["error"]
    assert m.rules["DQ-01"]["status"] == "skipped"
    # a finding of a rule the notebook should not run is ignored and reported
    assert {f["rule_id"] for f in m.findings} == {"DSR-01", "DSR-04"}
    assert any("RET-01" in p for p in m.problems)
    f = next(f for f in m.findings if f["rule_id"] == "DSR-01")
    assert tuple(f) == FINDING_KEYS  # exactly the contract's keys
    assert f["entity_id"] == "7" and f["severity"] == "critical"


def test_pass_with_findings_is_an_error(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "dsr",
        {"DSR-05": {"status": "pass", "findings": 1, "error": None}},
        [_finding("DSR-05", 1)],
    )
    m = _merge(tmp_path, {"dsr": ["DSR-05"]}, {"dsr": None}, {})
    assert m.rules["DSR-05"]["status"] == "error"


def test_unreadable_result_file(tmp_path: Path) -> None:
    (tmp_path / "dsr.json").write_text("{not json")
    m = _merge(tmp_path, {"dsr": ["DSR-05"]}, {"dsr": None}, {})
    assert m.rules["DSR-05"]["status"] == "error" and "not valid JSON" in m.rules["DSR-05"]["error"]


def test_result_files_of_another_format_or_without_a_key_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "dsr", {}, [], format_version=0)
    m = _merge(tmp_path, {"dsr": ["DSR-05"]}, {"dsr": None}, {})
    assert "format_version 0" in m.rules["DSR-05"]["error"]
    data = json.loads((tmp_path / "dsr.json").read_text())
    data["format_version"] = FORMAT_VERSION
    del data["environment"]
    (tmp_path / "dsr.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="no dict 'environment'"):
        read_result(tmp_path / "dsr.json")


def test_a_result_round_trips_as_a_typed_object(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "dsr",
        {
            "DSR-05": {
                "status": "fail",
                "findings": 1,
                "error": None,
                "severity": "high",
                "seconds": 0.5,
            }
        },
        [_finding("DSR-05", 1)],
    )
    r = read_result(tmp_path / "dsr.json")
    assert r.rules["DSR-05"].seconds == 0.5 and r.environment == Environment.current()
    assert r.to_json() == json.loads((tmp_path / "dsr.json").read_text()) | {
        "gates": None,
        "snapshot": None,
        "source": None,
        "policy": None,
        "engine": None,
    }
    assert r.environment.differences(Environment("0.0", "3.0.0", "/x/python", "/x")) == [
        f"auditlib {r.environment.auditlib}, not 0.0",
        f"Python {r.environment.python}, not 3.0.0",
        f"environment {r.environment.prefix}, not /x",
    ]


def test_held_customers_ids_are_strings() -> None:
    rows = held_customers(
        {
            "RET-01": [
                {
                    "customer_id": 17,
                    "hold_ids": [3, 4],
                    "deletion_due": "2025-02-28",
                    "service_rows": 5,
                }
            ]
        }
    )
    assert rows == [
        {
            "customer_id": "17",
            "hold_ids": ["3", "4"],
            "deletion_due": "2025-02-28",
            "service_rows": 5,
        }
    ]


def test_gate_rows_keep_the_contract_keys_and_redact_personal_data() -> None:
    rows, problem = gate_rows(
        [
            {
                "gate_id": "DQ-03",
                "table_name": "orders",
                "status": "fail",
                "rows_affected": 2.0,
                "message": "2 row(s) of orders (e.g. order_id=4) from a@b.se",
                "details": {"x": 1},
            },
            {
                "gate_id": "DQ-06",
                "table_name": "users",
                "status": "skipped",
                "rows_affected": None,
                "message": "no manifest; sha256 " + "ab" * 32,
            },
        ]
    )
    assert problem is None and rows is not None
    assert all(tuple(r) == GATE_KEYS for r in rows)
    assert rows[0]["rows_affected"] == 2 and "a@b.se" not in rows[0]["message"]
    assert "order_id=4" in rows[0]["message"]
    assert "ab" * 32 in rows[1]["message"]  # file digests are evidence, not personal data


@pytest.mark.parametrize("bad", [None, {"gate_id": "DQ-01"}, [{"gate_id": "DQ-01"}], ["x"]])
def test_gate_rows_refuse_a_malformed_list(bad: object) -> None:
    rows, problem = gate_rows(bad)
    assert rows is None and problem
