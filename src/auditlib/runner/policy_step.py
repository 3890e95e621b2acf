"""The policy step of a run: the plan's policy text, copied into the run, audited by
``notebooks/policy.ipynb`` (POL rules, :mod:`auditlib.policy`).

The text is copied into ``<run>/policy/<file name>`` before the notebook runs, and the
notebook audits that copy: the run directory holds (and the manifest hashes) exactly the
text that was audited. summary.json gets ``policy``: the plan's path, the copy, its
sha256 and what the notebook parsed (format, sections, sentences).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from auditlib.hashing import sha256_file
from auditlib.runner.plan import POLICY_NOTEBOOK, Plan

POLICY_DIR = "policy"


def policy_notebooks(plan: Plan) -> tuple[str, ...]:
    """Notebooks the run adds for the plan's policy (none when the plan names no policy)."""
    return (POLICY_NOTEBOOK,) if plan.policy is not None else ()


def all_notebooks(plan: Plan) -> tuple[str, ...]:
    return (*plan.notebooks, *policy_notebooks(plan))


def policy_rule_ids() -> list[str]:
    from auditlib.policy.rules import load_policy_rules

    return list(load_policy_rules())


def policy_severities() -> dict[str, str]:
    from auditlib.policy.rules import load_policy_rules

    return {rid: r.severity for rid, r in load_policy_rules().items()}


def stage_policy(plan: Plan, tmp: Path) -> Path | None:
    """Copy the plan's policy into the temp run directory; the copy's path."""
    if plan.policy is None:
        return None
    dest = tmp / POLICY_DIR / plan.policy.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plan.policy, dest)
    return dest


def job_parameters(
    staged: Path, as_of: str, result_dir: Path, params: dict[str, Any], severities: dict[str, str]
) -> dict[str, Any]:
    pol = set(policy_rule_ids())
    return {
        "policy_path": str(staged),
        "as_of": as_of,
        "result_dir": str(result_dir),
        "params": params,
        "severities": {k: v for k, v in severities.items() if k in pol},
    }


def policy_summary(plan: Plan, tmp: Path) -> dict[str, Any] | None:
    """summary.json ``policy``: the sha256 comes from the copy in the run, not the notebook."""
    if plan.policy is None:
        return None
    copy = tmp / POLICY_DIR / plan.policy.name
    out: dict[str, Any] = {
        "path": str(plan.policy),
        "file": f"{POLICY_DIR}/{plan.policy.name}",
        "sha256": sha256_file(copy) if copy.exists() else None,
    }
    res = tmp / "results" / f"{POLICY_NOTEBOOK}.json"
    try:
        parsed = json.loads(res.read_text(encoding="utf-8")).get("policy") or {}
    except (OSError, ValueError, AttributeError):
        parsed = {}
    for k in ("format", "sections", "sentences"):
        out[k] = parsed.get(k)
    if parsed.get("sha256") and out["sha256"] and parsed["sha256"] != out["sha256"]:
        out["problem"] = "the notebook audited a text other than the copy in the run"
    return out


def reperform_policy(
    run_dir: Path,
    summary: dict[str, Any],
    as_of: Any,
    params: Any,
    severities: dict[str, str],
    rule_ids: list[str],
) -> tuple[dict[str, str], list[dict[str, Any]], list[str]]:
    """Re-run the POL rules on the run's copy of the policy (``auditlib reperform``).

    Returns statuses, findings and notes; a copy that is missing or unreadable makes every
    POL rule ``error`` (never a silent pass)."""
    from auditlib.policy import PolicyInputError, audit_document, read_policy

    raw = summary.get("policy")
    pol: dict[str, Any] = raw if isinstance(raw, dict) else {}
    rel = pol.get("file")
    if not rel:
        return (
            dict.fromkeys(rule_ids, "error"),
            [],
            ["summary.json names no policy file: the POL rules cannot be re-performed"],
        )
    try:
        doc = read_policy(Path(run_dir) / rel)
    except PolicyInputError as exc:
        return dict.fromkeys(rule_ids, "error"), [], [f"the run's policy copy: {exc}"]
    audit = audit_document(doc, params, as_of, severities, rule_ids=rule_ids)
    statuses = {rid: o.status for rid, o in audit.outcomes.items()}
    notes = (
        []
        if doc.sha256 == pol.get("sha256")
        else [f"{rel} has sha256 {doc.sha256}, the run recorded {pol.get('sha256')}"]
    )
    return statuses, audit.findings, notes
