"""Load rule definitions: ``catalogue/<RULE-ID>.toml``, one file per rule.

A rule file holds the rule's data (id, title, default severity, entity type,
the tables and parameters it uses, the policy sentence it checks in Swedish and
English, the decisions taken where the spec is silent) and its SQL. Adding a
rule touches that one file and its test fixture.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from auditlib.config import SEVERITIES, Params

_REQUIRED = ("id", "title", "severity", "entity_type", "notebook", "tables", "sql", "checks")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    entity_type: str
    notebook: str  # 'retention' | 'subprocessors' | 'dsr'
    tables: tuple[str, ...]  # snapshot tables the SQL reads: their blocking gates decide 'error'
    sql: str  # returns entity_id, message, evidence (STRUCT/JSON); see docs/ARCHITECTURE.md
    checks: str  # what the rule checks, in plain English (method section of the report)
    params: tuple[str, ...] = ()
    policy_sv: str = ""
    policy_en: str = ""
    decisions: tuple[str, ...] = ()  # auditor decisions where the spec is silent
    observations_sql: str | None = None  # optional informational rows (e.g. held customers)
    extra: dict[str, Any] = field(default_factory=dict)


def _parse(text: str, origin: str) -> Rule:
    data = tomllib.loads(text)
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ValueError(f"rule file {origin}: missing keys {missing}")
    if data["severity"] not in SEVERITIES:
        raise ValueError(f"rule file {origin}: severity {data['severity']!r} not in {SEVERITIES}")
    known_params = set(Params.__dataclass_fields__)
    bad = [p for p in data.get("params", []) if p not in known_params]
    if bad:
        raise ValueError(f"rule file {origin}: unknown params {bad}")
    known = set(Rule.__dataclass_fields__)
    return Rule(
        id=data["id"],
        title=data["title"],
        severity=data["severity"],
        entity_type=data["entity_type"],
        notebook=data["notebook"],
        tables=tuple(data["tables"]),
        sql=data["sql"],
        checks=data["checks"],
        params=tuple(data.get("params", ())),
        policy_sv=data.get("policy_sv", ""),
        policy_en=data.get("policy_en", ""),
        decisions=tuple(data.get("decisions", ())),
        observations_sql=data.get("observations_sql"),
        extra={k: v for k, v in data.items() if k not in known},
    )


def _sort_key(rule_id: str) -> tuple[str, int]:
    fam, _, num = rule_id.partition("-")
    return fam, int(num)


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Rule]:
    """All rules, keyed by id, in catalogue order (RET, SUB, DSR; by number)."""
    folder = resources.files("auditlib").joinpath("rules/catalogue")
    rules: dict[str, Rule] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            rule = _parse(entry.read_text(encoding="utf-8"), entry.name)
            if entry.name != f"{rule.id}.toml":
                raise ValueError(f"rule file {entry.name} holds rule {rule.id}")
            rules[rule.id] = rule
    fam_order = {"RET": 0, "SUB": 1, "DSR": 2}
    ordered = sorted(rules, key=lambda r: (fam_order.get(r.split("-")[0], 9), _sort_key(r)))
    return {r: rules[r] for r in ordered}


def rule_file_digests() -> dict[str, object]:
    """sha256 of every file that decides what the rules find: each ``catalogue/<ID>.toml``
    and the shared ``views.sql``; ``sha256`` over all of them (canonical JSON of the map).

    Recorded in summary.json (``rule_files``) so ``auditlib reperform`` can say which rule
    files differ from those of the run it re-performs.
    """
    import hashlib
    import json

    root = resources.files("auditlib").joinpath("rules")
    files: dict[str, str] = {}
    for entry in sorted(root.joinpath("catalogue").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            files[f"catalogue/{entry.name}"] = hashlib.sha256(entry.read_bytes()).hexdigest()
    files["views.sql"] = hashlib.sha256(root.joinpath("views.sql").read_bytes()).hexdigest()
    combined = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    return {"sha256": combined, "files": files}
