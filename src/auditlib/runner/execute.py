"""Run notebooks in worker processes, in parallel, under a wall-clock limit.

Each notebook gets its own ``python -m auditlib.runner.worker`` process (same
interpreter, so the same venv and kernel). The runner polls them, shows
progress, and kills a worker and its kernel(s) when the notebook's wall-clock
limit passes; the partial output notebook (papermill saves after every cell)
is kept. A worker that ends without a status file is an ``error``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditlib.jsonio import write_json_atomic
from auditlib.redaction import redact
from auditlib.runner.worker import KERNEL_NAME

log = logging.getLogger("auditlib.runner")


@dataclass
class NotebookJob:
    name: str
    input: Path
    output: Path
    parameters: dict[str, Any]
    cell_timeout: int
    wall_timeout: float
    work_dir: Path  # status and job files
    env: dict[str, str] = field(default_factory=dict)  # added to the worker's environment

    @property
    def status_file(self) -> Path:
        return self.work_dir / f"{self.name}.status.json"


@dataclass
class NotebookOutcome:
    name: str
    status: str  # 'ok' | 'error'
    seconds: float
    error: str | None = None
    error_kind: str | None = None
    cell: int | None = None
    kernel_startup_seconds: float | None = None
    imports_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.error is not None:  # may quote data (an exception text): redact once, here
            self.error = redact(self.error)

    def summary(self, output: str) -> dict[str, Any]:
        return {
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "error": self.error,
            "error_kind": self.error_kind,
            "cell": self.cell,
            "output": output,
            "kernel_startup_seconds": self.kernel_startup_seconds,
            "imports_seconds": self.imports_seconds,
        }


def check_kernel(name: str = KERNEL_NAME) -> str:
    """The interpreter the kernel ``name`` will run in; it must be this venv's.

    jupyter_client replaces a kernelspec ``argv[0]`` of ``python``/``python3`` by
    ``sys.executable``; any other path must live in this interpreter's prefix, else
    the notebooks would import another auditlib (or none).
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel as exc:
        raise RuntimeError(
            f"no Jupyter kernel named {name!r}; install it into this venv with "
            f"`{sys.executable} -m ipykernel install --sys-prefix`"
        ) from exc
    exe = spec.argv[0]
    major, minor = sys.version_info[:2]
    if exe in {"python", f"python{major}", f"python{major}.{minor}"}:
        return sys.executable
    if Path(exe).resolve().is_relative_to(Path(sys.prefix).resolve()) or Path(exe) == Path(
        sys.executable
    ):
        return exe
    raise RuntimeError(
        f"kernel {name!r} runs {exe}, not this environment ({sys.prefix}); reinstall it with "
        f"`{sys.executable} -m ipykernel install --sys-prefix --name {name}`"
    )


def _kill_tree(pid: int) -> None:
    """SIGTERM the worker's process group (it runs in a session of its own) and every
    descendant (the kernel has its own session too), then SIGKILL what is left."""
    import psutil

    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGTERM)
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(procs, timeout=5)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=5)


@dataclass
class _Running:
    job: NotebookJob
    proc: subprocess.Popen
    started: float
    log_file: Any
    kernel_dir: Path

    def close(self) -> None:
        self.log_file.close()
        shutil.rmtree(self.kernel_dir, ignore_errors=True)


def _start(job: NotebookJob) -> _Running:
    job.work_dir.mkdir(parents=True, exist_ok=True)
    job.status_file.unlink(missing_ok=True)
    job_file = job.work_dir / f"{job.name}.job.json"
    # The kernel's connection file and sockets: a private (0700) directory of this job
    # with a short path (Unix socket paths are short; the run's work dir may be deep),
    # removed when the job ends (auditlib.runner.worker.kernel_transport).
    kernel_dir = Path(tempfile.mkdtemp(prefix="auditlib-kernel-"))
    try:
        write_json_atomic(
            job_file,
            {
                "input": str(job.input),
                "output": str(job.output),
                "parameters": job.parameters,
                "cell_timeout": job.cell_timeout,
                "kernel_name": KERNEL_NAME,
                "status_file": str(job.status_file),
                "cwd": str(job.work_dir),
                "kernel_dir": str(kernel_dir),
            },
        )
        return _spawn(job, job_file, kernel_dir)
    except BaseException:
        shutil.rmtree(kernel_dir, ignore_errors=True)
        raise


def _spawn(job: NotebookJob, job_file: Path, kernel_dir: Path) -> _Running:
    log_file = open(job.work_dir / f"{job.name}.worker.log", "wb")  # noqa: SIM115
    # Own session: a Ctrl-C on the terminal reaches the runner only, which then stops
    # the workers and kernels itself (and cleans up after them).
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditlib.runner.worker", str(job_file)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={
            **os.environ,
            **job.env,
            "PYTHONUNBUFFERED": "1",
            "MPLBACKEND": "Agg",
            # Anything else Jupyter writes at run time stays there too, not in the
            # user's runtime dir where a killed kernel would leave it behind.
            "JUPYTER_RUNTIME_DIR": str(kernel_dir),
            "AUDITLIB_RUNNER_PID": str(os.getpid()),
        },
        start_new_session=True,
    )
    return _Running(job, proc, time.perf_counter(), log_file, kernel_dir)


def _finish(run: _Running, timed_out: bool, run_limit: float | None = None) -> NotebookOutcome:
    run.close()
    seconds = time.perf_counter() - run.started
    job = run.job
    status: dict[str, Any] = {}
    if job.status_file.exists():
        try:
            status = json.loads(job.status_file.read_text(encoding="utf-8"))
        except ValueError:
            status = {}
    if timed_out and run_limit is not None:
        return NotebookOutcome(
            job.name,
            "error",
            seconds,
            error_kind="run_timeout",
            error=f"killed: the whole run reached its time limit (run_timeout_seconds = "
            f"{run_limit:g} in the plan); the partial notebook is kept",
            **_timings(status),
        )
    if timed_out:
        return NotebookOutcome(
            job.name,
            "error",
            seconds,
            error_kind="wall_timeout",
            error=f"killed after the wall-clock limit of {job.wall_timeout:g} s; the partial "
            "notebook is kept",
            **_timings(status),
        )
    if not status:
        return NotebookOutcome(
            job.name,
            "error",
            seconds,
            error_kind="worker",
            error=f"the worker process ended with exit code {run.proc.returncode} and no "
            f"status; see {job.work_dir / (job.name + '.worker.log')}",
        )
    return NotebookOutcome(
        job.name,
        status.get("status", "error"),
        seconds,
        error=status.get("error"),
        error_kind=status.get("error_kind"),
        cell=status.get("cell"),
        **_timings(status),
    )


def _timings(status: dict[str, Any]) -> dict[str, Any]:
    return {
        "kernel_startup_seconds": status.get("kernel_startup_seconds"),
        "imports_seconds": status.get("imports_seconds"),
    }


Progress = Callable[[str, str, NotebookOutcome | None], None]


def run_notebooks(
    jobs: list[NotebookJob],
    parallelism: int,
    progress: Progress | None = None,
    deadline: tuple[float, float] | None = None,
) -> dict[str, NotebookOutcome]:
    """Run ``jobs`` with at most ``parallelism`` at a time; every job gets an outcome.

    ``progress(name, event, outcome)`` is called with event 'start' and 'done'.
    ``deadline = (perf_counter time, limit in seconds)`` is the whole run's time limit:
    when it passes, running notebooks are killed and pending ones are not started, all
    ``error`` (kind ``run_timeout``).
    """
    pending = list(jobs)
    running: list[_Running] = []
    outcomes: dict[str, NotebookOutcome] = {}
    try:
        while pending or running:
            if deadline is not None and time.perf_counter() >= deadline[0]:
                for job in pending:
                    outcomes[job.name] = NotebookOutcome(
                        job.name,
                        "error",
                        0.0,
                        error_kind="run_timeout",
                        error=f"not run: the whole run reached its time limit "
                        f"(run_timeout_seconds = {deadline[1]:g} in the plan)",
                    )
                    log.error("notebook %s: %s", job.name, outcomes[job.name].error)
                    if progress:
                        progress(job.name, "done", outcomes[job.name])
                pending = []
            while pending and len(running) < max(1, parallelism):
                job = pending.pop(0)
                log.info(
                    "notebook %s: start (cell timeout %s s, wall clock %s s)",
                    job.name,
                    job.cell_timeout,
                    job.wall_timeout,
                )
                running.append(_start(job))
                if progress:
                    progress(job.name, "start", None)
            time.sleep(0.1)
            for run in list(running):
                now = time.perf_counter()
                elapsed = now - run.started
                timed_out = False
                run_over = deadline is not None and now >= deadline[0]
                if run.proc.poll() is None:
                    if elapsed <= run.job.wall_timeout and not run_over:
                        continue
                    _kill_tree(run.proc.pid)
                    run.proc.wait()
                    timed_out = True
                running.remove(run)
                outcome = _finish(
                    run, timed_out, deadline[1] if timed_out and run_over and deadline else None
                )
                outcomes[run.job.name] = outcome
                (log.info if outcome.status == "ok" else log.error)(
                    "notebook %s: %s in %.1f s%s",
                    run.job.name,
                    outcome.status,
                    outcome.seconds,
                    f": {outcome.error}" if outcome.error else "",
                )
                if progress:
                    progress(run.job.name, "done", outcome)
    finally:  # interrupted (SIGINT/SIGTERM): leave no worker or kernel behind
        for run in running:
            _kill_tree(run.proc.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                run.proc.wait(timeout=10)
            run.close()
    return outcomes
