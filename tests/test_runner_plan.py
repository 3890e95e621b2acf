"""Plan loading: the committed plans, unknown parameters, bad severities, errors name file+key."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditlib.config import Params
from auditlib.runner.plan import PlanError, load_plan

REPO = Path(__file__).resolve().parents[1]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "plan.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_monthly_plan_loads_with_spec_defaults() -> None:
    plan = load_plan(REPO / "audits" / "monthly.toml")
    assert plan.name == "monthly"
    assert plan.notebooks == ("snapshot", "retention", "subprocessors", "dsr")
    assert plan.params == Params()  # the plan writes the spec defaults out
    assert plan.severities["DSR-06"] == "info"
    assert plan.execution.parallelism == 2
    assert plan.sha256 and len(plan.sha256) == 64


def test_quick_plan_runs_dsr_only() -> None:
    plan = load_plan(REPO / "audits" / "quick.toml")
    assert plan.audit_notebooks == ("dsr",)
    assert plan.source.default == "demo"


def test_parameters_and_severities_are_typed(tmp_path: Path) -> None:
    plan = load_plan(
        _write(
            tmp_path,
            """
name = "p"
[params]
offboarding_grace_months = 2
allowed_countries = ["se", "EL"]
[severities]
"RET-08" = "low"
"DQ-03" = "high"
""",
        )
    )
    assert plan.params.offboarding_grace_months == 2
    assert plan.params.allowed_countries == ("GR", "SE")
    assert plan.severities == {"RET-08": "low", "DQ-03": "high"}


def test_unknown_parameter_names_file_and_key(tmp_path: Path) -> None:
    p = _write(tmp_path, 'name = "p"\n[params]\noffboarding_grace_month = 2\n')
    with pytest.raises(PlanError) as exc:
        load_plan(p)
    assert str(p) in str(exc.value)
    assert "'params'" in str(exc.value) and "offboarding_grace_month" in str(exc.value)


@pytest.mark.parametrize(
    ("rule", "sev", "words"),
    [
        ("RET-01", "urgent", "severity 'urgent'"),
        ("RET-99", "high", "unknown rule id"),
    ],
)
def test_bad_severity_names_file_and_key(tmp_path: Path, rule: str, sev: str, words: str) -> None:
    p = _write(tmp_path, f'name = "p"\n[severities]\n"{rule}" = "{sev}"\n')
    with pytest.raises(PlanError) as exc:
        load_plan(p)
    assert str(p) in str(exc.value) and f"severities.{rule}" in str(exc.value)
    assert words in str(exc.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('description = "no name"', "'name' is required"),
        ('name = "p"\nnotebooks = ["dsr", "snapshot"]', "must start with 'snapshot'"),
        ('name = "p"\nnotebooks = ["snapshot", "gdpr"]', "unknown or repeated"),
        ('name = "p"\n[execution]\ntimeout_seconds = 0', "execution.timeout_seconds"),
        ('name = "p"\n[execution]\nthreads = 2', "unknown key(s) ['threads'] in [execution]"),
        ('name = "p"\nextra = 1', "unknown key(s) ['extra']"),
        ('name = "p"\n[params]\ncount_eves_as_holidays = "yes"', "count_eves_as_holidays"),
        ('name = "p" = 1', "not valid TOML"),
    ],
)
def test_invalid_plans_are_refused(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(PlanError, match=None) as exc:
        load_plan(_write(tmp_path, text))
    assert words in str(exc.value)


def test_missing_plan_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot read the plan file"):
        load_plan(tmp_path / "nope.toml")
