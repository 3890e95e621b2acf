"""History: the runs in the archive, the previous run of a plan, and the trend against it.

A finding is keyed by ``(rule_id, entity_id)``. Against the previous run of the
same plan (latest ``started_at`` before this run's, other run ids only; ``.tmp-*``
and ``.snapshots`` are not runs), per rule:
- **new**: in this run, not in the previous one;
- **resolved**: in the previous run, not in this one;
- **still open**: in both.

Decision (fail closed): a rule is only compared when both runs *evaluated* it
(status ``pass`` or ``fail``). If it errored or was skipped in either run, its
findings are listed as ``not comparable`` instead: a finding must never look
resolved because the rule could not run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditlib.report.run_data import RunDataError, load_findings, load_summary

EVALUATED = ("pass", "fail")


@dataclass
class RunInfo:
    run_id: str
    path: Path
    summary: dict[str, Any]

    @property
    def plan(self) -> str:
        plan = self.summary.get("plan")
        return str(plan.get("name", "")) if isinstance(plan, dict) else str(plan or "")

    @property
    def started_at(self) -> str:
        return str(self.summary.get("started_at") or "")


def started_key(value: str) -> datetime:
    """``started_at`` as an aware instant, so '...Z' and '...+00:00' compare correctly.

    An unparseable or missing value sorts first (oldest): it can never be "the previous run"
    ahead of a run with a real time.
    """
    try:
        ts = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


@dataclass
class RuleTrend:
    rule_id: str
    new: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    still_open: list[str] = field(default_factory=list)
    comparable: bool = True
    note: str = ""


@dataclass
class Trend:
    previous_run_id: str | None
    previous_started_at: str | None
    rules: dict[str, RuleTrend] = field(default_factory=dict)
    # summary.json of the previous run (the report compares e.g. the policy's sha256)
    previous_summary: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def totals(self) -> dict[str, int]:
        comp = [r for r in self.rules.values() if r.comparable]
        return {
            "new": sum(len(r.new) for r in comp),
            "resolved": sum(len(r.resolved) for r in comp),
            "still_open": sum(len(r.still_open) for r in comp),
            "not_comparable": sum(1 for r in self.rules.values() if not r.comparable),
        }


def list_runs(archive_dir: Path) -> list[RunInfo]:
    """Finished runs in ``archive_dir`` (dirs with a readable summary.json), newest first."""
    archive_dir = Path(archive_dir)
    runs: list[RunInfo] = []
    if not archive_dir.is_dir():
        return runs
    for d in archive_dir.iterdir():
        if not d.is_dir() or d.name.startswith("."):
            continue
        try:
            summary = load_summary(d)
        except RunDataError:
            continue
        runs.append(RunInfo(str(summary.get("run_id") or d.name), d, summary))
    runs.sort(key=lambda r: (started_key(r.started_at), r.run_id), reverse=True)
    return runs


def previous_run(archive_dir: Path, current: dict[str, Any], current_dir: Path) -> RunInfo | None:
    """The latest run of the same plan that started before ``current``."""
    cur_id = str(current.get("run_id") or "")
    cur_plan = (
        (current.get("plan") or {}).get("name")
        if isinstance(current.get("plan"), dict)
        else current.get("plan")
    )
    cur_start = str(current.get("started_at") or "")
    cur_key = started_key(cur_start)
    cur_dir = Path(current_dir).resolve()
    for run in list_runs(archive_dir):
        if run.run_id == cur_id or run.path.resolve() == cur_dir:
            continue
        if run.plan == str(cur_plan or "") and (
            not cur_start or started_key(run.started_at) < cur_key
        ):
            return run
    return None


def _keys(findings: list[dict[str, Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        out.setdefault(str(f["rule_id"]), set()).add(str(f["entity_id"]))
    return out


def _sort_ids(ids: set[str]) -> list[str]:
    return sorted(ids, key=lambda e: (0, int(e), e) if e.isdigit() else (1, 0, e))


def compute_trend(archive_dir: Path, run_dir: Path) -> Trend:
    """Compare the run in ``run_dir`` with the previous run of its plan in ``archive_dir``."""
    run_dir = Path(run_dir)
    current = load_summary(run_dir)
    prev = previous_run(archive_dir, current, run_dir)
    if prev is None:
        return Trend(None, None)
    cur_f, prev_f = _keys(load_findings(run_dir)), _keys(load_findings(prev.path))
    cur_rules = current.get("rules") or {}
    prev_rules = prev.summary.get("rules") or {}
    trend = Trend(prev.run_id, prev.started_at, previous_summary=prev.summary)
    for rule_id in sorted(set(cur_rules) | set(prev_rules) | set(cur_f) | set(prev_f)):
        now, before = cur_f.get(rule_id, set()), prev_f.get(rule_id, set())
        s_now = (cur_rules.get(rule_id) or {}).get("status")
        s_before = (prev_rules.get(rule_id) or {}).get("status")
        rt = RuleTrend(rule_id)
        if s_now in EVALUATED and s_before in EVALUATED:
            rt.new, rt.resolved = _sort_ids(now - before), _sort_ids(before - now)
            rt.still_open = _sort_ids(now & before)
        else:
            rt.comparable = False
            rt.note = (
                f"not comparable: status {s_before or 'absent'} in the previous run, "
                f"{s_now or 'absent'} now"
            )
            rt.still_open = _sort_ids(now)
        trend.rules[rule_id] = rt
    return trend
