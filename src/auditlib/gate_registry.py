"""The data-quality gates DQ-01..06: one registry, loaded from ``data/dq_gates.toml``.

Every module takes gate ids, titles, severities, whether a gate blocks and its next step
from here (the gates, the engine, the runner, the report, the snapshot CLI); nothing
retypes them. The blocking decision is a pure function over gate rows
(:func:`blocked_tables`), so any backend that produces ``_audit_gates`` rows (DuckDB
today, another engine tomorrow) gets the same verdict.

>>> GATE_IDS
('DQ-01', 'DQ-02', 'DQ-03', 'DQ-04', 'DQ-05', 'DQ-06')
>>> BLOCKING_GATE_IDS
('DQ-01', 'DQ-02', 'DQ-06')
>>> GATES["DQ-03"].next_step_text()
'Not blocking: rules still run; orphans may be what a half-done deletion left behind'
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

# A gate row with one of these statuses does not block: ``skipped`` is only DQ-06 without a
# manifest (a live source), which is a documented reason, not an unevaluated check.
OK_STATUSES = frozenset({"pass", "skipped"})


@dataclass(frozen=True)
class Gate:
    id: str
    title: str
    severity: str
    blocking: bool
    checks: str
    next_step: str
    must_pass: bool = False  # a table without a ``pass`` row of this gate is blocked

    def next_step_text(self) -> str:
        """The sentence appended to a failed gate's message ("Blocking: ..." / "Not blocking: ...")."""
        return f"{'Blocking' if self.blocking else 'Not blocking'}: {self.next_step}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "blocking": self.blocking,
            "checks": self.checks,
            "next_step": self.next_step,
        }


@lru_cache(maxsize=1)
def load_gates() -> dict[str, Gate]:
    """gate id -> :class:`Gate`, in file order (DQ-01 .. DQ-06)."""
    text = resources.files("auditlib").joinpath("data/dq_gates.toml").read_text(encoding="utf-8")
    out: dict[str, Gate] = {}
    for gid, d in tomllib.loads(text).items():
        out[gid] = Gate(
            id=gid,
            title=d["title"],
            severity=d["severity"],
            blocking=bool(d["blocking"]),
            checks=d["checks"],
            next_step=d["next_step"],
            must_pass=bool(d.get("must_pass", False)),
        )
    return out


GATES = load_gates()
GATE_IDS: tuple[str, ...] = tuple(GATES)
BLOCKING_GATE_IDS: tuple[str, ...] = tuple(g for g, v in GATES.items() if v.blocking)
GATE_SEVERITY: dict[str, str] = {g: v.severity for g, v in GATES.items()}


class GateRowLike(Protocol):
    gate_id: str
    table_name: str
    status: str
    message: str


def blocked_tables(rows: Iterable[GateRowLike], tables: Iterable[str]) -> dict[str, str]:
    """table -> reason, for the ``tables`` whose blocking gates failed or were never evaluated.

    Pure: ``rows`` are ``_audit_gates`` rows from any backend. A blocking gate whose row is
    not ``pass``/``skipped`` blocks; so does a ``must_pass`` gate (DQ-01) without a ``pass``
    row for the table (fail closed: not evaluated is not trusted).
    """
    by_table: dict[str, list[GateRowLike]] = {}
    for r in rows:
        if r.gate_id in BLOCKING_GATE_IDS:
            by_table.setdefault(r.table_name, []).append(r)
    required = [g for g in BLOCKING_GATE_IDS if GATES[g].must_pass]
    out: dict[str, str] = {}
    for t in tables:
        mine = by_table.get(t, [])
        bad = [
            f"{r.gate_id} {r.status}: {r.message or ''}".strip()
            for r in mine
            if r.status not in OK_STATUSES
        ]
        if bad:
            out[t] = "; ".join(bad)
            continue
        for g in required:
            if not any(r.gate_id == g and r.status == "pass" for r in mine):
                out[t] = f"{g} was not evaluated for this table"
                break
    return out


def blocking_unevaluated(rows: Iterable[GateRowLike]) -> list[GateRowLike]:
    """The rows of blocking gates that could not be evaluated (status ``error``)."""
    return [r for r in rows if r.gate_id in BLOCKING_GATE_IDS and r.status == "error"]
