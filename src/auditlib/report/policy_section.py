"""The Policy section of a run's ``index.html``: the audited text and each POL finding.

Read from the run directory only: ``summary.json`` ``policy`` (file, sha256) and the POL
findings of ``findings.jsonl``; rule explanations (article, what is checked, decisions)
from ``auditlib/policy/rules/POL-NN.toml``. Quotes were redacted when the finding was made
and are scrubbed again here (defence in depth).
"""

from __future__ import annotations

from typing import Any

from auditlib.ranking import severity_rank
from auditlib.report.privacy import scrub_text
from auditlib.report.run_data import RunData

PREFIX = "POL-"


def policy_rule_meta() -> dict[str, dict[str, Any]]:
    """POL rule titles and severities, in the shape the rule table reads for DQ gates."""
    from auditlib.policy.rules import load_policy_rules

    return {
        rid: {"title": r.title, "severity": r.severity} for rid, r in load_policy_rules().items()
    }


def _text(value: Any) -> str:
    return scrub_text(str(value)) if value is not None else ""


def _quotes(ev: dict[str, Any]) -> list[dict[str, str]]:
    """The sentences a finding concerns: its own, or those it points to."""
    out = []
    if ev.get("quote"):
        out.append({"ref": _text(ev.get("ref")), "quote": _text(ev["quote"])})
    for key in (
        "closest",
        "delegated_to_dead_link",
        "required_because",
        "first_sentence_under_repeat",
    ):
        items = ev.get(key)
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, dict) and item.get("quote"):
                label = {
                    "closest": "closest sentence now",
                    "delegated_to_dead_link": "only a dead link",
                    "required_because": "required because",
                    "first_sentence_under_repeat": "under the repeated heading",
                }[key]
                out.append(
                    {"ref": f"{_text(item.get('ref'))} ({label})", "quote": _text(item["quote"])}
                )
    if ev.get("expected_sv"):
        out.append({"ref": "promise the rule tests", "quote": _text(ev["expected_sv"])})
    return out


def policy_context(data: RunData, previous_summary: dict[str, Any] | None) -> dict[str, Any] | None:
    from auditlib.policy.rules import load_policy_rules

    s = data.summary
    pol = s.get("policy")
    pol_findings = [f for f in data.findings if str(f.get("rule_id", "")).startswith(PREFIX)]
    if not pol and not pol_findings:
        return None
    pol = pol if isinstance(pol, dict) else {}
    rules = load_policy_rules()
    statuses = s.get("rules") or {}
    findings = sorted(
        pol_findings,
        key=lambda f: (
            severity_rank(f.get("severity")),
            str(f.get("rule_id")),
            str(f.get("entity_id")),
        ),
    )
    prev = (previous_summary or {}).get("policy") if previous_summary else None
    prev_sha = prev.get("sha256") if isinstance(prev, dict) else None
    return {
        "file": _text(pol.get("file")),
        "sha256": pol.get("sha256") or "",
        "format": _text(pol.get("format")),
        "sections": pol.get("sections"),
        "sentences": pol.get("sentences"),
        "problem": _text(pol.get("problem")),
        "changed": None
        if previous_summary is None or prev_sha is None
        else prev_sha != pol.get("sha256"),
        "previous_sha256": prev_sha or "",
        "findings": [
            {
                "rule_id": _text(f.get("rule_id")),
                "severity": _text(f.get("severity")),
                "entity_id": _text(f.get("entity_id")),
                "message": _text(f.get("message")),
                "article": _text(
                    (f.get("evidence") or {}).get("article")
                    or (rules[f["rule_id"]].article if f.get("rule_id") in rules else "")
                ),
                "quotes": _quotes(f.get("evidence") or {}),
            }
            for f in findings
        ],
        "rules": [
            {
                "id": rid,
                "title": r.title,
                "article": r.article,
                "severity": r.severity,
                "checks": r.checks,
                "decisions": list(r.decisions),
                "status": (statuses.get(rid) or {}).get("status", "not run"),
            }
            for rid, r in rules.items()
        ],
    }
