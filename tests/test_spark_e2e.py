"""End to end on Spark: ``auditlib run --engine spark`` on the demo export gives exactly the
findings of the DuckDB engine on the same snapshot, and the planted cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from auditlib.config import Params

REPO = Path(__file__).resolve().parents[1]
KEY = "spark-e2e-test-key-0123456789abcdef"


@pytest.mark.slow
@pytest.mark.spark
def test_spark_run_gives_the_duckdb_findings(
    demo_export: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyspark")
    from auditlib.cli.run import main
    from auditlib.rules import evaluate_rules
    from auditlib.runner.plan import load_plan

    monkeypatch.setenv("AUDITLIB_PSEUDONYM_KEY", KEY)
    out = tmp_path / "runs"
    code = main(
        source=str(demo_export.out_dir),
        as_of=demo_export.as_of,
        out=out,
        plan_path=REPO / "audits" / "monthly.toml",
        quiet=True,
        engine="spark",
        jobs=1,
    )
    (run_dir,) = [p for p in out.iterdir() if (p / "summary.json").exists()]
    summary = json.loads((run_dir / "summary.json").read_text())
    statuses = {n: nb["status"] for n, nb in summary["notebooks"].items()}
    for nb in ("snapshot", "retention", "subprocessors", "dsr"):
        assert statuses[nb] == "ok", (nb, summary["notebooks"][nb])
    assert code == 1  # the demo plants findings; no rule errored
    engine = summary["engine"]
    assert engine["name"] == "spark"
    for nb in ("retention", "subprocessors", "dsr"):
        ran = engine["notebooks"][nb]
        assert ran["engine"] == "spark" and ran["master"].startswith("local")
        assert ran["spark_version"].split(".")[0] >= "3"

    spark_findings = [
        json.loads(x) for x in (run_dir / "findings.jsonl").read_text("utf-8").splitlines()
    ]
    # the same rules on DuckDB, on the snapshot this run kept
    plan = load_plan(REPO / "audits" / "monthly.toml")
    snap = out / ".snapshots" / f"{run_dir.name}.duckdb"
    with duckdb.connect(str(snap), read_only=True) as con:
        results = evaluate_rules(
            con,
            demo_export.as_of,
            Params.from_mapping(plan.params.to_dict()),
            severities={k: v for k, v in plan.severities.items() if not k.startswith("DQ-")},
        )
    duck = {r.rule.id: [f.to_dict() for f in r.findings] for r in results}
    # gate (DQ-*) and policy-text (POL-*) findings do not come from the rule engines
    spark_findings = [f for f in spark_findings if f["rule_id"] in duck]
    for rule_id, expected in duck.items():
        got = [f for f in spark_findings if f["rule_id"] == rule_id]
        assert got == json.loads(json.dumps(expected)), rule_id
        assert summary["rules"][rule_id]["status"] == ("fail" if expected else "pass")
    truth = json.loads(Path(demo_export.ground_truth_path).read_text())
    expected = {(e["rule_id"], e["entity_id"]) for e in truth["expected"]}
    near = {(e["rule_id"], e["entity_id"]) for e in truth["near_misses"]}
    got = {(f["rule_id"], f["entity_id"]) for f in spark_findings}
    expected = {(r, e) for r, e in expected if r in duck}
    near = {(r, e) for r, e in near if r in duck}
    assert sorted(expected - got) == [], "planted cases not found on Spark"
    assert sorted(got & near) == [], "near misses reported on Spark"
