"""summary.json: everything a reader of a run needs besides the findings.

The layout is the contract of docs/ARCHITECTURE.md "summary.json" (read by the
report). Every rule the plan runs has a status (fail closed, see
:mod:`auditlib.runner.results`); the source is described without secrets and
fingerprinted; package versions and the git commit make the run reproducible.

Beyond the documented layout:

- ``rules[id]`` holds exactly ``status``, ``findings``, ``error`` (the spec's
  findings contract); the effective severity is in ``severities`` and the
  evaluation time of each rule in ``rule_seconds`` (rule id -> seconds; absent for
  rules that were not evaluated);
- ``gates``: the data-quality gate rows of the snapshot's ``_audit_gates``
  (``gate_id, table_name, status, rows_affected, message``; no ``details``), as
  ``auditlib.steps.run_snapshot`` wrote them into ``results/snapshot.json``,
  so the report needs nothing outside the run directory. ``null`` when the
  snapshot notebook did not deliver them (the report then shows the failed gates
  from the findings only; it never opens the snapshot). Messages name tables,
  columns and row ids only; e-mail addresses, IPs and phone numbers are redacted
  again here in case a source message carried one.
- ``stages``: seconds per stage of the run, in run order: ``kernel_check``,
  ``snapshot`` (the whole notebook) with ``snapshot.extract`` and ``snapshot.gates``
  (metadata, gates and hash) from the step, ``audit_notebooks`` (the parallel phase)
  with one ``notebook.<name>`` entry per audit notebook, ``merge``, and ``report``
  (summary.json is rewritten once the report is rendered). The manifest hashes every
  other file, so its own time cannot be inside the run directory: it is in the run's
  outcome (``RunOutcome.stages``, shown on the terminal).
- ``snapshot.sha256`` is the hash the snapshot step took of the file it built
  (``auditlib verify`` re-checks the kept file against it later).

Every ``results/<notebook>.json`` is read once (:func:`auditlib.runner.results.read_results`)
and must come from this run: its ``as_of`` and environment (auditlib version, Python
version, prefix) must match the runner's, else the notebook is an error.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import socket
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import auditlib
from auditlib.runner.context import RunContext
from auditlib.runner.plan import DQ_GATE_IDS, POLICY_NOTEBOOK, SNAPSHOT_NOTEBOOK, Plan
from auditlib.runner.policy_step import (
    all_notebooks,
    policy_notebooks,
    policy_rule_ids,
    policy_severities,
    policy_summary,
)
from auditlib.runner.results import (
    VERDICTS,
    exit_status,
    gate_rows,
    held_customers,
    merge_results,
    read_results,
)
from auditlib.runner.sources import ResolvedSource
from auditlib.snapshot.store import snapshot_sha256 as _sha256
from auditlib.steps.results import Environment, StepResult

log = logging.getLogger("auditlib.runner")

PACKAGES = (
    "duckdb",
    "pandas",
    "pyarrow",
    "papermill",
    "nbclient",
    "ipykernel",
    "great-expectations",
    "holidays",
    "matplotlib",
    "psycopg",
    "python-dateutil",
)


def effective_severities(plan: Plan) -> dict[str, str]:
    """Catalogue and gate defaults, overridden by the plan."""
    from auditlib.gate_registry import GATE_SEVERITY
    from auditlib.rules.catalogue_loader import load_catalogue

    sev = {rid: r.severity for rid, r in load_catalogue().items()}
    sev.update(GATE_SEVERITY)
    if plan.policy is not None:
        sev.update(policy_severities())
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
        r = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() or None if r.returncode == 0 else None


def _source_summary(src: ResolvedSource, described: dict[str, Any] | None) -> dict[str, Any]:
    d = dict(described or {})
    d.pop("password", None)
    out: dict[str, Any] = {**d, "kind": src.kind}
    if src.kind != "postgres":
        out.setdefault("path", src.spec)
    if src.demo:
        out["demo"] = {k: v for k, v in src.demo.items() if k != "export"}
    out["fingerprint"] = hashlib.sha256(
        json.dumps(out, sort_keys=True, default=str).encode()
    ).hexdigest()
    return out


def _check_provenance(
    ctx: RunContext, results: dict[str, StepResult | str], nb_errors: dict[str, str | None]
) -> None:
    """A result written for another day or by another environment ran other code: error."""
    here = Environment.current()
    for n, res in results.items():
        if nb_errors.get(n) is not None or isinstance(res, str):
            continue
        why = res.environment.differences(here)
        if res.as_of != ctx.as_of.isoformat():
            why.insert(0, f"as_of {res.as_of}, not the run's {ctx.as_of.isoformat()}")
        if res.notebook != n:
            why.insert(0, f"it is the result of notebook {res.notebook!r}")
        if why:
            nb_errors[n] = f"results/{n}.json does not belong to this run: " + "; ".join(why)
            if n in ctx.outcomes:
                ctx.outcomes[n].status, ctx.outcomes[n].error = "error", nb_errors[n]


def assemble_summary(ctx: RunContext) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The summary.json object and the merged findings of a finished (or failed) run."""
    from auditlib.rules.catalogue_loader import load_catalogue, rule_file_digests

    plan, outcomes, warnings = ctx.plan, ctx.outcomes, ctx.warnings
    catalogue = load_catalogue()
    expected: dict[str, list[str]] = {SNAPSHOT_NOTEBOOK: list(DQ_GATE_IDS)}
    for n in plan.audit_notebooks:
        expected[n] = [rid for rid, r in catalogue.items() if r.notebook == n]
        if not expected[n]:
            warnings.append(f"the catalogue holds no rules for notebook {n}")
    for n in policy_notebooks(plan):
        expected[n] = policy_rule_ids()
    planned = {rid for ids in expected.values() for rid in ids}
    skipped = [rid for rid in catalogue if rid not in planned]
    nb_errors = {
        n: (o.error or o.status) if o.status != "ok" else None for n, o in outcomes.items()
    }
    results = read_results(ctx.result_dir, expected)
    _check_provenance(ctx, results, nb_errors)
    merged = merge_results(results, expected, nb_errors, ctx.severities, skipped)
    for p in merged.problems:
        log.error("%s", p)

    snap = results.get(SNAPSHOT_NOTEBOOK)
    snap_data: dict[str, Any] = {}
    src_desc: dict[str, Any] | None = None
    gates: list[dict[str, Any]] | None = None
    if isinstance(snap, StepResult):
        snap_data, src_desc = snap.snapshot or {}, snap.source
        gates, gate_problem = gate_rows(snap.gates)
        if gate_problem:
            warnings.append(
                f"{gate_problem}: the report shows the failed gates from the findings only"
            )
            log.warning("%s", warnings[-1])
    parts = {
        stage: round(float(snap_data[key]), 3)
        for key, stage in (
            ("extract_seconds", "snapshot.extract"),
            ("gates_seconds", "snapshot.gates"),
        )
        if isinstance(snap_data.get(key), int | float)
    }
    if parts:  # right after the snapshot notebook that contains them
        stages = list(ctx.stages.items())
        at = next((i + 1 for i, (k, _) in enumerate(stages) if k == "snapshot"), len(stages))
        ctx.stages.clear()
        ctx.stages.update(stages[:at] + list(parts.items()) + stages[at:])
    if snap_data.get("key_source") == "random":
        warnings.append(
            "AUDITLIB_PSEUDONYM_KEY is not set: this snapshot used a random key, "
            "so its pseudonyms cannot be compared with other runs"
        )
        log.warning("%s", warnings[-1])
    complete = all(o.status == "ok" for o in outcomes.values()) and len(outcomes) == len(
        all_notebooks(plan)
    )
    statuses = [r["status"] for rid, r in merged.rules.items() if rid in planned]
    code = exit_status(statuses, complete)
    ordered_rules = {
        rid: merged.rules[rid]
        for rid in (*DQ_GATE_IDS, *catalogue, *expected.get(POLICY_NOTEBOOK, ()))
        if rid in merged.rules
    }
    snapshot_path = ctx.snapshot_path
    summary: dict[str, Any] = {
        "run_id": ctx.run_id,
        "plan": plan.describe(),
        "as_of": ctx.as_of.isoformat(),
        "started_at": ctx.started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": getpass.getuser(),
        "host": socket.gethostname(),
        "source": _source_summary(ctx.source, src_desc),
        "snapshot": {
            "sha256": (
                snap_data.get("sha256")
                if snap_data.get("sha256")
                else _sha256(snapshot_path)
                if snapshot_path.exists()
                else None
            ),
            "file": f".snapshots/{snapshot_path.name}",
            "snapshot_time": snap_data.get("snapshot_time"),
            "rows": snap_data.get("rows") or {},
            "key_fingerprint": snap_data.get("key_fingerprint"),
            "key_source": snap_data.get("key_source"),
            "engine": snap_data.get("engine") or "duckdb",
        },
        "parameters": ctx.params,
        "severities": ctx.severities,
        "packages": package_versions(),
        "auditlib": {"version": auditlib.__version__, "git_commit": git_commit()},
        "rule_files": rule_file_digests(),
        "notebooks": {
            n: outcomes[n].summary(f"notebooks/{n}.ipynb")
            for n in all_notebooks(plan)
            if n in outcomes
        },
        "rules": ordered_rules,
        "rule_seconds": {
            rid: round(merged.rule_seconds[rid], 4)
            for rid in ordered_rules
            if rid in merged.rule_seconds
        },
        "gates": gates,
        "held_customers": held_customers(merged.observations),
        "problems": merged.problems,
        "policy": policy_summary(plan, ctx.tmp),
        "stages": dict(ctx.stages),
        "verdict": VERDICTS[code],
        "exit_status": code,
    }
    return summary, merged.findings
