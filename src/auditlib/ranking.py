"""Which findings are the worst: one ranking for the notebooks and the run's index.html.

Severity first (``auditlib.config.SEVERITIES``: critical before info), then the
finding's magnitude, then rule and entity id (a stable order):

- magnitude = the largest number under an evidence key naming days (``days_overdue``,
  ``days_late``, ...): how long a promise has been broken;
- else the largest count (keys naming count, rows, records, customers);
- else the sum of the numbers one level down in nested evidence objects; else 0.

>>> worst = rank_findings([
...     {"rule_id": "RET-01", "severity": "high", "entity_id": "1", "evidence": {"days_overdue": 3}},
...     {"rule_id": "RET-01", "severity": "high", "entity_id": "2", "evidence": {"days_overdue": 40}},
...     {"rule_id": "SUB-05", "severity": "critical", "entity_id": "9", "evidence": {"records": 1}},
... ])
>>> [f["entity_id"] for f in worst]
['9', '2', '1']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from auditlib.config import SEVERITIES

_COUNT_WORDS = ("count", "rows", "records", "customers")


def severity_rank(severity: str | None) -> int:
    """0 for critical ... 4 for info; an unknown severity sorts last."""
    try:
        return SEVERITIES.index(str(severity))
    except ValueError:
        return len(SEVERITIES)


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def magnitude(evidence: Mapping[str, Any] | None) -> float:
    """How bad a finding is within its severity: days late/overdue first, then counts."""
    evidence = evidence if isinstance(evidence, Mapping) else {}
    days = [v for k, v in evidence.items() if "day" in k.lower() and _is_num(v)]
    if days:
        return float(max(days))
    counts = [
        v for k, v in evidence.items() if any(w in k.lower() for w in _COUNT_WORDS) and _is_num(v)
    ]
    if counts:
        return float(max(counts))
    nested = [v for v in evidence.values() if isinstance(v, Mapping)]
    return float(sum(x for d in nested for x in d.values() if _is_num(x)))


def rank_key(finding: Mapping[str, Any]) -> tuple[int, float, str, str]:
    return (
        severity_rank(finding.get("severity")),
        -magnitude(finding.get("evidence")),
        str(finding.get("rule_id")),
        str(finding.get("entity_id")),
    )


def rank_findings(
    findings: Iterable[Mapping[str, Any]], limit: int | None = None
) -> list[Mapping[str, Any]]:
    """``findings`` (finding dicts of the findings contract), worst first."""
    ranked = sorted(findings, key=rank_key)
    return ranked if limit is None else ranked[:limit]
