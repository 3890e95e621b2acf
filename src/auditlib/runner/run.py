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
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import auditlib
from auditlib.runner.execute import NotebookJob, NotebookOutcome, check_kernel, run_notebooks
from auditlib.runner.jsonio import dumps, write_json_atomic, write_text_atomic
from auditlib.runner.plan import DQ_GATE_IDS, SNAPSHOT_NOTEBOOK, Plan
from auditlib.runner.results import VERDICTS, exit_status, held_customers, merge_results
from auditlib.runner.sources import ResolvedSource

log = logging.getLogger("auditlib.runner")

# Kernel chatter that says nothing about the audit (the kernel listens on localhost only).
_NOISE = ("Kernel is running over TCP without encryption",)

PACKAGES = ("duckdb", "pandas", "pyarrow", "papermill", "nbclient", "ipykernel",
            "great-expectations", "holidays", "matplotlib", "psycopg", "python-dateutil")


@dataclass
class RunRequest:
    source: ResolvedSource
    as_of: date
    out: Path
    plan: Plan
    parallelism: int | None = None
    notebooks_dir: Path | None = None
    progress: Callable[[str, str, NotebookOutcome | None], None] | None = None


@dataclass
class RunOutcome:
    run_id: str
    run_dir: Path
    exit_status: int
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def notebooks_dir() -> Path:
    """``$AUDITLIB_NOTEBOOKS``, else the repository's ``notebooks/``, else the packaged copy."""
    env = os.environ.get("AUDITLIB_NOTEBOOKS")
    if env:
        return Path(env)
    repo = Path(auditlib.__file__).resolve().parents[2] / "notebooks"
    if (repo / "snapshot.ipynb").exists():
        return repo
    return Path(auditlib.__file__).resolve().parent / "notebooks"


def new_run_id(plan_name: str, as_of: date, out: Path) -> str:
    """``<plan>-<as_of>-<UTC start to the second>``; a suffix if that id is taken."""
    base = f"{plan_name}-{as_of.isoformat()}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    run_id, n = base, 1
    while any(p.exists() for p in (out / run_id, out / f".tmp-{run_id}",
                                   out / ".snapshots" / f"{run_id}.duckdb")):
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def effective_severities(plan: Plan) -> dict[str, str]:
    """Catalogue and gate defaults, overridden by the plan."""
    import tomllib
    from importlib import resources

    from auditlib.rules.catalogue_loader import load_catalogue

    sev = {rid: r.severity for rid, r in load_catalogue().items()}
    gates = tomllib.loads(resources.files("auditlib").joinpath("data/dq_gates.toml")
                          .read_text(encoding="utf-8"))
    sev.update({g: gates[g]["severity"] for g in DQ_GATE_IDS if g in gates})
    sev.update(plan.severities)
    return sev


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["python"] = sys.version.split()[0]
    return out


def git_commit() -> str | None:
    repo = Path(auditlib.__file__).resolve().parents[2]
    try:
        r = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                           text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() or None if r.returncode == 0 else None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _source_summary(src: ResolvedSource, described: dict[str, Any] | None) -> dict[str, Any]:
    d = dict(described or {})
    d.pop("password", None)
    out: dict[str, Any] = {**d, "kind": src.kind}
    if src.kind != "postgres":
        out.setdefault("path", src.spec)
    if src.demo:
        out["demo"] = {k: v for k, v in src.demo.items() if k != "export"}
    out["fingerprint"] = hashlib.sha256(
        json.dumps(out, sort_keys=True, default=str).encode()).hexdigest()
    return out


def _add_file_log(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger("auditlib")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def execute_run(req: RunRequest) -> RunOutcome:
    """Run the plan; always returns an outcome with the exit status (never raises for a
    failing notebook; raises only when the archive itself cannot be written)."""
    plan, out = req.plan, req.out
    out.mkdir(parents=True, exist_ok=True)
    snap_dir = out / ".snapshots"
    snap_dir.mkdir(exist_ok=True, mode=0o700)
    os.chmod(snap_dir, 0o700)
    run_id = new_run_id(plan.name, req.as_of, out)
    tmp = out / f".tmp-{run_id}"
    (tmp / "notebooks").mkdir(parents=True)
    (tmp / "results").mkdir()
    work = out / ".work" / run_id
    work.mkdir(parents=True)
    snapshot_path = snap_dir / f"{run_id}.duckdb"
    handler = _add_file_log(tmp / "run.log")
    warnings: list[str] = []
    started_at = datetime.now(UTC)
    t0 = time.perf_counter()
    log.info("run %s: plan %s, as_of %s, source kind %s", run_id, plan.name, req.as_of,
             req.source.kind)
    try:
        kernel_python = check_kernel()
        log.info("kernel python3 runs %s (prefix %s)", kernel_python, sys.prefix)
        kernel_problem = None
    except RuntimeError as exc:
        kernel_problem = str(exc)
        log.error("%s", exc)

    nb_dir = req.notebooks_dir or notebooks_dir()
    ex = plan.execution
    params_dict = plan.params.to_dict()
    severities = effective_severities(plan)

    def job(name: str, parameters: dict[str, Any]) -> NotebookJob:
        return NotebookJob(name=name, input=nb_dir / f"{name}.ipynb",
                           output=tmp / "notebooks" / f"{name}.ipynb", parameters=parameters,
                           cell_timeout=ex.cell_timeout_seconds,
                           wall_timeout=float(ex.timeout_seconds), work_dir=work)

    outcomes: dict[str, NotebookOutcome] = {}
    if kernel_problem:
        for name in plan.notebooks:
            outcomes[name] = NotebookOutcome(name, "error", 0.0, error=kernel_problem,
                                             error_kind="kernel")
    else:
        snap_job = job(SNAPSHOT_NOTEBOOK, {"source": req.source.spec,
                                           "snapshot_path": str(snapshot_path),
                                           "result_dir": str(tmp / "results"),
                                           "as_of": req.as_of.isoformat()})
        outcomes.update(run_notebooks([snap_job], 1, req.progress))
        if snapshot_path.exists():
            os.chmod(snapshot_path, 0o600)
        snap_ok = outcomes[SNAPSHOT_NOTEBOOK].status == "ok"
        audit_params = {"snapshot_path": str(snapshot_path), "as_of": req.as_of.isoformat(),
                        "result_dir": str(tmp / "results"), "params": params_dict,
                        "severities": {k: v for k, v in plan.severities.items()
                                       if k not in DQ_GATE_IDS}}
        if snap_ok:
            outcomes.update(run_notebooks([job(n, audit_params) for n in plan.audit_notebooks],
                                          req.parallelism or ex.parallelism, req.progress))
        else:
            for n in plan.audit_notebooks:
                outcomes[n] = NotebookOutcome(n, "error", 0.0, error_kind="not_run",
                                              error="not run: the snapshot notebook failed")
                if req.progress:
                    req.progress(n, "done", outcomes[n])

    summary, findings, ok_complete = _assemble(req, run_id, plan, outcomes, tmp, snapshot_path,
                                               severities, params_dict, started_at, warnings)
    write_text_atomic(tmp / "findings.jsonl",
                      "".join(dumps(f, sort_keys=False) + "\n" for f in findings))
    write_json_atomic(tmp / "summary.json", summary)
    log.info("merged %d findings; verdict %s (exit %d) after %.1f s", len(findings),
             summary["verdict"], summary["exit_status"], time.perf_counter() - t0)

    _append_worker_logs(work, plan.notebooks)
    summary = _report(tmp, out, summary, warnings)
    logging.getLogger("auditlib").removeHandler(handler)
    handler.close()
    final = _publish(tmp, out / run_id, warnings)
    shutil.rmtree(work, ignore_errors=True)
    with contextlib.suppress(OSError):  # other runs may be using it
        (out / ".work").rmdir()
    return RunOutcome(run_id, final, int(summary["exit_status"]), summary, warnings)


def _assemble(req: RunRequest, run_id: str, plan: Plan, outcomes: dict[str, NotebookOutcome],
              tmp: Path, snapshot_path: Path, severities: dict[str, str],
              params_dict: dict[str, Any], started_at: datetime, warnings: list[str]
              ) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    from auditlib.rules.catalogue_loader import load_catalogue

    catalogue = load_catalogue()
    expected: dict[str, list[str]] = {SNAPSHOT_NOTEBOOK: list(DQ_GATE_IDS)}
    for n in plan.audit_notebooks:
        expected[n] = [rid for rid, r in catalogue.items() if r.notebook == n]
        if not expected[n]:
            warnings.append(f"the catalogue holds no rules for notebook {n}")
    planned = {rid for ids in expected.values() for rid in ids}
    skipped = [rid for rid in catalogue if rid not in planned]
    nb_errors = {n: (o.error or o.status) if o.status != "ok" else None
                 for n, o in outcomes.items()}
    # A notebook whose kernel ran in another environment ran other code: error.
    for n in list(expected):
        res = tmp / "results" / f"{n}.json"
        if nb_errors.get(n) is None and res.exists():
            try:
                prefix = json.loads(res.read_text(encoding="utf-8")).get("prefix")
            except ValueError:
                prefix = None
            if prefix is not None and Path(prefix).resolve() != Path(sys.prefix).resolve():
                nb_errors[n] = f"the kernel ran in {prefix}, not in this environment"
                outcomes[n].status, outcomes[n].error = "error", nb_errors[n]
    merged = merge_results(tmp / "results", expected, nb_errors, severities, skipped)
    for p in merged.problems:
        log.error("%s", p)

    snap_data: dict[str, Any] = {}
    src_desc: dict[str, Any] | None = None
    snap_file = tmp / "results" / "snapshot.json"
    if snap_file.exists():
        with contextlib.suppress(ValueError, AttributeError):
            d = json.loads(snap_file.read_text(encoding="utf-8"))
            snap_data, src_desc = d.get("snapshot") or {}, d.get("source")
    complete = all(o.status == "ok" for o in outcomes.values()) and len(outcomes) == len(
        plan.notebooks)
    statuses = [r["status"] for rid, r in merged.rules.items() if rid in planned]
    code = exit_status(statuses, complete)
    ordered_rules = {rid: merged.rules[rid] for rid in (*DQ_GATE_IDS, *catalogue)
                     if rid in merged.rules}
    summary: dict[str, Any] = {
        "run_id": run_id,
        "plan": plan.describe(),
        "as_of": req.as_of.isoformat(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": getpass.getuser(),
        "host": socket.gethostname(),
        "source": _source_summary(req.source, src_desc),
        "snapshot": {
            "sha256": _sha256(snapshot_path) if snapshot_path.exists() else None,
            "file": f".snapshots/{run_id}.duckdb",
            "snapshot_time": snap_data.get("snapshot_time"),
            "rows": snap_data.get("rows") or {},
            "key_fingerprint": snap_data.get("key_fingerprint"),
            "key_source": snap_data.get("key_source"),
        },
        "parameters": params_dict,
        "severities": severities,
        "packages": package_versions(),
        "auditlib": {"version": auditlib.__version__, "git_commit": git_commit()},
        "notebooks": {n: outcomes[n].summary(f"notebooks/{n}.ipynb") for n in plan.notebooks
                      if n in outcomes},
        "rules": ordered_rules,
        "held_customers": held_customers(merged.observations),
        "problems": merged.problems,
        "verdict": VERDICTS[code],
        "exit_status": code,
    }
    return summary, merged.findings, complete


def _append_worker_logs(work: Path, names: tuple[str, ...]) -> None:
    for n in names:
        p = work / f"{n}.worker.log"
        if p.exists() and p.stat().st_size:
            lines = [line for line in p.read_text(encoding="utf-8", errors="replace")
                     .splitlines() if line.strip() and not any(x in line for x in _NOISE)]
            if lines:
                log.info("worker output of %s:\n%s", n, "\n".join(lines)[-20000:])


def _report(tmp: Path, out: Path, summary: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """Render reports and write the manifest; a failing report makes the run exit 2."""
    try:
        from auditlib.report import render_run
    except ImportError as exc:
        warnings.append(f"auditlib.report is not importable ({exc}); no HTML reports")
        log.warning("%s", warnings[-1])
        return summary
    try:
        render_run(tmp, out)
    except Exception as exc:  # noqa: BLE001 - a run without its report did not complete
        log.exception("rendering the reports failed")
        summary = {**summary, "report_error": f"{type(exc).__name__}: {exc}",
                   "verdict": "error", "exit_status": 2}
        # summary.json may have been made read-only by nobody yet: rewrite it.
        write_json_atomic(tmp / "summary.json", summary)
    return summary


def _publish(tmp: Path, final: Path, warnings: list[str]) -> Path:
    try:
        from auditlib.report import publish_run, write_manifest
    except ImportError:
        from auditlib.runner.fallback import publish_run, write_manifest
    write_manifest(tmp)
    final = publish_run(tmp, final)
    try:
        from auditlib.report import update_archive_index

        update_archive_index(final.parent)
    except ImportError:
        pass
    except Exception as exc:  # noqa: BLE001 - the run is complete; the index can be rebuilt
        warnings.append(f"updating the archive index failed: {exc}; "
                        "rebuild it with `auditlib archive`")
        log.warning("%s", warnings[-1])
    return final
