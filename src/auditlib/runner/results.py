"""Merge per-notebook results into ``findings.jsonl`` and the rule table; the verdict.

Fail closed: every rule the plan runs gets a status. A rule whose notebook did
not finish, whose result file is missing or unreadable, or that is absent from
its notebook's result file is ``error`` with the reason, never missing and never
``pass``. Rules of notebooks the plan does not run are ``skipped``.

Each entry of the rule table holds exactly the spec's keys (``RULE_KEYS``:
status, findings, error). The effective severity lives in ``summary["severities"]``
and the evaluation time in ``Merged.rule_seconds`` (``summary["rule_seconds"]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditlib.steps.results import STATUSES, ResultError, StepResult, read_result, result_path

FINDING_KEYS = ("rule_id", "severity", "entity_type", "entity_id", "message", "evidence")
RULE_KEYS = ("status", "findings", "error")
GATE_KEYS = ("gate_id", "table_name", "status", "rows_affected", "message")
VERDICTS = {0: "pass", 1: "fail", 2: "error"}


def exit_status(rule_statuses: Iterable[str], complete: bool = True) -> int:
    """0 every rule passed; 1 some rule failed, none errored; 2 some rule errored or the run
    could not complete. An unknown status counts as an error (fail closed); ``skipped``
    (a rule the plan does not run, or DQ-06 without a manifest) neither passes nor fails.
    """
    statuses = list(rule_statuses)
    if not complete or not statuses or any(s not in STATUSES or s == "error" for s in statuses):
        return 2
    return 1 if "fail" in statuses else 0


@dataclass
class Merged:
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # exactly RULE_KEYS
    rule_seconds: dict[str, float] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    observations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # why a result could not be used


def _rule(status: str, findings: int, error: str | None) -> dict[str, Any]:
    """One entry of ``summary["rules"]``: exactly the findings contract's keys."""
    return {"status": status, "findings": findings, "error": error}


def _error(reason: str) -> dict[str, Any]:
    return _rule("error", 0, reason)


def read_results(result_dir: Path, names: Iterable[str]) -> dict[str, StepResult | str]:
    """Each notebook's ``results/<name>.json``, read once: the typed result, or why it
    cannot be used (a sentence naming the file)."""
    out: dict[str, StepResult | str] = {}
    for name in names:
        try:
            out[name] = read_result(result_path(result_dir, name))
        except ResultError as exc:
            out[name] = str(exc)
    return out


def merge_results(
    results: Mapping[str, StepResult | str],
    expected: Mapping[str, list[str]],
    notebook_errors: Mapping[str, str | None],
    severities: Mapping[str, str],
    skipped: Iterable[str] = (),
) -> Merged:
    """Merge the results (:func:`read_results`) of the notebooks in ``expected``
    (notebook -> rule ids).

    ``notebook_errors[nb]`` is the notebook's error (None when it finished): then every
    rule of that notebook is ``error`` and its partial results are not used.
    ``severities`` is the effective severity per rule id (applied to findings too).
    """
    m = Merged()
    for nb, rule_ids in expected.items():
        err = notebook_errors.get(nb)
        res = results.get(nb, f"{nb}.json was not written")
        if err or isinstance(res, str):
            reason = f"notebook {nb} did not finish: {err}" if err else f"notebook {nb}: {res}"
            m.problems.append(reason)
            for rid in rule_ids:
                m.rules[rid] = _error(reason)
            continue
        findings = res.findings
        for rid in rule_ids:
            r = res.rules.get(rid)
            if r is None:
                reason = f"rule {rid} has no valid status in results/{nb}.json"
                m.problems.append(reason)
                m.rules[rid] = _error(reason)
                continue
            n = sum(1 for f in findings if f.get("rule_id") == rid)
            status, error = r.status, r.error
            if n != r.findings:
                status, error = (
                    "error",
                    (f"results/{nb}.json lists {n} findings for {rid} but reports {r.findings}"),
                )
            elif status == "pass" and n:
                status, error = "error", f"{rid} reports pass with {n} findings"
            m.rules[rid] = _rule(status, n, error)
            if r.seconds is not None:
                m.rule_seconds[rid] = r.seconds
        unexpected = sorted({str(f.get("rule_id")) for f in findings} - set(rule_ids))
        if unexpected:
            m.problems.append(
                f"results/{nb}.json holds findings of rules it should not run: "
                f"{unexpected}; they are ignored"
            )
        for f in findings:
            if f.get("rule_id") in rule_ids:
                m.findings.append(normalise_finding(f, severities))
        for rid, rows in res.observations.items():
            m.observations[rid] = rows
    for rid in skipped:
        m.rules.setdefault(rid, _rule("skipped", 0, "not in this plan"))
    return m


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def gate_rows(data: Any) -> tuple[list[dict[str, Any]] | None, str | None]:
    """``summary["gates"]`` from the ``gates`` list of ``results/snapshot.json``.

    Each row keeps exactly ``GATE_KEYS`` (the ``details`` JSON of ``_audit_gates`` stays
    in the snapshot); messages are scrubbed of anything that looks like personal data
    (defence in depth: the quality package writes table, column and row ids only).
    Returns ``(None, problem)`` when the list is absent or malformed, so the caller can
    say so (the report then shows the failed gates from the findings only).
    """
    from auditlib.report.privacy import scrub_personal

    if not isinstance(data, list):
        return None, "results/snapshot.json has no 'gates' list"
    rows = []
    for i, g in enumerate(data):
        if not isinstance(g, dict) or any(k not in g for k in GATE_KEYS):
            return None, f"results/snapshot.json gates[{i}] lacks one of {list(GATE_KEYS)}"
        n = g["rows_affected"]
        rows.append(
            {
                "gate_id": str(g["gate_id"]),
                "table_name": g["table_name"],
                "status": str(g["status"]),
                "rows_affected": int(n) if _is_number(n) else None,
                "message": scrub_personal(str(g["message"] or "")),
            }
        )
    return rows, None


def normalise_finding(f: Mapping[str, Any], severities: Mapping[str, str]) -> dict[str, Any]:
    """Exactly the findings contract's keys, entity_id a string, the plan's severity."""
    out: dict[str, Any] = {k: f.get(k) for k in FINDING_KEYS}
    out["entity_id"] = str(out["entity_id"])
    out["severity"] = severities.get(str(out["rule_id"]), out["severity"])
    out["evidence"] = out["evidence"] if isinstance(out["evidence"], dict) else {}
    out["message"] = out["message"] or ""
    return out


def held_customers(observations: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """summary.json ``held_customers`` from RET-01's observations (ids as strings)."""
    out = []
    for row in observations.get("RET-01", []):
        if "customer_id" not in row:
            continue
        item = {
            "customer_id": str(row["customer_id"]),
            "hold_ids": [str(h) for h in row.get("hold_ids") or []],
            "deletion_due": row.get("deletion_due"),
        }
        item.update({k: v for k, v in row.items() if k not in item})
        out.append(item)
    return out
