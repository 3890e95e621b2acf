"""Trend against the previous run of the plan, and the archive index."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from auditlib.cli import main
from auditlib.report import compute_trend, list_runs, render_run, update_archive_index
from test_report_runfactory import make_run


def test_trend_new_resolved_and_still_open(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    make_run(archive, "monthly-1", "2026-10-24T20:00:00+00:00", "first")
    make_run(archive, "weekly-9", "2026-11-20T20:00:00+00:00", "second", plan="weekly")
    current = make_run(archive, "monthly-2", "2026-11-24T20:00:00+00:00", "second")
    trend = compute_trend(archive, current)
    assert trend.previous_run_id == "monthly-1"  # same plan only
    ret = trend.rules["RET-01"]
    assert ret.new == ["23"] and ret.resolved == ["17"] and ret.still_open == ["42"]
    assert trend.rules["DSR-01"].still_open == ["5"]
    # SUB-03 errored in both runs: never counted as resolved or new
    assert not trend.rules["SUB-03"].comparable
    assert trend.totals["resolved"] == 1 and trend.totals["new"] == 1


def test_rule_that_errors_now_does_not_resolve_its_findings(tmp_path: Path) -> None:
    import json

    archive = tmp_path / "runs"
    make_run(archive, "monthly-1", "2026-10-24T20:00:00+00:00", "first")
    current = make_run(archive, "monthly-2", "2026-11-24T20:00:00+00:00", "first")
    summary = json.loads((current / "summary.json").read_text())
    summary["rules"]["RET-01"] = {"status": "error", "findings": 0, "error": "blocked"}
    (current / "summary.json").write_text(json.dumps(summary))
    lines = [
        ln for ln in (current / "findings.jsonl").read_text().splitlines() if '"RET-01"' not in ln
    ]
    (current / "findings.jsonl").write_text("\n".join(lines) + "\n")
    rt = compute_trend(archive, current).rules["RET-01"]
    assert not rt.comparable and rt.resolved == []


def test_previous_run_compares_instants_not_strings(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    make_run(archive, "monthly-old", "2026-11-24T19:00:00Z")
    make_run(archive, "monthly-other-tz", "2026-11-24T21:30:00+02:00")  # 19:30 UTC
    current = make_run(archive, "monthly-now", "2026-11-24T20:00:00+00:00")
    assert compute_trend(archive, current).previous_run_id == "monthly-other-tz"


def test_trend_ignores_temp_dirs_snapshots_and_later_runs(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    make_run(archive, ".tmp-monthly-0", "2026-11-01T20:00:00+00:00")
    (archive / ".snapshots").mkdir()
    make_run(archive, "monthly-3", "2026-12-24T20:00:00+00:00")  # started after the current one
    current = make_run(archive, ".tmp-monthly-2", "2026-11-24T20:00:00+00:00")
    assert compute_trend(archive, current).previous_run_id is None


def test_index_shows_trend(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    make_run(archive, "monthly-1", "2026-10-24T20:00:00+00:00", "first")
    current = make_run(archive, "monthly-2", "2026-11-24T20:00:00+00:00", "second")
    render_run(current, archive)
    html = (current / "index.html").read_text()
    section = html[html.index('id="trend"') : html.index('id="notebooks"')]
    assert 'href="../monthly-1/index.html"' in section
    assert "1 new, 1 resolved" in section


def test_archive_index_lists_runs_newest_first(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    for rid, start in (
        ("monthly-b", "2026-11-24T20:00:00+00:00"),
        ("monthly-a", "2026-09-24T20:00:00+00:00"),
        ("weekly-c", "2026-10-24T20:00:00+00:00"),
    ):
        run = make_run(archive, rid, start, failed_nb=False)
        render_run(run, archive)
    make_run(archive, ".tmp-monthly-z", "2026-12-01T00:00:00+00:00")
    assert [r.run_id for r in list_runs(archive)] == ["monthly-b", "weekly-c", "monthly-a"]
    out = CliRunner().invoke(main, ["archive", "--dir", str(archive)])
    assert out.exit_code == 0, out.output
    html = (archive / "index.html").read_text()
    links = re.findall(r'<a href="([^"]+)"><code>([^<]+)</code>', html)
    assert [name for _, name in links] == ["monthly-b", "weekly-c", "monthly-a"]
    assert links[0][0] == "monthly-b/index.html"
    assert "monthly-z" not in html
    assert update_archive_index(archive) == archive / "index.html"


def test_archive_command_on_missing_dir_exits_2(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["archive", "--dir", str(tmp_path / "nope")])
    assert out.exit_code == 2 and "does not exist" in out.output


def test_archive_index_shows_each_promise_verdict_per_run(tmp_path: Path) -> None:
    """One column per promise: broken where a rule failed, not verified where a rule of it
    errored (SUB-03 in the factory's runs), kept where all its rules passed; decided by
    the same registry as the run's own report."""
    import json

    from auditlib.report.archive_index import archive_rows, promise_columns
    from auditlib.rules.promises import load_promises

    archive = tmp_path / "runs"
    run = make_run(archive, "monthly-1", "2026-10-24T20:00:00+00:00", "first")
    summary = json.loads((run / "summary.json").read_text())
    retention = next(p for p in load_promises() if p.id == "service-deletion")
    for rid in retention.rules:  # this month every retention rule passed
        summary["rules"][rid] = {"status": "pass", "findings": 0, "error": None}
    summary["rules"]["DSR-01"] = {"status": "fail", "findings": 1, "error": None}
    (run / "summary.json").write_text(json.dumps(summary))
    update_archive_index(archive)

    (row,) = archive_rows(archive)
    verdicts = {p["id"]: p["verdict"] for p in row["promises"]}
    assert verdicts["service-deletion"] == "kept"
    assert verdicts["subprocessors-eu-eea"] == "not verified"  # SUB-03 error
    assert verdicts["data-subject-rights"] == "broken"
    reasons = {p["id"]: p["reasons"] for p in row["promises"]}
    assert "SUB-03 error" in reasons["subprocessors-eu-eea"]
    html = (archive / "index.html").read_text()
    labels = [c["label"] for c in promise_columns()]
    assert labels == [f"P{i}" for i in range(1, len(load_promises()) + 1)]
    for p in load_promises():
        assert p.title in html
    cells = re.findall(r'<span class="badge promise-([a-z-]+)"', html)
    assert cells == [verdicts[p.id].replace(" ", "-") for p in load_promises()]
