"""Run the POL rules on a parsed policy: one status per rule, findings, fail closed.

A check that raises makes its rule ``error`` (with the message), never ``pass``; the
other rules still run. Severities: the rule files' defaults, overridden by a plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from auditlib.config import Params
from auditlib.policy import completeness, hygiene, promises, rights
from auditlib.policy.checklist import Checklist, load_checklist
from auditlib.policy.document import PolicyDocument, read_policy
from auditlib.policy.findings import PolicyFinding
from auditlib.policy.rules import PolicyRule, load_policy_rules


@dataclass(frozen=True)
class Context:
    doc: PolicyDocument
    checklist: Checklist
    params: Params
    as_of: date


def _catalogue() -> dict[str, Any]:
    from auditlib.rules.catalogue_loader import load_catalogue

    return load_catalogue()


def _dsr03_terms() -> dict[str, Any]:
    rule = _catalogue().get("DSR-03")
    terms = rule.extra.get("policy_terms") if rule else None
    if not isinstance(terms, dict):
        raise RuntimeError(
            "rules/catalogue/DSR-03.toml has no [policy_terms]: the free-access "
            "window to compare with is unknown"
        )
    return terms


# rule id -> the check that produces its findings
CHECKS: dict[str, Callable[[Context], list[PolicyFinding]]] = {
    "POL-01": lambda c: completeness.check_completeness(c.doc, c.checklist),
    "POL-02": lambda c: hygiene.check_links(c.doc, c.checklist),
    "POL-03": lambda c: hygiene.check_identifiers(c.doc, c.checklist),
    "POL-04": lambda c: hygiene.check_superseded(c.doc, c.checklist, c.as_of),
    "POL-05": lambda c: hygiene.check_truncation(c.doc, c.checklist),
    "POL-06": lambda c: hygiene.check_headings(c.doc, c.checklist),
    "POL-07": lambda c: hygiene.check_version_date(c.doc, c.checklist),
    "POL-08": lambda c: promises.check_rule_sentences(c.doc, _catalogue()),
    "POL-09": lambda c: promises.check_parameters(c.doc, c.params, _dsr03_terms()),
    "POL-10": lambda c: rights.check_narrowing(c.doc, c.checklist),
    "POL-11": lambda c: rights.check_vague_retention(c.doc, c.checklist, c.params),
}


@dataclass
class RuleOutcome:
    rule: PolicyRule
    severity: str
    status: str  # pass | fail | error
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class PolicyAudit:
    doc: PolicyDocument
    as_of: date
    outcomes: dict[str, RuleOutcome]

    @property
    def findings(self) -> list[dict[str, Any]]:
        return [f for o in self.outcomes.values() for f in o.findings]

    @property
    def exit_status(self) -> int:
        statuses = [o.status for o in self.outcomes.values()]
        if "error" in statuses:
            return 2
        return 1 if "fail" in statuses else 0

    def describe(self) -> dict[str, Any]:
        """The ``policy`` object of results and summary.json: which text was audited."""
        return {
            "path": self.doc.path,
            "sha256": self.doc.sha256,
            "format": self.doc.format,
            "sections": len(self.doc.sections),
            "sentences": len(self.doc.sentences),
        }

    def to_result(self) -> dict[str, Any]:
        """``results/policy.json`` (the typed step result of :mod:`auditlib.steps.results`)."""
        from auditlib.steps.results import Environment, StepResult
        from auditlib.steps.results import RuleOutcome as ResultRule

        return StepResult(
            notebook="policy",
            as_of=self.as_of.isoformat(),
            environment=Environment.current(),
            rules={
                rid: ResultRule(
                    status=o.status,
                    findings=len(o.findings),
                    error=o.error,
                    severity=o.severity,
                    seconds=round(o.seconds, 4),
                )
                for rid, o in self.outcomes.items()
            },
            findings=self.findings,
            policy=self.describe(),
        ).to_json()


def audit_document(
    doc: PolicyDocument,
    params: Params | None = None,
    as_of: date | None = None,
    severities: dict[str, str] | None = None,
    rule_ids: list[str] | None = None,
) -> PolicyAudit:
    from auditlib.dates import today_stockholm

    day = as_of or today_stockholm()
    rules = load_policy_rules()
    outcomes: dict[str, RuleOutcome] = {}
    try:
        checklist = load_checklist()
        ctx: Context | None = Context(doc, checklist, params or Params(), day)
        setup_error = None
    except Exception as exc:  # noqa: BLE001 - every rule errors, none passes
        ctx, setup_error = None, f"the policy checklist cannot be loaded: {exc}"
    for rid, rule in rules.items():
        if rule_ids is not None and rid not in rule_ids:
            continue
        sev = (severities or {}).get(rid, rule.severity)
        t0 = time.perf_counter()
        if ctx is None:
            outcomes[rid] = RuleOutcome(rule, sev, "error", error=setup_error)
            continue
        check = CHECKS.get(rid)
        try:
            if check is None:
                raise RuntimeError(f"no check is registered for {rid}")
            found = check(ctx)
        except Exception as exc:  # noqa: BLE001 - fail closed: the rule is an error
            outcomes[rid] = RuleOutcome(
                rule,
                sev,
                "error",
                error=f"{type(exc).__name__}: {exc}",
                seconds=time.perf_counter() - t0,
            )
            continue
        dicts = [f.to_dict(sev) for f in found]
        ids = [d["entity_id"] for d in dicts]
        if len(ids) != len(set(ids)):
            outcomes[rid] = RuleOutcome(
                rule,
                sev,
                "error",
                error=f"{rid} produced two findings for one entity id",
                seconds=time.perf_counter() - t0,
            )
            continue
        outcomes[rid] = RuleOutcome(
            rule, sev, "fail" if dicts else "pass", dicts, seconds=time.perf_counter() - t0
        )
    return PolicyAudit(doc, day, outcomes)


def audit_policy(
    path: str | Path,
    params: Params | None = None,
    as_of: date | None = None,
    severities: dict[str, str] | None = None,
) -> PolicyAudit:
    """Read ``path`` (text, Markdown or HTML) and run every POL rule on it."""
    return audit_document(read_policy(path), params, as_of, severities)
