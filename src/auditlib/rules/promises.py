"""The privacy policy's promises and the rules that test each: ``data/promises.toml``.

One registry: the report's verdict per promise, the findings view and the
spreadsheets read the promise of a rule from here, never from a list retyped
elsewhere. :func:`promise_verdict` decides one verdict per promise, fail closed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

KEPT, BROKEN, NOT_VERIFIED = "kept", "broken", "not verified"
# A rule of this severity with findings is a warning, not a breach (DSR-06: due soon).
WARNING_SEVERITIES = frozenset({"info"})


@dataclass(frozen=True)
class Promise:
    id: str
    title: str
    policy_sv: str
    policy_en: str
    rules: tuple[str, ...]


class PromiseError(ValueError):
    """``promises.toml`` is inconsistent with the rule catalogue."""


@lru_cache(maxsize=1)
def load_promises() -> tuple[Promise, ...]:
    """The promises in the order of the file; every catalogue rule in exactly one."""
    from auditlib.rules.catalogue_loader import load_catalogue

    text = resources.files("auditlib").joinpath("data/promises.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    out = tuple(
        Promise(
            id=p["id"],
            title=p["title"],
            policy_sv=p.get("policy_sv", ""),
            policy_en=p.get("policy_en", ""),
            rules=tuple(p["rules"]),
        )
        for p in data.get("promise", [])
    )
    catalogue = load_catalogue()
    seen: dict[str, str] = {}
    for p in out:
        for rid in p.rules:
            if rid not in catalogue:
                raise PromiseError(f"data/promises.toml: promise {p.id} names unknown rule {rid}")
            if rid in seen:
                raise PromiseError(
                    f"data/promises.toml: rule {rid} is in promises {seen[rid]} "
                    f"and {p.id}; a rule tests one promise"
                )
            seen[rid] = p.id
    missing = [rid for rid in catalogue if rid not in seen]
    if missing:
        raise PromiseError(f"data/promises.toml: rules {missing} belong to no promise")
    return out


def promise_of(rule_id: str) -> Promise | None:
    """The promise a rule tests (None for the data-quality gates DQ-*)."""
    for p in load_promises():
        if rule_id in p.rules:
            return p
    return None


def promise_verdict(
    rule_status: dict[str, str], severities: dict[str, str], promise: Promise
) -> tuple[str, list[str]]:
    """(verdict, reasons) of one promise from the run's rule statuses.

    ``not verified`` when any of its rules is not ``pass``/``fail`` (error, skipped, not
    run, unknown); ``broken`` when a rule above ``info`` failed; else ``kept``.
    """
    reasons: list[str] = []
    unknown = [r for r in promise.rules if rule_status.get(r) not in ("pass", "fail")]
    if unknown:
        for r in unknown:
            reasons.append(f"{r} {rule_status.get(r) or 'not run'}")
        return NOT_VERIFIED, reasons
    breaches = [
        r
        for r in promise.rules
        if rule_status[r] == "fail" and severities.get(r) not in WARNING_SEVERITIES
    ]
    if breaches:
        return BROKEN, [f"{r} failed" for r in breaches]
    warnings = [
        f"{r} has findings (severity {severities.get(r)}: a warning)"
        for r in promise.rules
        if rule_status[r] == "fail"
    ]
    return KEPT, warnings


def promise_rows(summary: dict[str, Any], catalogue: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per promise for the report: texts, its rules with status and counts, verdict."""
    rules: dict[str, Any] = summary.get("rules") or {}
    severities: dict[str, str] = {
        rid: str(
            (summary.get("severities") or {}).get(rid)
            or getattr(catalogue.get(rid), "severity", "")
        )
        for rid in catalogue
    }
    status = {rid: str((rules.get(rid) or {}).get("status") or "not run") for rid in catalogue}
    out = []
    for p in load_promises():
        verdict, reasons = promise_verdict(status, severities, p)
        out.append(
            {
                "id": p.id,
                "title": p.title,
                "policy_sv": p.policy_sv,
                "policy_en": p.policy_en,
                "verdict": verdict,
                "reasons": reasons,
                "rules": [
                    {
                        "id": rid,
                        "title": getattr(catalogue.get(rid), "title", ""),
                        "severity": severities.get(rid, ""),
                        "status": status[rid],
                        "findings": (rules.get(rid) or {}).get("findings", ""),
                    }
                    for rid in p.rules
                ],
            }
        )
    return out
