"""One POL finding, in the findings contract of spec/audit-rules.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditlib.policy.document import Sentence
from auditlib.policy.quote import quote


@dataclass(frozen=True)
class PolicyFinding:
    rule_id: str
    entity_type: str  # 'policy_section' | 'policy_sentence'
    entity_id: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, severity: str) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": severity,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "message": self.message,
            "evidence": self.evidence,
        }


def on_sentence(rule_id: str, s: Sentence, message: str, **evidence: Any) -> PolicyFinding:
    """A finding on one sentence: entity id is its reference, evidence quotes it."""
    return PolicyFinding(
        rule_id,
        "policy_sentence",
        s.ref,
        message,
        {
            "ref": s.ref,
            "section": s.section,
            "sentence": s.number,
            "quote": quote(s.text),
            **evidence,
        },
    )


def cited(s: Sentence) -> dict[str, Any]:
    return {"ref": s.ref, "quote": quote(s.text)}
