"""``auditlib run``: one audit run from source to sealed run directory.

Flow (docs/ARCHITECTURE.md "Findings and the run directory"):

1. ``<out>/.tmp-<run_id>/`` is created; the snapshot goes to
   ``<out>/.snapshots/<run_id>.duckdb`` (0600, outside the shareable run dir).
2. ``snapshot.ipynb`` runs first (papermill, kernel ``python3`` of this venv).
   If it does not finish, the audit notebooks are not run and every rule is ``error``.
3. The audit notebooks run in parallel worker processes, each under the plan's
   per-cell timeout and a wall-clock limit.
4. ``results/*.json`` are merged into ``findings.jsonl`` and ``summary.json``.
5. The report renders (``auditlib.report.render_run``), ``write_manifest`` hashes and
   seals, ``publish_run`` renames the temp dir to ``<out>/<run_id>`` (never over an
   existing run) and the archive index is updated.

Exit status: 0 every rule passed, 1 some rule failed and none errored, 2 some rule
errored or the run could not complete (:func:`auditlib.runner.results.exit_status`).

Where the notebooks and the gate suites come from: :mod:`auditlib.resources` (one way,
``importlib.resources``, in the runner and in every notebook kernel alike).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from auditlib.jsonio import dumps, write_json_atomic, write_text_atomic
from auditlib.redaction import RedactingFormatter
from auditlib.resources import notebooks_dir
from auditlib.runner.context import RunContext
from auditlib.runner.execute import NotebookJob, NotebookOutcome, check_kernel, run_notebooks
from auditlib.runner.interrupts import (
    RunInterrupted,
    RunLock,
    remove_paths,
    remove_stale,
    run_leftovers,
)
from auditlib.runner.plan import DQ_GATE_IDS, SNAPSHOT_NOTEBOOK, EngineSettings, Plan
from auditlib.runner.policy_step import all_notebooks, job_parameters, stage_policy
from auditlib.runner.sources import ResolvedSource
from auditlib.runner.summary import assemble_summary, effective_severities
from auditlib.snapshot.store import SUFFIXES, snapshot_name
from auditlib.source.postgres.timeouts import PgTimeouts

log = logging.getLogger("auditlib.runner")

# Kernel chatter that says nothing about the audit (the kernel listens on localhost only).
_NOISE = ("Kernel is running over TCP without encryption",)


@dataclass
class RunRequest:
    source: ResolvedSource
    as_of: date
    out: Path
    plan: Plan
    parallelism: int | None = None
    notebooks_dir: Path | None = None
    engine: EngineSettings | None = None  # overrides the plan's [engine] (--engine)
    progress: Callable[[str, str, NotebookOutcome | None], None] | None = None
    pdf: bool | None = None  # index.pdf into the run; None: the plan's [report] pdf


@dataclass
class RunOutcome:
    run_id: str
    run_dir: Path
    exit_status: int
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)  # summary's stages + manifest


def new_run_id(plan_name: str, as_of: date, out: Path) -> str:
    """``<plan>-<as_of>-<UTC start to the second>``; a suffix if that id is taken."""
    base = f"{plan_name}-{as_of.isoformat()}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    run_id, n = base, 1
    while any(
        p.exists()
        for p in (
            out / run_id,
            out / f".tmp-{run_id}",
            *(out / ".snapshots" / f"{run_id}{suffix}" for suffix in SUFFIXES.values()),
        )
    ):
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def _add_file_log(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger("auditlib")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def execute_run(req: RunRequest) -> RunOutcome:
    """Run the plan; always returns an outcome with the exit status (never raises for a
    failing notebook). Raises when the archive cannot be written (``OSError``) and
    :class:`~auditlib.runner.interrupts.RunInterrupted` on SIGINT/SIGTERM (inside
    :func:`~auditlib.runner.interrupts.interrupt_handlers`); in both cases workers and
    kernels are stopped and nothing of the run is left behind (temp and work dirs,
    kernel connection files, the unpublished snapshot and its partial builds)."""
    # Absolute: kernels run in their own working directory, so a relative archive path
    # (the default `audits/runs`) would send results and snapshots somewhere else.
    out = Path(req.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    signer, evidence = _signer(out)  # an unusable AUDITLIB_SIGNING_KEY stops the run here
    warnings: list[str] = []
    snap_dir = _snapshot_dir(out, warnings)
    remove_stale(out)
    run_id = new_run_id(req.plan.name, req.as_of, out)
    lock = RunLock(out / ".work", run_id)
    state: dict[str, Any] = {"stage": "setting up the run", "running": []}
    published = False
    try:
        outcome = _execute(req, out, run_id, snap_dir, state, warnings, signer, evidence)
        published = True
    except BaseException as exc:
        if isinstance(exc, RunInterrupted):
            running = state["running"]
            exc.where = (
                f"run {run_id} while running notebook(s) {', '.join(running)}"
                if running
                else f"run {run_id} while {state['stage']}"
            )
        if not state.get("published"):
            remove_paths(run_leftovers(out, run_id))
        raise
    finally:
        lock.release()
        with contextlib.suppress(OSError):  # other runs may be using it
            (out / ".work").rmdir()
    assert published
    return outcome


def _snapshot_dir(out: Path, warnings: list[str]) -> Path:
    """``<out>/.snapshots``, a 0700 directory. A symlink there is used as it is and its
    target's mode is never changed (as root, a link to /tmp would otherwise make /tmp
    0700); a link that does not lead to a directory is refused."""
    snap_dir = out / ".snapshots"
    if snap_dir.is_symlink():
        if not snap_dir.is_dir():
            raise NotADirectoryError(
                f"{snap_dir} is a symlink that does not lead to a directory; make it a "
                "directory (mode 0700) for the snapshots"
            )
        warnings.append(
            f"{snap_dir} is a symlink: snapshots are written to "
            f"{snap_dir.resolve()} as it is (its mode is not changed; each "
            "snapshot file is 0600)"
        )
        log.warning("%s", warnings[-1])
        return snap_dir
    snap_dir.mkdir(exist_ok=True, mode=0o700)
    os.chmod(snap_dir, 0o700)
    return snap_dir


def _execute(
    req: RunRequest,
    out: Path,
    run_id: str,
    snap_dir: Path,
    state: dict[str, Any],
    warnings: list[str],
    signer: Any,
    evidence: dict[str, Any],
) -> RunOutcome:
    plan = req.plan
    tmp = out / f".tmp-{run_id}"
    (tmp / "notebooks").mkdir(parents=True)
    (tmp / "results").mkdir()
    work = out / ".work" / run_id
    work.mkdir(parents=True)
    engine = req.engine or plan.engine
    snapshot_path = snap_dir / snapshot_name(run_id, engine.name)
    user_progress = req.progress

    def progress(name: str, event: str, outcome: NotebookOutcome | None) -> None:
        running = state["running"]
        if event == "start" and name not in running:
            running.append(name)
        elif event == "done" and name in running:
            running.remove(name)
        if user_progress:
            user_progress(name, event, outcome)

    handler = _add_file_log(tmp / "run.log")
    try:
        started_at = datetime.now(UTC)
        t0 = time.perf_counter()
        deadline = (
            t0 + plan.execution.run_timeout_seconds,
            float(plan.execution.run_timeout_seconds),
        )
        log.info(
            "run %s: plan %s, as_of %s, source kind %s",
            run_id,
            plan.name,
            req.as_of,
            req.source.kind,
        )
        ctx = RunContext(
            run_id=run_id,
            plan=plan,
            as_of=req.as_of,
            source=req.source,
            tmp=tmp,
            snapshot_path=snapshot_path,
            severities=effective_severities(plan),
            params=plan.params.to_dict(),
            started_at=started_at,
            warnings=warnings,
        )
        with ctx.stage("kernel_check"):
            try:
                kernel_python = check_kernel()
                log.info("kernel python3 runs %s (prefix %s)", kernel_python, sys.prefix)
                kernel_problem = None
            except RuntimeError as exc:
                kernel_problem = str(exc)
                log.error("%s", exc)

        nb_dir = req.notebooks_dir or notebooks_dir()
        ex = plan.execution
        # packaged files: auditlib.resources, in every process; DuckDB limits from the plan
        extra_env: dict[str, str] = plan.duckdb.to_env()

        def job(
            name: str, parameters: dict[str, Any], env: dict[str, str] | None = None
        ) -> NotebookJob:
            return NotebookJob(
                name=name,
                input=nb_dir / f"{name}.ipynb",
                output=tmp / "notebooks" / f"{name}.ipynb",
                parameters=parameters,
                cell_timeout=ex.cell_timeout_seconds,
                wall_timeout=float(ex.timeout_seconds),
                work_dir=work,
                env={**extra_env, **(env or {})},
            )

        outcomes = ctx.outcomes
        staged = stage_policy(plan, tmp)  # the policy text audited is the one in the run
        policy_jobs = (
            []
            if staged is None
            else [
                job(
                    "policy",
                    job_parameters(
                        staged, req.as_of.isoformat(), ctx.result_dir, ctx.params, ctx.severities
                    ),
                )
            ]
        )
        if kernel_problem:
            for name in all_notebooks(plan):
                outcomes[name] = NotebookOutcome(
                    name, "error", 0.0, error=kernel_problem, error_kind="kernel"
                )
        else:
            state["stage"] = "building the snapshot"
            src = plan.source
            pg_env = PgTimeouts(
                connect=src.connect_timeout_seconds,
                lock=src.lock_timeout_seconds,
                statement=src.statement_timeout_seconds,
            ).to_env()
            pg_env = {
                k: os.environ.get(k, v) if k.endswith("CLIENT_CHECK_MS") else v
                for k, v in pg_env.items()
            }
            common = {
                "snapshot_path": str(snapshot_path),
                "as_of": req.as_of.isoformat(),
                "result_dir": str(ctx.result_dir),
            }
            snap_job = job(
                SNAPSHOT_NOTEBOOK,
                {**common, "source": req.source.spec, **engine.notebook_parameters()},
                pg_env,
            )
            with ctx.stage("snapshot"):
                outcomes.update(run_notebooks([snap_job], 1, progress, deadline))
            if snapshot_path.is_file():
                os.chmod(snapshot_path, 0o600)  # a Spark snapshot directory is built 0700
            snap_ok = outcomes[SNAPSHOT_NOTEBOOK].status == "ok"
            audit_params = {
                **common,
                "params": ctx.params,
                "severities": {k: v for k, v in plan.severities.items() if k not in DQ_GATE_IDS},
                **(req.engine or plan.engine).notebook_parameters(),
            }
            if snap_ok:
                state["stage"] = "running the audit notebooks"
                _prepare_report_in_background()
                with ctx.stage("audit_notebooks"):
                    outcomes.update(
                        run_notebooks(
                            [job(n, audit_params) for n in plan.audit_notebooks] + policy_jobs,
                            req.parallelism or ex.parallelism,
                            progress,
                            deadline,
                        )
                    )
                for n in plan.audit_notebooks:
                    ctx.stages[f"notebook.{n}"] = round(outcomes[n].seconds, 3)
            else:  # the policy text does not need the snapshot
                outcomes.update(run_notebooks(policy_jobs, 1, progress, deadline))
                for n in plan.audit_notebooks:
                    outcomes[n] = NotebookOutcome(
                        n,
                        "error",
                        0.0,
                        error_kind="not_run",
                        error="not run: the snapshot notebook failed",
                    )
                    progress(n, "done", outcomes[n])
        if any(o.error_kind == "run_timeout" for o in outcomes.values()):
            warnings.append(
                f"the run reached its time limit of {ex.run_timeout_seconds} s "
                "(plan key [execution] run_timeout_seconds); unfinished notebooks "
                "were stopped and their rules are error"
            )
            log.error("%s", warnings[-1])

        state["stage"] = "merging the results"
        with ctx.stage("merge"):
            summary, findings = assemble_summary(ctx)
            summary["evidence"] = evidence
            summary["engine"] = _engine_summary(
                req.engine or plan.engine, tmp / "results", plan.audit_notebooks
            )
            write_text_atomic(
                tmp / "findings.jsonl", "".join(dumps(f, sort_keys=False) + "\n" for f in findings)
            )
            write_json_atomic(tmp / "summary.json", summary)
        summary["stages"] = dict(ctx.stages)
        log.info(
            "merged %d findings; verdict %s (exit %d) after %.1f s",
            len(findings),
            summary["verdict"],
            summary["exit_status"],
            time.perf_counter() - t0,
        )

        _append_worker_logs(work, all_notebooks(plan))
        state["stage"] = "rendering the reports"
        want_pdf = plan.report.pdf if req.pdf is None else req.pdf
        summary = _report(tmp, out, summary, ctx.stages, pdf=want_pdf)
        log.info("stages (seconds): %s", ", ".join(f"{k} {v:.2f}" for k, v in ctx.stages.items()))
    finally:  # run.log is complete before the manifest hashes it
        logging.getLogger("auditlib").removeHandler(handler)
        handler.close()
    state["stage"] = "publishing the run"
    t_publish = time.perf_counter()
    final = _publish(tmp, out / run_id, warnings, state, signer)
    stages = {**ctx.stages, "manifest": round(time.perf_counter() - t_publish, 3)}
    shutil.rmtree(work, ignore_errors=True)
    return RunOutcome(run_id, final, int(summary["exit_status"]), summary, warnings, stages)


def _prepare_report_in_background() -> threading.Thread:
    """Import the report's libraries (nbconvert, jinja2, matplotlib) and build the HTML
    exporter while the audit notebooks run: this process only polls its workers then, and
    the report's first seconds are otherwise spent importing after the last notebook."""

    def target() -> None:
        from auditlib.jupyter_imports import skip_unused_format_checker

        skip_unused_format_checker()
        # A failure here is not lost: the report imports the same names and reports it.
        with contextlib.suppress(Exception):
            import matplotlib.figure  # noqa: F401

            from auditlib.report import notebook_html, run_index

            notebook_html._exporter()
            run_index.environment()

    t = threading.Thread(target=target, name="prepare-report", daemon=True)
    t.start()
    return t


def _engine_summary(
    engine: EngineSettings, results: Path, notebooks: tuple[str, ...]
) -> dict[str, Any]:
    """summary.json ``engine``: the engine asked for, and what each audit notebook reports it
    ran on (Spark version and master for Spark; never a secret)."""
    import json

    ran: dict[str, Any] = {}
    for name in notebooks:
        try:
            ran[name] = json.loads((results / f"{name}.json").read_text("utf-8")).get("engine")
        except (OSError, ValueError):
            ran[name] = None
    return {"name": engine.name, "spark_master": engine.spark_master, "notebooks": ran}


def _append_worker_logs(work: Path, names: tuple[str, ...]) -> None:
    for n in names:
        p = work / f"{n}.worker.log"
        if p.exists() and p.stat().st_size:
            lines = [
                line
                for line in p.read_text(encoding="utf-8", errors="replace").splitlines()
                if line.strip() and not any(x in line for x in _NOISE)
            ]
            for line in lines[-200:]:  # one record per line: each redacted and escaped
                log.info("worker output of %s: %s", n, line)


def _report(
    tmp: Path,
    out: Path,
    summary: dict[str, Any],
    stages: dict[str, float] | None = None,
    *,
    pdf: bool = False,
) -> dict[str, Any]:
    """Render reports (and index.pdf when asked, before the manifest seals the run); a
    failing report or PDF makes the run exit 2. summary.json is then rewritten with the
    report's time added to ``stages`` (and the error, if any)."""
    stages = {} if stages is None else stages
    from auditlib.report import render_run

    t0 = time.perf_counter()
    try:
        render_run(tmp, out)
        if pdf:
            summary = _pdf(tmp, out, summary)
    except Exception as exc:  # noqa: BLE001 - a run without its report did not complete
        log.exception("rendering the reports failed")
        summary = {
            **summary,
            "report_error": f"{type(exc).__name__}: {exc}",
            "verdict": "error",
            "exit_status": 2,
        }
    stages["report"] = round(time.perf_counter() - t0, 3)
    summary = {**summary, "stages": dict(stages)}
    write_json_atomic(tmp / "summary.json", summary)
    return summary


def _pdf(tmp: Path, out: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """index.pdf into the (unsealed) run; when it cannot be written the run is an error and
    index.html is rendered again so that it says so too."""
    from auditlib.report import render_pdf, render_run

    try:
        render_pdf(tmp)
        log.info("wrote index.pdf")
        return summary
    except Exception as exc:  # noqa: BLE001 - asked for and not delivered: exit 2
        log.error("index.pdf could not be written: %s", exc)
        summary = {
            **summary,
            "report_error": f"index.pdf not written: {type(exc).__name__}: {exc}",
            "verdict": "error",
            "exit_status": 2,
        }
        write_json_atomic(tmp / "summary.json", summary)
        render_run(tmp, out)
        return summary


def _signer(out: Path) -> tuple[Any, dict[str, Any]]:
    """The manifest signer of ``AUDITLIB_SIGNING_KEY`` (or None) and summary.json's
    ``evidence`` (signed or not, key fingerprint); raises when the key is unusable."""
    try:
        from auditlib.report.signing import evidence_status, signer_from_env
    except ImportError:
        return None, {
            "signed": False,
            "chained": False,
            "note": "auditlib.report is not importable: hashed only",
        }
    signer = signer_from_env(out)
    return signer, evidence_status(signer)


def _publish(
    tmp: Path, final: Path, warnings: list[str], state: dict[str, Any], signer: Any = None
) -> Path:
    from auditlib.report.chain import seal_and_publish

    # signed (when a key is set), chained to the archive's previous run, then moved
    final = seal_and_publish(tmp, final, signer)
    state["published"] = True  # from here on an interrupt removes nothing of the run
    try:
        from auditlib.report import update_archive_index

        update_archive_index(final.parent)
    except ImportError:
        pass
    except Exception as exc:  # noqa: BLE001 - the run is complete; the index can be rebuilt
        warnings.append(
            f"updating the archive index failed: {exc}; rebuild it with `auditlib archive`"
        )
        log.warning("%s", warnings[-1])
    return final
