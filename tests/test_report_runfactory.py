"""Builders of realistic synthetic run directories for the report tests (no runner needed).

Kept in a test_report_* module so the report area owns it; it holds one smoke test.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

XSS = "<script>alert(1)</script>"
PERSONAL_VALUES = ("anna.svensson@example.se", "10.20.30.40", "+46701234567", "Anna Svensson")


def _png() -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1.5))
    fig.add_subplot().bar(["a", "b"], [3, 5])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def ok_notebook() -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_markdown_cell("# Retention audit\nRules RET-01..09 as of the run's day."),
            new_code_cell("as_of = '2026-11-24'", metadata={"tags": ["injected-parameters"]}),
            new_code_cell(
                "SECRET_CODE_MARKER = plot_findings()",
                outputs=[
                    new_output(
                        "display_data", data={"image/png": _png(), "text/plain": "<Figure>"}
                    ),
                    new_output("stream", name="stdout", text="RET-01: 2 findings\n"),
                ],
            ),
        ]
    )


def failed_notebook() -> nbformat.NotebookNode:
    """As papermill leaves a notebook whose cell raised: banner + anchor + error output."""
    style = 'style="color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;"'
    banner = new_markdown_cell(
        f"<span {style}>An Exception was encountered at "
        "'<a href=\"#papermill-error-cell\">In [2]</a>'.</span>",
        metadata={"tags": ["papermill-error-cell-tag"]},
    )
    anchor = new_markdown_cell(
        f'<span id="papermill-error-cell" {style}>Execution using papermill encountered an '
        "exception here and stopped:</span>",
        metadata={"tags": ["papermill-error-cell-tag"]},
    )
    err = new_output(
        "error",
        ename="CatalogException",
        evalue="Table subprocessors does not exist",
        traceback=["\x1b[31mCatalogException\x1b[0m: Table subprocessors does not exist"],
    )
    return new_notebook(
        cells=[
            banner,
            new_markdown_cell("# Subprocessors audit"),
            anchor,
            new_code_cell("run_sub_rules()", outputs=[err], execution_count=2),
        ]
    )


def rules_status() -> dict[str, dict[str, Any]]:
    from auditlib.rules import load_catalogue

    rules: dict[str, dict[str, Any]] = {}
    for gid in ("DQ-01", "DQ-02", "DQ-03", "DQ-04", "DQ-05", "DQ-06"):
        rules[gid] = {"status": "pass", "findings": 0, "error": None}
    rules["DQ-06"] = {"status": "skipped", "findings": 0, "error": "no manifest"}
    rules["DQ-03"] = {"status": "fail", "findings": 1, "error": None}
    for rid in load_catalogue():
        rules[rid] = {"status": "pass", "findings": 0, "error": None}
    return rules


def make_findings(kind: str = "first") -> list[dict[str, Any]]:
    """Findings of a run; ``second`` fixes customer 17 (RET-01) and adds customer 23."""
    f = [
        {
            "rule_id": "DQ-03",
            "severity": "medium",
            "entity_type": "table",
            "entity_id": "message_deliveries",
            "message": "3 orphan rows",
            "evidence": {"rows_affected": 3, "column": "recipient_id"},
        },
        {
            "rule_id": "RET-01",
            "severity": "critical",
            "entity_type": "customer",
            "entity_id": "42",
            "message": "customer 42 ended 2026-01-31, data still held",
            "evidence": {
                "rows_per_table": {"users": 4, "messages": 12},
                "relationship_end": "2026-01-31",
                "deletion_due": "2026-02-28",
                "days_overdue": 269,
                # must never reach the HTML (the engine would refuse these keys):
                "contact_email": PERSONAL_VALUES[0],
                "ip_address": PERSONAL_VALUES[1],
                "phone": PERSONAL_VALUES[2],
                "full_name": PERSONAL_VALUES[3],
                "subject_email_hmac": "ab" * 32,
            },
        },
        {
            "rule_id": "SUB-01",
            "severity": "critical",
            "entity_type": "subprocessor",
            "entity_id": "7",
            "message": f"subprocessor {XSS} has locations outside the EU/EEA",
            "evidence": {"countries": ["US"], "kinds": ["storage"]},
        },
        {
            "rule_id": "DSR-01",
            "severity": "high",
            "entity_type": "request",
            "entity_id": "5",
            "message": "answered 12 days late",
            "evidence": {
                "received": "2026-09-01",
                "due": "2026-10-01",
                "days_late": 12,
                "extension_used": False,
            },
        },
    ]
    if kind == "first":
        f.insert(
            2,
            {
                "rule_id": "RET-01",
                "severity": "critical",
                "entity_type": "customer",
                "entity_id": "17",
                "message": "customer 17 ended, data still held",
                "evidence": {"days_overdue": 40},
            },
        )
    else:
        f.insert(
            2,
            {
                "rule_id": "RET-01",
                "severity": "critical",
                "entity_type": "customer",
                "entity_id": "23",
                "message": "customer 23 ended, data still held",
                "evidence": {"days_overdue": 3},
            },
        )
    return f


def make_run(
    archive: Path,
    run_id: str,
    started_at: str,
    kind: str = "first",
    plan: str = "monthly",
    failed_nb: bool = True,
) -> Path:
    """Write a complete run directory ``archive/run_id`` as the runner would, minus reports."""
    run = archive / run_id
    (run / "notebooks").mkdir(parents=True)
    (run / "results").mkdir()
    findings = make_findings(kind)
    rules = rules_status()
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["rule_id"]] = counts.get(f["rule_id"], 0) + 1
    for rid, n in counts.items():
        rules[rid] = {"status": "fail", "findings": n, "error": None}
    rules["SUB-03"] = {
        "status": "error",
        "findings": 0,
        "error": f"blocked by data-quality gate: table subprocessors: <b>{XSS}</b>",
    }
    summary = {
        "run_id": run_id,
        "plan": {"name": plan, "path": f"audits/{plan}.toml", "sha256": "c" * 64},
        "as_of": "2026-11-24",
        "started_at": started_at,
        "finished_at": started_at,
        "user": "auditor",
        "host": "workbench",
        "source": {
            "kind": "postgres",
            "conninfo": "host=db dbname=one2many user=auditor password=hunter2",
            "password": "hunter2",
            "fingerprint": "f" * 64,
        },
        "snapshot": {
            "sha256": hashlib.sha256(b"snapshot bytes").hexdigest(),
            "file": f".snapshots/{run_id}.duckdb",
            "snapshot_time": started_at,
            "rows": {"users": 120, "customers": 30},
            "key_fingerprint": "e" * 16,
            "key_source": "random",
        },
        "parameters": {
            "offboarding_grace_months": 1,
            "dsr_due_soon_days": 7,
            "allowed_countries": ["AT", "SE"],
            "notice_required_since": "2018-05-25",
        },
        "severities": {},
        "packages": {"duckdb": "1.5.5"},
        "auditlib": {"version": "0.1.0", "git_commit": "abc1234"},
        "notebooks": {
            "retention": {
                "status": "ok",
                "seconds": 3.2,
                "error": None,
                "output": "notebooks/retention.ipynb",
            },
        },
        "rules": rules,
        "rule_seconds": {"RET-01": 0.0123, "DQ-03": 1.5},
        "held_customers": [{"customer_id": "9", "hold_ids": ["3"], "deletion_due": "2026-03-01"}],
        "gates": [
            {"gate_id": g, "table_name": t, "status": "pass", "rows_affected": 0, "message": ""}
            for g in ("DQ-01", "DQ-02", "DQ-04", "DQ-05")
            for t in ("users", "message_deliveries")
        ]
        + [
            {
                "gate_id": "DQ-03",
                "table_name": "message_deliveries",
                "status": "fail",
                "rows_affected": 3,
                "message": "3 rows reference a missing recipient",
            },
            {
                "gate_id": "DQ-06",
                "table_name": "users",
                "status": "skipped",
                "rows_affected": None,
                "message": "no manifest: live database",
            },
        ],
        "problems": ["results/dsr.json is missing: the notebook did not finish"],
        "verdict": "error",
        "exit_status": 2,
    }
    nbformat.write(ok_notebook(), str(run / "notebooks" / "retention.ipynb"))
    if failed_nb:
        summary["notebooks"]["subprocessors"] = {
            "status": "error",
            "seconds": 1.0,
            "error": "CatalogException in cell 2",
            "output": "notebooks/subprocessors.ipynb",
        }
        nbformat.write(failed_notebook(), str(run / "notebooks" / "subprocessors.ipynb"))
    (run / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (run / "findings.jsonl").write_text(
        "".join(json.dumps(f) + "\n" for f in findings), encoding="utf-8"
    )
    (run / "results" / "retention.json").write_text(
        json.dumps({"notebook": "retention", "rules": {}, "findings": findings, "observations": {}})
    )
    (run / "run.log").write_text("run started\nrun finished\n", encoding="utf-8")
    return run


def test_make_run_writes_the_input_contract(tmp_path: Path) -> None:
    run = make_run(tmp_path, "monthly-1", "2026-11-24T20:00:00+00:00")
    assert json.loads((run / "summary.json").read_text())["rules"]["RET-01"]["findings"] == 2
    assert len((run / "findings.jsonl").read_text().splitlines()) == 5
