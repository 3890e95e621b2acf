"""``auditlib reperform RUN_DIR``: the rules again, on the run's own snapshot, compared.

The runs here are built as the runner builds them (rules through the engine on a
read-only snapshot, gate findings from ``_audit_gates``, the runner's normalisation,
the plan's severities), sealed and chained; the slow test at the end goes through
``auditlib run`` itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import types
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

import auditlib
from auditlib.cli import main
from auditlib.config import Params
from auditlib.quality.report import GATE_SEVERITY, gate_findings, gate_status
from auditlib.report.chain import seal_and_publish
from auditlib.rules import catalogue_loader
from auditlib.rules.catalogue_loader import load_catalogue, rule_file_digests
from auditlib.rules.engine import evaluate_rules
from auditlib.runner.reperform import reperform
from auditlib.runner.results import normalise_finding
from runner_fixtures import AS_OF, write_snapshot

REPO = Path(__file__).resolve().parents[1]


def build_run(
    archive: Path,
    run_id: str,
    severity_overrides: dict[str, str] | None = None,
    params: Params | None = None,
) -> Path:
    archive.mkdir(parents=True, exist_ok=True)
    snaps = archive / ".snapshots"
    snaps.mkdir(exist_ok=True, mode=0o700)
    snap = write_snapshot(snaps / f"{run_id}.duckdb")
    snap.chmod(0o600)
    params = params or Params()
    sev = {rid: r.severity for rid, r in load_catalogue().items()}
    sev.update(GATE_SEVERITY)
    sev.update(severity_overrides or {})
    as_of = date.fromisoformat(AS_OF)
    with duckdb.connect(str(snap), read_only=True) as con:
        rules: dict[str, Any] = dict(gate_status(con))
        findings = [f.to_dict() for f in gate_findings(con, sev)]
        for r in evaluate_rules(con, as_of, params, severities=sev):
            rules[r.rule.id] = r.summary()
            findings += [f.to_dict() for f in r.findings]
    findings = [normalise_finding(f, sev) for f in findings]
    tmp = archive / f".tmp-{run_id}"
    tmp.mkdir()
    (tmp / "findings.jsonl").write_text("".join(json.dumps(f) + "\n" for f in findings))
    summary = {
        "run_id": run_id,
        "as_of": AS_OF,
        "started_at": "2026-11-24T20:00:00+00:00",
        "finished_at": "2026-11-24T20:01:00+00:00",
        "snapshot": {
            "sha256": hashlib.sha256(snap.read_bytes()).hexdigest(),
            "file": f".snapshots/{run_id}.duckdb",
        },
        "parameters": params.to_dict(),
        "severities": sev,
        "packages": {"duckdb": duckdb.__version__},
        "auditlib": {"version": auditlib.__version__, "git_commit": None},
        "rule_files": rule_file_digests(),
        "rules": rules,
    }
    (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
    return seal_and_publish(tmp, archive / run_id)


def _cli(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(main, list(args))  # click 8.2: output holds stdout and stderr
    return out.exit_code, out.output


@pytest.fixture
def run(tmp_path: Path) -> Path:
    return build_run(tmp_path / "runs", "r1")


def test_untouched_run_is_reperformed_identically_and_read_only(run: Path) -> None:
    snap = run.parent / ".snapshots" / "r1.duckdb"
    before = {
        p: (p.stat().st_mtime_ns, p.read_bytes()) for p in run.parent.rglob("*") if p.is_file()
    }
    listing = sorted(p.relative_to(run.parent) for p in run.parent.rglob("*"))
    code, out = _cli("reperform", str(run))
    assert code == 0, out
    assert "IDENTICAL" in out and "note:" not in out
    rep = reperform(run)
    assert (
        rep.identical and rep.findings == len((run / "findings.jsonl").read_text().splitlines()) > 0
    )
    assert {"DQ-01", "RET-01", "DSR-01", "DSR-05"} <= set(rep.rules)
    after = {
        p: (p.stat().st_mtime_ns, p.read_bytes()) for p in run.parent.rglob("*") if p.is_file()
    }
    assert after == before and snap in after
    assert sorted(p.relative_to(run.parent) for p in run.parent.rglob("*")) == listing


def test_plan_severities_and_parameters_are_the_recorded_ones(tmp_path: Path) -> None:
    params = Params.from_mapping({"dsr_due_soon_days": 3})
    run = build_run(tmp_path / "runs", "r1", {"DSR-05": "low", "DQ-03": "low"}, params)
    assert any(
        json.loads(x)["severity"] == "low"
        for x in (run / "findings.jsonl").read_text().splitlines()
    )
    code, out = _cli("reperform", str(run))
    assert code == 0, out


@pytest.fixture
def changed_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The installed rule files with one changed: a copy of the package's rule folder,
    served to the catalogue loader in place of the package's own."""
    root = tmp_path / "pkg"
    shutil.copytree(
        Path(auditlib.__file__).parent / "rules",
        root / "rules",
        ignore=shutil.ignore_patterns("*.py", "__pycache__"),
    )
    monkeypatch.setattr(
        catalogue_loader, "resources", types.SimpleNamespace(files=lambda _pkg: root)
    )
    load_catalogue.cache_clear()
    yield root / "rules" / "catalogue"
    load_catalogue.cache_clear()


def wrap_sql(rule: Path, before: str, after: str) -> None:
    """Edit the rule file: its ``sql`` wrapped in ``before`` ... ``after``."""
    data = rule.read_text()
    start = data.index("sql = '''") + len("sql = '''")
    end = data.index("'''", start)
    rule.write_text(data[:start] + before + data[start:end] + after + data[end:])


def _findings_of(run: Path, rule_id: str) -> list[dict[str, Any]]:
    return [
        f
        for x in (run / "findings.jsonl").read_text().splitlines()
        if (f := json.loads(x))["rule_id"] == rule_id
    ]


def test_a_changed_rule_file_is_named_and_its_changed_findings_listed(
    run: Path, changed_rules: Path
) -> None:
    recorded = _findings_of(run, "DSR-05")
    assert recorded, "the tiny snapshot must hold a DSR-05 finding"
    # the same rule, now finding nothing: an edit that changes what the run found
    wrap_sql(changed_rules / "DSR-05.toml", "SELECT * FROM (", "\n) WHERE false")
    load_catalogue.cache_clear()
    assert load_catalogue()["DSR-05"].sql.rstrip().endswith("WHERE false")
    code, out = _cli("reperform", str(run))
    assert code == 1, out
    assert "note: rule files differ from the run's: catalogue/DSR-05.toml (changed)" in out
    assert f"DSR-05: 0 added, {len(recorded)} removed, 0 changed" in out
    assert f"removed: request {recorded[0]['entity_id']}:" in out


def test_a_changed_message_is_listed_as_changed(run: Path, changed_rules: Path) -> None:
    recorded = _findings_of(run, "DSR-05")
    wrap_sql(changed_rules / "DSR-05.toml", "SELECT * REPLACE ('edited' AS message) FROM (", "\n)")
    load_catalogue.cache_clear()
    code, out = _cli("reperform", str(run))
    assert code == 1, out
    assert f"DSR-05: 0 added, 0 removed, {len(recorded)} changed" in out
    assert "message: " in out and "-> 'edited'" in out


def test_cannot_without_the_snapshot_or_with_another_one(run: Path) -> None:
    snap = run.parent / ".snapshots" / "r1.duckdb"
    with snap.open("ab") as fh:
        fh.write(b"\0")
    code, out = _cli("reperform", str(run))
    assert code == 2 and "not the data that was audited" in out, out
    snap.unlink()
    code, out = _cli("reperform", str(run))
    assert code == 2 and "is missing" in out


def test_cannot_when_the_run_is_not_intact(run: Path) -> None:
    f = run / "findings.jsonl"
    f.chmod(0o644)
    f.write_text("")  # the finding is gone
    code, out = _cli("reperform", str(run))
    assert code == 2 and "not intact" in out and "changed: findings.jsonl" in out


def test_a_summary_naming_a_snapshot_outside_the_archive_is_refused(tmp_path: Path) -> None:
    from auditlib.report.manifest import ManifestError, snapshot_location

    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "summary.json").write_text(
        json.dumps({"snapshot": {"sha256": "a" * 64, "file": "../../etc/passwd"}})
    )
    with pytest.raises(ManifestError, match="not in <archive>/.snapshots/"):
        snapshot_location(run)


@pytest.mark.slow
def test_auditlib_run_then_reperform_and_verify_the_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through ``auditlib run`` (papermill, the real audit notebooks; the snapshot step
    copies a tiny snapshot): the run is signed, chained and re-performs identically."""
    from auditlib.cli.run import main as run_main
    from runner_fixtures import fake_notebooks

    key = tmp_path / "keys" / "signing.pem"
    key.parent.mkdir()
    assert _cli("keygen", str(key))[0] == 0
    monkeypatch.setenv("AUDITLIB_SIGNING_KEY", str(key))
    snap = write_snapshot(tmp_path / "tiny.duckdb")
    nbs = fake_notebooks(tmp_path / "nbs", snap)
    out = tmp_path / "runs"
    for _ in range(2):
        run_main(
            source=str(tmp_path),
            as_of=date.fromisoformat(AS_OF),
            out=out,
            plan_path=REPO / "audits" / "monthly.toml",
            quiet=True,
            notebooks_dir=nbs,
        )
    runs = sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert len(runs) == 2
    summary = json.loads((runs[0] / "summary.json").read_text())
    assert summary["evidence"]["signed"] is True
    assert summary["rule_files"]["sha256"] == rule_file_digests()["sha256"]
    fp = summary["evidence"]["key_fingerprint"]
    code, text = _cli("verify", "--archive", str(out), "--trusted-key", fp)
    assert code == 0, text
    for r in runs:
        code, text = _cli("reperform", str(r))
        assert code == 0, text
    assert os.environ["AUDITLIB_SIGNING_KEY"] == str(key)
