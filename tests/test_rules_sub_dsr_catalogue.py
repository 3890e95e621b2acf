"""The SUB and DSR rule files: spec defaults, declared tables and the policy they quote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditlib.rules.catalogue_loader import load_catalogue
from auditlib.rules.views import expand_views, load_views

SPEC_SEVERITY = {
    "SUB-01": "critical",
    "SUB-02": "medium",
    "SUB-03": "high",
    "SUB-04": "medium",
    "SUB-05": "critical",
    "SUB-06": "high",
    "SUB-07": "critical",
    "DSR-01": "high",
    "DSR-02": "medium",
    "DSR-03": "medium",
    "DSR-04": "critical",
    "DSR-05": "medium",
    "DSR-06": "info",
}
POLICY = Path(__file__).resolve().parents[2] / "shared" / "policy" / "integritetspolicy.txt"


@pytest.mark.parametrize("rule_id", sorted(SPEC_SEVERITY))
def test_rule_file_matches_the_spec(rule_id: str) -> None:
    rule = load_catalogue()[rule_id]
    assert rule.severity == SPEC_SEVERITY[rule_id]
    assert rule.notebook == ("subprocessors" if rule_id.startswith("SUB") else "dsr")
    assert rule.entity_type in {"subprocessor", "backup", "request"}
    assert rule.policy_sv and rule.policy_en and rule.decisions and rule.checks.strip()


@pytest.mark.skipif(not POLICY.exists(), reason="shared/policy is not beside the repository")
@pytest.mark.parametrize("rule_id", sorted(SPEC_SEVERITY))
def test_policy_sentence_is_quoted_exactly(rule_id: str) -> None:
    rule = load_catalogue()[rule_id]
    assert rule.policy_sv in POLICY.read_text(encoding="utf-8")


@pytest.mark.parametrize("rule_id", sorted(SPEC_SEVERITY))
def test_parameters_used_are_declared(rule_id: str) -> None:
    rule = load_catalogue()[rule_id]
    sql = expand_views(rule.sql)
    used = set(re.findall(r"getvariable\('([a-z_]+)'\)", sql)) - {"as_of"}
    if "roll(" in sql:
        used.add("count_eves_as_holidays")
    assert used == set(rule.params)


def test_dsr_deadline_rules_share_one_deadline_definition() -> None:
    """DSR-01, DSR-02 and DSR-06 read the deadline from the one view ``dsr_deadlines``
    (rules/views.sql) instead of carrying their own copy, so they cannot drift apart."""
    cat = load_catalogue()
    assert "roll(add_months(received, 3))" in load_views()["dsr_deadlines"]
    for rid in ("DSR-01", "DSR-02", "DSR-06"):
        assert re.search(r"\bFROM dsr_deadlines\b", cat[rid].sql), rid
        assert "add_months(" not in cat[rid].sql, f"{rid} recomputes the deadline"
        assert "sthlm_date(received_at)" not in cat[rid].sql, f"{rid} recomputes received"
