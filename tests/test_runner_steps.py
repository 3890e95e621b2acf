"""The notebook steps on a tiny snapshot file: rules per notebook, result files, charts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditlib import steps as nb
from auditlib.runner.results import FINDING_KEYS
from auditlib.steps import charts
from auditlib.steps.results import FORMAT_VERSION, read_result
from runner_fixtures import AS_OF, write_snapshot


@pytest.fixture()
def snapshot(tmp_path: Path) -> Path:
    return write_snapshot(tmp_path / "snap.duckdb")


def test_run_audit_writes_the_result_contract(snapshot: Path, tmp_path: Path) -> None:
    view = nb.run_audit("dsr", snapshot, AS_OF, tmp_path / "results", {}, {"DSR-05": "high"})
    data = json.loads((tmp_path / "results" / "dsr.json").read_text())
    assert data["notebook"] == "dsr" and data["as_of"] == AS_OF
    assert data["format_version"] == FORMAT_VERSION
    assert set(data["environment"]) == {"auditlib", "python", "executable", "prefix"}
    typed = read_result(tmp_path / "results" / "dsr.json")
    assert typed.rules["DSR-05"].findings == 1 and typed.as_of == AS_OF
    assert set(data["rules"]) == {r.id for r in nb.rules_for("dsr")}
    for r in data["rules"].values():
        assert set(r) == {"status", "findings", "error", "severity", "seconds"}
        assert r["status"] != "error", r["error"]
    assert data["rules"]["DSR-05"] == {
        **data["rules"]["DSR-05"],
        "status": "fail",
        "findings": 1,
        "severity": "high",
    }
    (f,) = [f for f in data["findings"] if f["rule_id"] == "DSR-05"]
    assert tuple(f) == FINDING_KEYS and f["entity_id"] == "1" and f["severity"] == "high"
    assert view.rules().loc["DSR-05", "status"] == "fail"
    worst = view.worst_cases(5)
    assert list(worst["entity_id"]) == ["1"]
    assert "message" not in worst.columns  # ids and dates only


def test_snapshot_is_opened_read_only(snapshot: Path, tmp_path: Path) -> None:
    snapshot.chmod(0o400)
    view = nb.run_audit("retention", snapshot, AS_OF)
    assert all(r.status != "error" for r in view.results), view.rules()["error"].tolist()
    assert view.held_customers().empty


def test_blocked_gates_make_every_rule_error(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "bad.duckdb", gate_status="fail")
    view = nb.run_audit("subprocessors", snap, AS_OF, result_dir=tmp_path)
    assert {r.status for r in view.results} == {"error"}
    data = json.loads((tmp_path / "subprocessors.json").read_text())
    assert all("blocked by data-quality gate" in r["error"] for r in data["rules"].values())


def test_unknown_notebook_and_parameter_are_refused(snapshot: Path) -> None:
    with pytest.raises(ValueError, match="unknown audit notebook"):
        nb.run_audit("gdpr", snapshot, AS_OF)
    with pytest.raises(ValueError, match="unknown rule parameter"):
        nb.run_audit("dsr", snapshot, AS_OF, None, {"grace": 1})


def test_charts_render_from_small_queries(snapshot: Path) -> None:
    for name, chart in (
        ("retention", charts.retention_overdue),
        ("subprocessors", charts.transfers_chart),
        ("dsr", charts.dsr_answer_time_chart),
    ):
        view = nb.run_audit(name, snapshot, AS_OF)
        c = chart(view)
        assert c.axes, name
        assert c._repr_png_().startswith(b"\x89PNG"), name  # how a notebook shows it
    times = charts.dsr_answer_times(nb.run_audit("dsr", snapshot, AS_OF))
    # received Fri 2 May 2025 -> due_1m = Mon 2 June 2025; answered on 20 May
    assert list(times["days_to_answer"]) == [18, 18]
    assert str(times["due"].iloc[0])[:10] == "2025-06-02"


@pytest.mark.slow
def test_run_snapshot_writes_gates_and_a_private_file(demo_export: object, tmp_path: Path) -> None:
    out = tmp_path / "snaps" / "s.duckdb"
    view = nb.run_snapshot(
        str(demo_export.out_dir), str(out), demo_export.as_of, str(tmp_path / "results")
    )
    assert out.stat().st_mode & 0o777 == 0o600
    data = json.loads((tmp_path / "results" / "snapshot.json").read_text())
    assert set(data["rules"]) == {f"DQ-0{i}" for i in range(1, 7)}
    assert data["snapshot"]["sha256"] == view.sha256
    assert data["snapshot"]["gates_seconds"] > 0 and data["snapshot"]["extract_seconds"] > 0
    assert sum(v or 0 for v in data["snapshot"]["rows"].values()) > 0
    assert data["source"]["kind"] == "export"
    assert len(view.tables) == 18 and not view.gates.empty
    gates = data["gates"]
    assert len(gates) == 18 * 6  # one row per gate and table
    assert all(
        list(g) == ["gate_id", "table_name", "status", "rows_affected", "message"] for g in gates
    )
    assert {g["status"] for g in gates} <= {"pass", "fail", "error", "skipped"}
    assert any(g["status"] != "pass" and g["message"] for g in gates)  # planted DQ cases
    with pytest.raises(FileExistsError, match="never overwritten"):
        nb.run_snapshot(str(demo_export.out_dir), str(out))


def test_run_snapshot_refuses_a_password(tmp_path: Path) -> None:
    from auditlib.source import SourceError

    with pytest.raises(SourceError, match="password"):
        nb.run_snapshot("postgresql://a:s3cret@localhost/db", str(tmp_path / "s.duckdb"))
    assert not (tmp_path / "s.duckdb").exists()
