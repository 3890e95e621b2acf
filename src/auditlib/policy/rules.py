"""The POL rules: one data file each (``policy/rules/POL-NN.toml``), the registry of them.

A file holds id, title, default severity, entity type, the GDPR article, what the rule
checks and the decisions taken where the GDPR or the spec leaves room, so the report can
explain every finding. The code of each check lives in the module named by
:data:`auditlib.policy.engine.CHECKS`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from auditlib.config import SEVERITIES

ENTITY_TYPES = ("policy_section", "policy_sentence")
_REQUIRED = ("id", "title", "severity", "entity_type", "article", "checks", "decisions")


@dataclass(frozen=True)
class PolicyRule:
    id: str
    title: str
    severity: str
    entity_type: str
    article: str
    checks: str
    decisions: tuple[str, ...]


def _parse(text: str, origin: str) -> PolicyRule:
    data = tomllib.loads(text)
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ValueError(f"policy rule file {origin}: missing keys {missing}")
    if data["severity"] not in SEVERITIES:
        raise ValueError(f"policy rule file {origin}: severity {data['severity']!r}")
    if data["entity_type"] not in ENTITY_TYPES:
        raise ValueError(f"policy rule file {origin}: entity_type {data['entity_type']!r}")
    return PolicyRule(
        data["id"],
        data["title"],
        data["severity"],
        data["entity_type"],
        data["article"],
        data["checks"].strip(),
        tuple(data["decisions"]),
    )


@lru_cache(maxsize=1)
def load_policy_rules() -> dict[str, PolicyRule]:
    """All POL rules by id, in number order."""
    folder = resources.files("auditlib").joinpath("policy/rules")
    rules = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            rule = _parse(entry.read_text(encoding="utf-8"), entry.name)
            if entry.name != f"{rule.id}.toml":
                raise ValueError(f"policy rule file {entry.name} holds rule {rule.id}")
            rules[rule.id] = rule
    return {k: rules[k] for k in sorted(rules, key=lambda r: int(r.split("-")[1]))}
