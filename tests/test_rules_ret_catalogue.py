"""The RET rule files: metadata agrees with the spec, the policy and their own SQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditlib.config import Params
from auditlib.rules import load_catalogue
from auditlib.rules.views import expand_views, load_views
from rule_fixtures import make_snapshot, run_result

# spec/audit-rules.md, "Retention (RET)": id -> (default severity, entity)
SPEC = {
    "RET-01": ("critical", "customer"),
    "RET-02": ("high", "deletion_run"),
    "RET-03": ("medium", "backup"),
    "RET-04": ("high", "backup"),
    "RET-05": ("medium", "invoice"),
    "RET-06": ("high", "invoice_number"),
    "RET-07": ("medium", "support_ticket"),
    "RET-08": ("medium", "website"),
    "RET-09": ("medium", "customer"),
}
RET_IDS = sorted(SPEC)


def _shared() -> Path | None:
    """shared/ beside the repository (CI clones main with shared/ next to it)."""
    for base in Path(__file__).resolve().parents:
        candidate = base / "shared"
        if (candidate / "spec" / "audit-rules.md").is_file():
            return candidate
    return None


def test_all_ret_rules_present() -> None:
    assert [r for r in load_catalogue() if r.startswith("RET-")] == RET_IDS


@pytest.mark.parametrize("rule_id", RET_IDS)
def test_rule_metadata(rule_id: str) -> None:
    rule = load_catalogue()[rule_id]
    assert (rule.severity, rule.entity_type) == SPEC[rule_id]
    assert rule.notebook == "retention"
    assert rule.policy_sv and rule.policy_en and rule.checks.strip()
    assert rule.decisions, "every rule records the choices made where the spec is silent"
    # tables: exactly what the SQL reads (tests/test_rules_tables.py, every rule)
    # params: exactly the Params fields the SQL reads
    sql = expand_views(rule.sql + "\n" + (rule.observations_sql or ""))
    used = set(re.findall(r"getvariable\('([a-z_]+)'\)", sql))
    assert set(rule.params) == used - {"as_of"}
    assert set(rule.params) <= set(Params.__dataclass_fields__)


@pytest.mark.parametrize("rule_id", ["RET-01", "RET-03"])
def test_deletion_deadline_comes_from_the_shared_view(rule_id: str) -> None:
    """RET-01 and RET-03 read ended customers and deletion_due from the one view
    ``customer_deletion_due`` (rules/views.sql) instead of recomputing them."""
    assert "HAVING bool_and(ends_on" in load_views()["customer_deletion_due"]
    rule = load_catalogue()[rule_id]
    for sql in (rule.sql, rule.observations_sql or ""):
        assert re.search(r"\bFROM customer_deletion_due\b", sql)
        assert "FROM contracts" not in sql and "add_months(" not in sql


@pytest.mark.parametrize("rule_id", RET_IDS)
def test_runs_on_an_empty_snapshot(rule_id: str) -> None:
    result = run_result(make_snapshot(), rule_id, "2025-06-01")
    assert result.status == "pass"


def test_spec_table_matches() -> None:
    shared = _shared()
    if shared is None:
        pytest.skip("shared/spec/audit-rules.md not found beside the repository")
    text = (shared / "spec" / "audit-rules.md").read_text(encoding="utf-8")
    found = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(r"^\| (RET-\d\d) \| (\w+) \| (\w+) \|", text, re.M)
    }
    assert found == SPEC


@pytest.mark.parametrize("rule_id", RET_IDS)
def test_policy_sentence_is_quoted_exactly(rule_id: str) -> None:
    shared = _shared()
    if shared is None:
        pytest.skip("shared/policy/integritetspolicy.txt not found beside the repository")
    policy = (shared / "policy" / "integritetspolicy.txt").read_text(encoding="utf-8")
    assert load_catalogue()[rule_id].policy_sv in policy
