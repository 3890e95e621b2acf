"""Robust execution: a raising cell, a cell timeout, a wall-clock kill and a dying kernel
are each an ``error`` with the partial notebook kept; a whole run then exits 2 with every
rule of the failed notebook ``error`` while the other notebooks still run."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import nbformat
import pytest

from auditlib.runner.execute import NotebookJob, check_kernel, run_notebooks
from runner_fixtures import AS_OF, TEST_NOTEBOOKS, fake_notebooks, run_fake, write_snapshot


def _job(tmp_path: Path, name: str, cell_timeout: int = 60, wall: float = 120) -> NotebookJob:
    return NotebookJob(
        name=name,
        input=TEST_NOTEBOOKS / f"{name}.ipynb",
        output=tmp_path / "out" / f"{name}.ipynb",
        parameters={"as_of": AS_OF},
        cell_timeout=cell_timeout,
        wall_timeout=wall,
        work_dir=tmp_path / "work",
    )


def test_kernel_is_this_venv() -> None:
    import sys

    assert check_kernel() == sys.executable


@pytest.mark.slow
def test_failures_are_errors_and_partial_notebooks_are_kept(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    jobs = [
        _job(tmp_path, "raises"),
        _job(tmp_path, "sleeps", cell_timeout=3),
        _job(tmp_path, "dies"),
    ]
    events: list[tuple[str, str]] = []
    out = run_notebooks(jobs, parallelism=3, progress=lambda n, e, o: events.append((n, e)))
    assert {n: o.status for n, o in out.items()} == {
        "raises": "error",
        "sleeps": "error",
        "dies": "error",
    }
    assert out["raises"].error_kind == "cell_error"
    assert "RuntimeError: planted failure" in out["raises"].error
    assert out["sleeps"].error_kind == "cell_timeout"
    assert out["dies"].error_kind == "kernel_died"
    assert sorted(events) == sorted([(n, e) for n in out for e in ("start", "done")])
    for name in out:
        nb = nbformat.read(tmp_path / "out" / f"{name}.ipynb", as_version=4)
        # the partial notebook is kept: the cells before the failure ran
        assert nb.cells[1].metadata.papermill.get("end_time"), name
        assert "never reached" not in json.dumps(nb.cells[-1].get("outputs", []))
    assert out["raises"].kernel_startup_seconds is not None


def _kernel_dirs() -> set[Path]:
    import tempfile

    return set(Path(tempfile.gettempdir()).glob("auditlib-kernel-*"))


def test_kernel_transport_is_ipc_unless_the_socket_path_would_be_too_long() -> None:
    from auditlib.runner.worker import kernel_transport

    assert kernel_transport("/tmp/auditlib-kernel-abcd1234") == "ipc"
    assert kernel_transport("/tmp/" + "d" * 120) == "tcp"  # > 107 bytes with "/k-5"
    assert kernel_transport(None) == "tcp"


@pytest.mark.slow
def test_parallel_kernels_talk_over_private_unix_sockets(tmp_path: Path) -> None:
    """Two notebooks started at once each get their kernel on Unix sockets in a private
    directory of their own (no TCP port to race for), removed when the job ends."""
    (tmp_path / "out").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import json\nfrom ipykernel import get_connection_info\n"
            "info = get_connection_info(unpack=True)\n"
            "print(json.dumps({'transport': info['transport'], 'ip': info['ip']}))"
        )
    ]
    nbformat.write(nb, tmp_path / "conn.ipynb")
    before = _kernel_dirs()
    jobs = [
        NotebookJob(
            name=name,
            input=tmp_path / "conn.ipynb",
            output=tmp_path / "out" / f"{name}.ipynb",
            parameters={},
            cell_timeout=60,
            wall_timeout=120,
            work_dir=tmp_path / "work",
        )
        for name in ("a", "b")
    ]
    out = run_notebooks(jobs, parallelism=2)
    assert {n: o.status for n, o in out.items()} == {"a": "ok", "b": "ok"}, out
    infos = []
    for name in ("a", "b"):
        done = nbformat.read(tmp_path / "out" / f"{name}.ipynb", as_version=4)
        infos.append(json.loads(done.cells[0].outputs[0]["text"]))
    assert [i["transport"] for i in infos] == ["ipc", "ipc"]
    dirs = [Path(i["ip"]).parent for i in infos]
    assert dirs[0] != dirs[1]
    assert all(d.name.startswith("auditlib-kernel-") for d in dirs)
    assert not any(d.exists() for d in dirs)  # removed with the job
    assert _kernel_dirs() <= before


@pytest.mark.slow
def test_wall_clock_limit_kills_worker_and_kernel(tmp_path: Path) -> None:
    import psutil

    before = _kernel_dirs()
    (tmp_path / "out").mkdir()
    out = run_notebooks([_job(tmp_path, "sleeps", cell_timeout=120, wall=30)], parallelism=1)
    o = out["sleeps"]
    assert o.status == "error" and o.error_kind == "wall_timeout"
    assert (tmp_path / "out" / "sleeps.ipynb").exists()  # partial notebook kept
    # the kernel ran with the job's work dir as cwd: no process may be left there
    leftovers = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if proc.cwd() == str(tmp_path / "work"):
                leftovers.append(proc.cmdline())
    assert not leftovers
    assert _kernel_dirs() <= before  # the killed kernel's socket directory is gone too


@pytest.mark.slow
@pytest.mark.parametrize(("broken", "tiny"), [("retention", "raises"), ("dsr", "sleeps")])
def test_run_with_a_broken_notebook_exits_2(tmp_path: Path, broken: str, tiny: str) -> None:
    snap = write_snapshot(tmp_path / "tiny.duckdb")
    nbs = fake_notebooks(tmp_path / "nbs", snap, replace={broken: tiny})
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'name = "t"\n[execution]\ntimeout_seconds = 300\n'
        "cell_timeout_seconds = 30\nparallelism = 2\n"
    )  # sleeps.ipynb sleeps 60 s
    code, archive = run_fake(tmp_path, nbs, plan)
    assert code == 2
    (run_dir,) = [p for p in archive.iterdir() if (p / "summary.json").exists()]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_status"] == 2 and summary["verdict"] == "error"
    contract = {
        "run_id",
        "plan",
        "as_of",
        "started_at",
        "finished_at",
        "user",
        "host",
        "source",
        "snapshot",
        "parameters",
        "severities",
        "packages",
        "auditlib",
        "notebooks",
        "rules",
        "held_customers",
        "verdict",
        "exit_status",
    }
    assert contract <= set(summary)
    assert summary["run_id"] == run_dir.name and summary["as_of"] == AS_OF
    assert "fingerprint" in summary["source"]
    assert all(set(r) >= {"status", "findings", "error"} for r in summary["rules"].values())
    assert summary["notebooks"][broken]["status"] == "error"
    from auditlib.steps import rules_for

    for r in rules_for(broken):
        assert summary["rules"][r.id]["status"] == "error"  # never missing, never pass
    # the other notebooks still ran and were merged
    others = [n for n in ("retention", "subprocessors", "dsr") if n != broken]
    for n in others:
        assert summary["notebooks"][n]["status"] == "ok"
        for r in rules_for(n):
            assert summary["rules"][r.id]["status"] in ("pass", "fail"), summary["rules"][r.id]
    assert (run_dir / "notebooks" / f"{broken}.ipynb").exists()  # partial notebook kept
    assert (run_dir / "run.log").read_text()
    assert (run_dir / "manifest.json").exists()
    if broken != "dsr":  # the planted DSR-05 case was found
        lines = [json.loads(x) for x in (run_dir / "findings.jsonl").read_text().splitlines()]
        assert ("DSR-05", "1") in {(f["rule_id"], f["entity_id"]) for f in lines}
    snap_file = archive / ".snapshots" / f"{run_dir.name}.duckdb"
    assert snap_file.stat().st_mode & 0o777 == 0o600
    assert summary["snapshot"]["sha256"]
    assert not any(p.name.startswith(".tmp-") for p in archive.iterdir())


@pytest.mark.slow
def test_failed_snapshot_step_fails_every_rule(tmp_path: Path) -> None:
    from auditlib.rules import load_catalogue

    snap = write_snapshot(tmp_path / "tiny.duckdb")
    nbs = fake_notebooks(tmp_path / "nbs", snap, replace={"snapshot": "raises"})
    code, archive = run_fake(tmp_path, nbs)
    assert code == 2
    (run_dir,) = [p for p in archive.iterdir() if (p / "summary.json").exists()]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["notebooks"]["snapshot"]["error_kind"] == "cell_error"
    for n in ("retention", "subprocessors", "dsr"):
        assert summary["notebooks"][n]["error_kind"] == "not_run"
    statuses = {r: v["status"] for r, v in summary["rules"].items()}
    assert {r: st for r, st in statuses.items() if not r.startswith("POL-")} == dict.fromkeys(
        [*(f"DQ-0{i}" for i in range(1, 7)), *load_catalogue()], "error"
    )
    # the default plan names the published policy; its text needs no snapshot: evaluated
    assert {st for r, st in statuses.items() if r.startswith("POL-")} <= {"pass", "fail"}
    lines = (run_dir / "findings.jsonl").read_text().splitlines()
    assert all(json.loads(x)["rule_id"].startswith("POL-") for x in lines)
