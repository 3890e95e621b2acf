"""End to end on Spark: ``auditlib run --engine spark`` on the demo export gives exactly the
findings of the DuckDB engine on the same snapshot, and the planted cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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

    # the snapshot, its issues and gates were built by Spark: a Parquet directory
    snap = out / ".snapshots" / f"{run_dir.name}.parquet"
    assert snap.is_dir() and summary["snapshot"]["file"] == f".snapshots/{snap.name}"
    assert summary["snapshot"]["engine"] == "spark"
    assert not (out / ".snapshots" / f"{run_dir.name}.duckdb").exists()
    spark_findings = [
        json.loads(x) for x in (run_dir / "findings.jsonl").read_text("utf-8").splitlines()
    ]

    # The same audit with the default engine, on the same export: exactly the same findings
    # (data rules, data-quality gates and the policy text), in the same order.
    duck_out = tmp_path / "duck-runs"
    assert (
        main(
            source=str(demo_export.out_dir),
            as_of=demo_export.as_of,
            out=duck_out,
            plan_path=REPO / "audits" / "monthly.toml",
            quiet=True,
            jobs=1,
        )
        == 1
    )
    (duck_dir,) = [p for p in duck_out.iterdir() if (p / "summary.json").exists()]
    duck_findings = [
        json.loads(x) for x in (duck_dir / "findings.jsonl").read_text("utf-8").splitlines()
    ]
    assert spark_findings == duck_findings
    assert any(f["rule_id"].startswith("DQ-") for f in spark_findings)
    duck_summary = json.loads((duck_dir / "summary.json").read_text())
    assert summary["gates"] == duck_summary["gates"]
    assert {k: v["status"] for k, v in summary["rules"].items()} == {
        k: v["status"] for k, v in duck_summary["rules"].items()
    }

    # an auditor re-performs the Spark run's rules on DuckDB, from the Parquet Spark wrote
    from auditlib.runner.reperform import reperform

    rep = reperform(run_dir)
    assert rep.identical, rep.rules

    # and the rules on DuckDB over that snapshot agree with the planted ground truth
    from auditlib.snapshot.store import open_snapshot

    plan = load_plan(REPO / "audits" / "monthly.toml")
    with open_snapshot(snap) as con:
        results = evaluate_rules(
            con,
            demo_export.as_of,
            Params.from_mapping(plan.params.to_dict()),
            severities={k: v for k, v in plan.severities.items() if not k.startswith("DQ-")},
        )
    duck = {r.rule.id: [f.to_dict() for f in r.findings] for r in results}
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
