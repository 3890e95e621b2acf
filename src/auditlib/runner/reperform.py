"""Re-performance: run the rules again on a run's archived snapshot and compare.

:func:`reperform` takes a sealed run directory, checks that the run is intact and that
``<archive>/.snapshots/<run_id>.duckdb`` still has the sha256 recorded in summary.json,
opens the snapshot read-only, evaluates the rules the run evaluated with the run's
``as_of``, ``parameters`` and ``severities``, and compares the result finding by finding
(rule, entity, message, evidence, severity) and rule by rule (status) with the run's
``findings.jsonl`` and ``summary.json``. Nothing is written: not into the run, not into
the archive, not into the snapshot.

Decisions:
- The data-quality gates (DQ-01..06) were evaluated when the snapshot was built and are
  stored in it (``_audit_gates``); their findings are derived again from that table, not
  re-evaluated (that would need the source, which an auditor does not have).
- Differences of environment (auditlib version, git commit, DuckDB version, rule files
  by sha256) are reported as notes: they explain a difference, they are not one. The exit
  status says whether the findings were reproduced.
- A rule the run recorded as ``skipped`` is not evaluated; a rule the run recorded that the
  installed catalogue no longer has is a difference.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from auditlib.report.manifest import ManifestError, snapshot_location, verify_run
from auditlib.snapshot.store import open_snapshot, snapshot_sha256

COMPARED = ("severity", "entity_type", "message", "evidence")


class CannotReperform(Exception):
    """The run cannot be re-performed (not intact, snapshot missing or changed, ...)."""


@dataclass
class RuleDiff:
    rule_id: str
    recorded_status: str | None = None
    status: str | None = None
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(
            self.added or self.removed or self.changed or self.recorded_status != self.status
        )


@dataclass
class Reperformance:
    run_id: str
    snapshot: Path
    as_of: str
    rules: dict[str, RuleDiff] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    findings: int = 0  # findings re-performed

    @property
    def identical(self) -> bool:
        return not any(d.differs for d in self.rules.values())


def _canonical(f: dict[str, Any]) -> str:
    return json.dumps(
        {k: f.get(k) for k in ("rule_id", "entity_id", *COMPARED)},
        sort_keys=True,
        ensure_ascii=False,
    )


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(x) for x in lines if x.strip()]
    except (OSError, ValueError) as exc:
        raise CannotReperform(f"{path} is unreadable: {exc}") from exc


def environment_notes(summary: dict[str, Any]) -> list[str]:
    """What differs between the run's recorded environment and this installation."""
    import auditlib
    from auditlib.rules.catalogue_loader import rule_file_digests
    from auditlib.runner.summary import git_commit, package_versions

    notes = []
    rec = summary.get("auditlib") or {}
    if rec.get("version") != auditlib.__version__:
        notes.append(
            f"installed auditlib {auditlib.__version__} differs from the run's {rec.get('version')}"
        )
    commit = git_commit()
    if rec.get("git_commit") and commit and rec.get("git_commit") != commit:
        notes.append(
            f"the checkout is at commit {commit}, the run was made at {rec.get('git_commit')}"
        )
    pk = (summary.get("packages") or {}).get("duckdb")
    now = package_versions().get("duckdb")
    if pk and pk != now:
        notes.append(f"installed duckdb {now} differs from the run's {pk}")
    recorded = summary.get("rule_files")
    current = rule_file_digests()
    if not isinstance(recorded, dict) or not isinstance(recorded.get("files"), dict):
        notes.append(
            "the run did not record the sha256 of its rule files: whether they "
            "differ from the installed ones cannot be said"
        )
    elif recorded.get("sha256") != current["sha256"]:
        rf, cf = recorded["files"], current["files"]
        assert isinstance(cf, dict)
        diff = sorted(n for n in set(rf) | set(cf) if rf.get(n) != cf.get(n))
        notes.append(
            "rule files differ from the run's: "
            + ", ".join(
                f"{n} ({'added' if n not in rf else 'removed' if n not in cf else 'changed'})"
                for n in diff
            )
        )
    return notes


def reperform(run_dir: Path) -> Reperformance:
    """Re-perform the run in ``run_dir``; raises :class:`CannotReperform` when it cannot."""

    from auditlib.config import Params
    from auditlib.quality.report import gate_findings, gate_status
    from auditlib.report.chain import check_links
    from auditlib.rules.catalogue_loader import load_catalogue
    from auditlib.rules.engine import evaluate_rules
    from auditlib.runner.results import normalise_finding

    run_dir = Path(run_dir)
    try:
        check = verify_run(run_dir)
    except ManifestError as exc:
        raise CannotReperform(f"the run cannot be verified: {exc}") from exc
    links, _ = check_links(run_dir)
    if not check.ok or links:
        raise CannotReperform(
            "the run is not intact (auditlib verify): " + "; ".join([*check.lines(), *links])
        )
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    try:
        snap, expected = snapshot_location(run_dir)
    except ManifestError as exc:
        raise CannotReperform(str(exc)) from exc
    if not (snap.is_file() or snap.is_dir()):
        raise CannotReperform(
            f"the snapshot {snap} is missing (deleted or kept elsewhere): "
            "nothing to re-perform the rules on"
        )
    actual = snapshot_sha256(snap)
    if actual != expected:
        raise CannotReperform(
            f"the snapshot {snap} has sha256 {actual}, but the run recorded "
            f"{expected}: it is not the data that was audited"
        )
    try:
        as_of = date.fromisoformat(str(summary["as_of"]))
        params = Params.from_mapping(summary.get("parameters") or {})
    except (KeyError, ValueError, TypeError) as exc:
        raise CannotReperform(f"summary.json: as_of or parameters unusable: {exc}") from exc
    severities: dict[str, str] = dict(summary.get("severities") or {})
    recorded_rules: dict[str, Any] = summary.get("rules") or {}
    catalogue = load_catalogue()
    evaluated = [
        rid
        for rid, r in recorded_rules.items()
        if isinstance(r, dict) and r.get("status") != "skipped"
    ]
    rule_ids = [rid for rid in catalogue if rid in evaluated]
    gates = [rid for rid in evaluated if rid.startswith("DQ-")]

    rep = Reperformance(str(summary.get("run_id")), snap, as_of.isoformat())
    rep.notes = environment_notes(summary)
    statuses: dict[str, str] = {}
    findings: list[dict[str, Any]] = []
    with open_snapshot(snap) as con:
        gstatus = gate_status(con)
        for g in gates:
            statuses[g] = gstatus.get(g, {}).get("status", "error")
        findings += [f.to_dict() for f in gate_findings(con, severities) if f.rule_id in gates]
        for r in evaluate_rules(con, as_of, params, rule_ids=rule_ids, severities=severities):
            statuses[r.rule.id] = r.status
            findings += [f.to_dict() for f in r.findings]
    pol_ids = [rid for rid in evaluated if rid.startswith("POL-")]
    if pol_ids:  # the policy text: re-checked on the run's own copy of it
        from auditlib.runner.policy_step import reperform_policy

        pst, pfind, pnotes = reperform_policy(run_dir, summary, as_of, params, severities, pol_ids)
        statuses.update(pst)
        findings += pfind
        rep.notes += pnotes
    for rid in evaluated:
        if rid not in statuses:
            statuses[rid] = "absent"
            rep.notes.append(f"{rid} is not in the installed rule catalogue")
    # the same normalisation as the runner's merge, then a JSON round trip like the file's
    findings = [
        json.loads(json.dumps(normalise_finding(f, severities), default=str)) for f in findings
    ]
    rep.findings = len(findings)
    recorded = _read_jsonl(run_dir / "findings.jsonl")
    _compare(rep, evaluated, recorded_rules, statuses, recorded, findings)
    return rep


def _by_key(findings: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for f in findings:
        out.setdefault((str(f.get("rule_id")), str(f.get("entity_id"))), []).append(f)
    return out


def _compare(
    rep: Reperformance,
    evaluated: list[str],
    recorded_rules: dict[str, Any],
    statuses: dict[str, str],
    recorded: list[dict[str, Any]],
    now: list[dict[str, Any]],
) -> None:
    before, after = _by_key(recorded), _by_key(now)
    rule_ids = list(dict.fromkeys([*evaluated, *(k[0] for k in (*before, *after))]))
    for rid in rule_ids:
        rep.rules[rid] = RuleDiff(
            rid, (recorded_rules.get(rid) or {}).get("status"), statuses.get(rid, "not evaluated")
        )
    for key in sorted(set(before) | set(after)):
        d = rep.rules[key[0]]
        old, new = before.get(key, []), after.get(key, [])
        if Counter(map(_canonical, old)) == Counter(map(_canonical, new)):
            continue
        if not old:
            d.added.extend(new)
        elif not new:
            d.removed.extend(old)
        elif len(old) == len(new) == 1:
            d.changed.append((old[0], new[0]))
        else:  # several findings for one entity: list what is only on one side
            o, n = Counter(map(_canonical, old)), Counter(map(_canonical, new))
            d.removed.extend(json.loads(x) for x in (o - n).elements())
            d.added.extend(json.loads(x) for x in (n - o).elements())


def describe_change(old: dict[str, Any], new: dict[str, Any]) -> str:
    parts = []
    for k in COMPARED:
        if old.get(k) != new.get(k):
            if k == "evidence" and isinstance(old.get(k), dict) and isinstance(new.get(k), dict):
                keys = sorted(
                    x for x in set(old[k]) | set(new[k]) if old[k].get(x) != new[k].get(x)
                )
                parts.append(
                    "evidence "
                    + ", ".join(f"{x}: {old[k].get(x)!r} -> {new[k].get(x)!r}" for x in keys)
                )
            else:
                parts.append(f"{k}: {old.get(k)!r} -> {new.get(k)!r}")
    return "; ".join(parts)
