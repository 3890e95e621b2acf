"""The gate registry is the one place gate ids, severities and blocking live (issue 13)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from auditlib.gate_registry import (
    BLOCKING_GATE_IDS,
    GATE_IDS,
    GATE_SEVERITY,
    GATES,
    blocked_tables,
    blocking_unevaluated,
)

SRC = Path(__file__).resolve().parents[1] / "src" / "auditlib"


@dataclass
class Row:
    gate_id: str
    table_name: str
    status: str
    message: str = ""


def test_registry_is_the_toml() -> None:
    data = tomllib.loads((SRC / "data" / "dq_gates.toml").read_text(encoding="utf-8"))
    assert list(data) == list(GATE_IDS) == [f"DQ-0{i}" for i in range(1, 7)]
    assert tuple(g for g, d in data.items() if d["blocking"]) == BLOCKING_GATE_IDS
    assert {g: d["severity"] for g, d in data.items()} == GATE_SEVERITY


def test_data_gates_are_the_suite_gates() -> None:
    from auditlib.quality.gates import DATA_GATES

    assert DATA_GATES == ("DQ-02", "DQ-03", "DQ-04", "DQ-05")


def test_next_step_prose_agrees_with_the_blocking_flag() -> None:
    for g in GATES.values():
        text = g.next_step_text()
        assert text.startswith("Blocking: " if g.blocking else "Not blocking: "), g.id


def test_no_module_retypes_the_gate_ids_or_blocking_set() -> None:
    """A tuple/set of gate ids, or a SQL IN list of them, belongs to the registry only."""
    literal = re.compile(r"""["']DQ-0\d["']\s*[,:]\s*["'](DQ-0\d|critical|high|medium)""")
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if p.name != "gate_registry.py" and literal.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_blocked_tables_is_a_pure_function_of_the_rows() -> None:
    rows = [
        Row("DQ-01", "users", "pass"),
        Row("DQ-02", "users", "fail", "dup key"),
        Row("DQ-03", "users", "fail"),
        Row("DQ-01", "backups", "pass"),
        Row("DQ-03", "backups", "fail"),
        Row("DQ-06", "backups", "skipped"),
        Row("DQ-02", "invoices", "pass"),
    ]
    out = blocked_tables(rows, ["users", "backups", "invoices", "legal_holds"])
    assert out == {
        "users": "DQ-02 fail: dup key",
        "invoices": "DQ-01 was not evaluated for this table",
        "legal_holds": "DQ-01 was not evaluated for this table",
    }


def test_blocking_unevaluated_lists_only_blocking_errors() -> None:
    rows = [
        Row("DQ-01", "users", "error"),
        Row("DQ-03", "users", "error"),
        Row("DQ-06", "users", "fail"),
    ]
    assert [r.gate_id for r in blocking_unevaluated(rows)] == ["DQ-01"]
