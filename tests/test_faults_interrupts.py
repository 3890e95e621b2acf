"""Issue 12, cases 4 and 5: SIGINT/SIGTERM end a real run (a subprocess, signalled while
a slow notebook runs) with exit 130/143 and one line naming what was interrupted, after
stopping workers and kernels and removing everything of the run; a crashed run's
leftovers are removed by the next run, never those of a run still going; the whole-run
time limit ends a run as error."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from auditlib.runner.interrupts import RunLock, remove_stale
from runner_fixtures import AS_OF, fake_notebooks, run_fake, write_snapshot


def _processes_mentioning(text: str) -> list[list[str]]:
    found = []
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            cmd = p.cmdline()
            # workers name their job file; kernels run in the run's work dir
            if any(text in c for c in cmd) or text in p.cwd():
                found.append(cmd)
    return found


def _start_slow_run(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    snap = write_snapshot(tmp_path / "tiny.duckdb")
    nbs = fake_notebooks(tmp_path / "nbs", snap, replace={"dsr": "sleeps"})  # sleeps 60 s
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'name = "t"\n[execution]\ntimeout_seconds = 600\n'
        "cell_timeout_seconds = 300\nparallelism = 2\n"
    )
    archive = tmp_path / "archive"
    exe = Path(sys.executable).with_name("auditlib")
    proc = subprocess.Popen(
        [
            str(exe),
            "run",
            "--source",
            str(tmp_path),
            "--as-of",
            AS_OF,
            "--out",
            str(archive),
            "--plan",
            str(plan),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "AUDITLIB_NOTEBOOKS": str(nbs)},
    )
    # wait until the slow notebook's kernel is executing (its output notebook exists)
    for _ in range(1200):
        if list(archive.glob(".tmp-*/notebooks/dsr.ipynb")) or proc.poll() is not None:
            break
        time.sleep(0.25)
    assert proc.poll() is None, proc.communicate()
    time.sleep(3)
    return proc, archive


def _assert_nothing_left(archive: Path) -> None:
    leftovers = [p.relative_to(archive) for p in archive.rglob("*") if not p.is_dir()]
    assert leftovers == [], leftovers
    assert not list(archive.glob(".tmp-*"))
    assert not list((archive / ".work").glob("*")) if (archive / ".work").exists() else True
    assert _processes_mentioning(str(archive)) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "name"), [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_a_signal_ends_the_run_cleanly(tmp_path: Path, sig: int, code: int, name: str) -> None:
    proc, archive = _start_slow_run(tmp_path)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C: the terminal signals the whole foreground group
    else:
        proc.send_signal(sig)  # systemd stop / kill: only the runner
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, (out, err)
    lines = [x for x in err.splitlines() if "interrupted" in x]
    assert len(lines) == 1, err
    assert name in lines[0] and "dsr" in lines[0], lines[0]
    assert "Traceback" not in err and "Aborted" not in err
    _assert_nothing_left(archive)


@pytest.mark.slow
def test_a_crashed_run_is_cleaned_up_by_the_next_one(tmp_path: Path) -> None:
    proc, archive = _start_slow_run(tmp_path)
    (run_tmp,) = archive.glob(".tmp-*")
    run_id = run_tmp.name[len(".tmp-") :]
    kernel_dirs = [
        Path(json.loads(j.read_text())["kernel_dir"])
        for j in (archive / ".work" / run_id).glob("*.job.json")
    ]
    assert any(d.is_dir() for d in kernel_dirs)  # the sleeping notebook's kernel
    proc.kill()  # kill -9: no clean-up runs
    proc.communicate(timeout=60)
    assert run_tmp.exists() and (archive / ".work" / f"{run_id}.lock").exists()
    # the workers die with the runner, and their kernels with them
    for _ in range(240):
        if not _processes_mentioning(str(archive)):
            break
        time.sleep(0.25)
    assert _processes_mentioning(str(archive)) == []
    # a partial snapshot build of that run, as a killed kernel leaves it
    building = archive / ".snapshots" / f".{run_id}.duckdb.building-999999999-abcd"
    building.mkdir()
    (building / "x.duckdb").write_bytes(b"partial")
    # a run still going (its lock is held) keeps everything
    live = RunLock(archive / ".work", "live-run")
    (archive / ".tmp-live-run").mkdir()
    (archive / ".work" / "live-run").mkdir()
    try:
        removed = remove_stale(archive)
    finally:
        live.release(remove=False)
    assert run_tmp in removed and not run_tmp.exists()
    # the kernels' socket directories outside the archive, named by the job files
    assert not any(d.exists() for d in kernel_dirs)
    assert not (archive / ".work" / run_id).exists()
    assert not (archive / ".snapshots" / f"{run_id}.duckdb").exists()
    assert not building.exists()
    assert not (archive / ".work" / f"{run_id}.lock").exists()
    assert (archive / ".tmp-live-run").exists() and (archive / ".work" / "live-run").exists()


@pytest.mark.slow
def test_the_whole_run_time_limit_ends_the_run_as_error(tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "tiny.duckdb")
    nbs = fake_notebooks(tmp_path / "nbs", snap, replace={"dsr": "sleeps"})
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'name = "t"\n[execution]\ntimeout_seconds = 600\n'
        "cell_timeout_seconds = 300\nparallelism = 1\nrun_timeout_seconds = 40\n"
    )
    code, archive = run_fake(tmp_path, nbs, plan)
    assert code == 2
    (run_dir,) = [p for p in archive.iterdir() if (p / "summary.json").exists()]
    s = json.loads((run_dir / "summary.json").read_text())
    assert s["verdict"] == "error"
    assert s["notebooks"]["dsr"]["error_kind"] == "run_timeout"
    assert "run_timeout_seconds = 40" in s["notebooks"]["dsr"]["error"]
    assert "time limit" in (run_dir / "run.log").read_text()
