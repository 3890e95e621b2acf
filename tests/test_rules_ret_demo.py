"""RET-01..09 end to end: demo export -> real snapshot (with gates) -> rules = planted truth.

The demo generator plants every RET case it knows (hits and near misses, see
``auditlib.demo.planted``) and writes them to ``ground_truth.json``; the rules, run by
the engine with the data-quality gates required, must find exactly the hits and none
of the near misses.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from auditlib.config import Params
from auditlib.quality import build_gated_snapshot
from auditlib.rules import evaluate_rules

RET_IDS = [f"RET-0{i}" for i in range(1, 10)]


@pytest.mark.slow
def test_ret_rules_find_exactly_the_planted_cases(demo_export: Any, tmp_path: Path) -> None:
    snap = tmp_path / "snap.duckdb"
    build_gated_snapshot(str(demo_export.out_dir), snap, key=b"ret-demo-test-key-0123456789abcdef")
    truth = json.loads(Path(demo_export.ground_truth_path).read_text(encoding="utf-8"))
    con = duckdb.connect(str(snap), read_only=True)
    try:
        results = evaluate_rules(
            con,
            date.fromisoformat(truth["as_of"]),
            Params.from_mapping(truth["params"]),
            rule_ids=RET_IDS,
        )
    finally:
        con.close()
    problems = []
    for r in results:
        want = {e["entity_id"] for e in truth["expected"] if e["rule_id"] == r.rule.id}
        near = {e["entity_id"] for e in truth["near_misses"] if e["rule_id"] == r.rule.id}
        got = {f.entity_id for f in r.findings}
        if r.status == "error":
            problems.append(f"{r.rule.id}: error {r.error}")
        if got != want:
            problems.append(
                f"{r.rule.id}: missing {sorted(want - got)}, extra {sorted(got - want)}"
            )
        if got & near:
            problems.append(f"{r.rule.id}: near misses flagged {sorted(got & near)}")
    assert problems == []
    assert all(any(e["rule_id"] == rid for e in truth["expected"]) for rid in RET_IDS)
