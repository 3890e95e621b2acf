"""Rule tests as data: ``tests/rule_fixtures/<RULE-ID>.toml``, one file per rule, run here.

Each ``[[case]]`` gives rows per snapshot table (``tables``, else ``[defaults.tables]``),
``as_of``, ``params`` and the expected entity ids; optionally ``evidence`` (exact, per entity
id), ``evidence_subset`` (those keys exactly),
``severity``, ``entity_type``, ``observations`` (the observation rows exactly; the string
``"NULL"`` stands for NULL, which TOML cannot spell; so it does in ``evidence`` and
``evidence_subset``), ``observed`` (``{column = [values]}``: the sorted values of that column
over the observation rows, when the rest of a row is beside the point), ``status`` (the rule's
status, e.g. ``"pass"``), ``timezones`` (session time zones the case must hold in) or
``error_contains`` (the rule must be ``error`` with that text). ``message_contains`` /
``message_excludes`` (per entity id: texts a finding's message must / must not show; the latter
case-insensitively). Adding a rule = its TOML in the catalogue + one fixture file here.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from auditlib.config import Params
from auditlib.rules import evaluate_rules, load_catalogue
from rule_fixtures import by_id, make_snapshot, run_result

FIXTURES = Path(__file__).with_name("rule_fixtures")
_CASE_KEYS = {
    "name",
    "as_of",
    "params",
    "tables",
    "expected",
    "evidence",
    "evidence_subset",
    "severity",
    "entity_type",
    "timezones",
    "error_contains",
    "message_excludes",
    "observations",
    "observed",
    "status",
    "message_contains",
}


def _nulls(value: Any) -> Any:
    """The fixture's ``"NULL"`` spelled as Python's None, at any depth."""
    if value == "NULL":
        return None
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return value


def _cases() -> list[Any]:
    out = []
    for path in sorted(FIXTURES.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert data["rule"] == path.stem, f"{path.name}: rule = {data['rule']!r}"
        default_tables = data.get("defaults", {}).get("tables", {})
        for n, case in enumerate(data["case"], start=1):
            unknown = set(case) - _CASE_KEYS
            assert not unknown, f"{path.name} case {n}: unknown key(s) {sorted(unknown)}"
            case = {"tables": default_tables, **case}
            out.append(pytest.param(data["rule"], case, id=f"{path.stem}-{n}"))
    return out


def test_every_fixture_names_a_catalogue_rule() -> None:
    assert {p.stem for p in FIXTURES.glob("*.toml")} <= set(load_catalogue())


@pytest.mark.parametrize(("rule_id", "case"), _cases())
def test_rule_fixture(rule_id: str, case: dict[str, Any]) -> None:
    params = case.get("params", {})
    for tz in case.get("timezones", ["UTC"]):
        con = make_snapshot(case["tables"], timezone=tz)
        where = f"{case['name']} (session time zone {tz})"
        if "error_contains" in case:
            (result,) = evaluate_rules(
                con,
                date.fromisoformat(case["as_of"]),
                Params.from_mapping(params),
                rule_ids=[rule_id],
                require_gates=False,
            )
            assert result.status == "error", where
            assert case["error_contains"] in (result.error or ""), where
            continue
        result = run_result(con, rule_id, case["as_of"], **params)
        found = by_id(result.findings)
        assert set(found) == set(case["expected"]), where
        if "status" in case:
            assert result.status == case["status"], where
        for eid, evidence in case.get("evidence", {}).items():
            assert found[eid].evidence == _nulls(evidence), where
        for eid, subset in case.get("evidence_subset", {}).items():
            subset = _nulls(subset)
            assert set(subset) <= set(found[eid].evidence), where
            assert {k: found[eid].evidence[k] for k in subset} == subset, where
        for eid, texts in case.get("message_contains", {}).items():
            assert [t for t in texts if t in found[eid].message] == texts, where
        for eid, texts in case.get("message_excludes", {}).items():
            assert not [t for t in texts if t.lower() in found[eid].message.lower()], where
        if "observations" in case:
            assert result.observations == _nulls(case["observations"]), where
        for column, values in case.get("observed", {}).items():
            assert sorted(o[column] for o in result.observations) == values, where
        for f in found.values():
            if "severity" in case:
                assert f.severity == case["severity"], where
            if "entity_type" in case:
                assert f.entity_type == case["entity_type"], where
