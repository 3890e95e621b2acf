"""The policy in a run: plan key, Policy section of the report, trend on the text, a real run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from auditlib.config import Params
from auditlib.policy import audit_document, parse_policy
from auditlib.report import render_run
from auditlib.runner.plan import PlanError, load_plan
from policy_copies import published_text

REPO = Path(__file__).resolve().parents[1]


def test_monthly_plan_names_the_published_policy() -> None:
    plan = load_plan(REPO / "audits" / "monthly.toml")
    assert plan.policy == (REPO / "audits" / "policy" / "integritetspolicy.txt").resolve()
    assert plan.policy.read_text(encoding="utf-8") == published_text()


def test_plan_policy_is_relative_to_the_plan_and_must_exist(tmp_path: Path) -> None:
    (tmp_path / "pol").mkdir()
    (tmp_path / "pol" / "p.md").write_text("# P\n\nText.\n", encoding="utf-8")
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'name = "p"\npolicy = "pol/p.md"\n[severities]\n"POL-07" = "medium"\n', encoding="utf-8"
    )
    loaded = load_plan(plan)
    assert loaded.policy == (tmp_path / "pol" / "p.md").resolve()
    assert loaded.severities == {"POL-07": "medium"}
    plan.write_text('name = "p"\npolicy = "pol/missing.md"\n', encoding="utf-8")
    with pytest.raises(PlanError, match="key 'policy'"):
        load_plan(plan)


def _run_dir(archive: Path, run_id: str, started: str, text: str) -> Path:
    run = archive / run_id
    (run / "policy").mkdir(parents=True)
    (run / "policy" / "integritetspolicy.txt").write_text(text, encoding="utf-8")
    audit = audit_document(parse_policy(text), Params(), date(2026, 12, 1))
    rules = {
        rid: {"status": o.status, "findings": len(o.findings), "error": None}
        for rid, o in audit.outcomes.items()
    }
    (run / "summary.json").write_text(
        json.dumps(
            {
                "run_id": run_id,
                "plan": {"name": "monthly"},
                "as_of": "2026-12-01",
                "started_at": started,
                "rules": rules,
                "verdict": "fail",
                "exit_status": 1,
                "policy": {**audit.describe(), "file": "policy/integritetspolicy.txt"},
            }
        ),
        encoding="utf-8",
    )
    (run / "findings.jsonl").write_text(
        "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in audit.findings), encoding="utf-8"
    )
    return run


def _section(index: str) -> str:
    return index[index.index('<section id="policy">') : index.index('<section id="trend">')]


def test_report_policy_section_quotes_sentences_and_tracks_text_changes(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    text = published_text()
    first = _run_dir(archive, "r1", "2026-12-01T10:00:00+00:00", text)
    render_run(first, archive)
    sec = _section((first / "index.html").read_text(encoding="utf-8"))
    assert "Datainspektionen" in sec and "POL-04" in sec and 'id="method-POL-11"' in sec
    assert "changed since" not in sec and "unchanged" not in sec  # nothing to compare with

    same = _run_dir(archive, "r2", "2026-12-02T10:00:00+00:00", text)
    render_run(same, archive)
    assert "The policy text is unchanged since the previous run" in (same / "index.html").read_text(
        encoding="utf-8"
    )

    changed_text = text.replace(
        "Besöker du hemsidan", "Mejla dpo@netdialog.se om du besöker hemsidan och"
    )
    changed = _run_dir(archive, "r3", "2026-12-03T10:00:00+00:00", changed_text)
    render_run(changed, archive)
    index = (changed / "index.html").read_text(encoding="utf-8")
    assert "The policy text changed since the previous run" in index
    assert "dpo@netdialog.se" not in index
    rules_table = index[
        index.index('<section id="rules">') : index.index('<section id="findings">')
    ]
    assert "POL-01" in rules_table and "Information the GDPR requires" in rules_table


@pytest.mark.slow
def test_run_with_a_plan_naming_the_policy(tmp_path: Path) -> None:
    """The real policy notebook through papermill; the audit notebooks on a tiny snapshot."""
    from auditlib.hashing import sha256_file
    from runner_fixtures import fake_notebooks, run_fake, write_snapshot

    snap = write_snapshot(tmp_path / "tiny.duckdb")
    nbs = fake_notebooks(tmp_path / "nbs", snap)
    (tmp_path / "p").mkdir()
    policy = tmp_path / "p" / "policy.md"
    policy.write_text(
        "# Integritetspolicy\n\n" + published_text().split("\n", 3)[3], encoding="utf-8"
    )
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'name = "t"\nnotebooks = ["snapshot", "dsr"]\npolicy = "p/policy.md"\n'
        "[execution]\ntimeout_seconds = 600\ncell_timeout_seconds = 300\n"
        "parallelism = 2\n",
        encoding="utf-8",
    )
    code, archive = run_fake(tmp_path, nbs, plan)
    (run,) = [p for p in archive.iterdir() if (p / "summary.json").exists()]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["notebooks"]["policy"]["status"] == "ok", summary["notebooks"]["policy"]
    assert code == summary["exit_status"] == 1
    assert summary["policy"]["sha256"] == sha256_file(policy)
    assert summary["policy"]["format"] == "markdown" and summary["policy"]["file"] == (
        "policy/policy.md"
    )
    pol_rules = {r: v for r, v in summary["rules"].items() if r.startswith("POL-")}
    assert len(pol_rules) == 11 and {v["status"] for v in pol_rules.values()} <= {"pass", "fail"}
    findings = [json.loads(x) for x in (run / "findings.jsonl").read_text().splitlines()]
    assert (
        sum(f["rule_id"].startswith("POL-") for f in findings)
        == sum(v["findings"] for v in pol_rules.values())
        > 0
    )
    manifest = json.loads((run / "manifest.json").read_text())["files"]
    assert {"policy/policy.md", "results/policy.json", "notebooks/policy.ipynb"} <= set(manifest)
    assert 'id="policy"' in (run / "index.html").read_text()
    nb = json.loads((REPO / "notebooks" / "policy.ipynb").read_text())  # committed clean
    assert all(
        c.get("outputs", []) == [] and c.get("execution_count") is None
        for c in nb["cells"]
        if c["cell_type"] == "code"
    )
    assert (REPO / "src" / "auditlib" / "notebooks" / "policy.ipynb").is_file()  # packaged


def test_reperform_repeats_the_policy_rules_on_the_runs_copy(tmp_path: Path) -> None:
    from auditlib.runner.policy_step import reperform_policy

    run = _run_dir(tmp_path / "runs", "r1", "2026-12-01T10:00:00+00:00", published_text())
    summary = json.loads((run / "summary.json").read_text())
    recorded = [json.loads(x) for x in (run / "findings.jsonl").read_text().splitlines()]
    ids = [r for r in summary["rules"]]
    statuses, findings, notes = reperform_policy(run, summary, date(2026, 12, 1), Params(), {}, ids)
    assert findings == recorded and notes == []
    assert statuses == {r: v["status"] for r, v in summary["rules"].items()}
    (run / "policy" / "integritetspolicy.txt").unlink()
    statuses, findings, notes = reperform_policy(run, summary, date(2026, 12, 1), Params(), {}, ids)
    assert set(statuses.values()) == {"error"} and findings == [] and notes
