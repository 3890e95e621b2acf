"""The run's ``index.html``: everything a DPO needs on one printable, offline page.

Built from the run directory only (summary.json, findings.jsonl, results/,
notebooks/) plus rule metadata from the catalogue and the gate registry (``auditlib.gate_registry``).
Jinja2 autoescapes every value, so names and messages from the data show as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from auditlib.gate_registry import GATE_IDS, GATES
from auditlib.ranking import magnitude, rank_key, severity_rank
from auditlib.report.charts import findings_by_rule_chart, status_chart
from auditlib.report.deadlines import working
from auditlib.report.history import Trend
from auditlib.report.privacy import safe_description, safe_evidence, scrub_text
from auditlib.report.run_data import RunData

WORST_FINDINGS = 25
STATUSES = ("pass", "fail", "error", "skipped")
_LIST_SHOWN = 12


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("auditlib", "report/templates"),
        autoescape=True,  # every template here is HTML; names like *.html.j2 defeat select_autoescape
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["evidence_value"] = evidence_value
    return env


def evidence_value(value: Any) -> str:
    """One evidence value as short text: lists shortened, nested objects as k=v."""
    if isinstance(value, list):
        shown = ", ".join(evidence_value(v) for v in value[:_LIST_SHOWN])
        more = f" … (+{len(value) - _LIST_SHOWN})" if len(value) > _LIST_SHOWN else ""
        return f"[{shown}{more}]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={evidence_value(v)}" for k, v in value.items())
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _rule_rows(data: RunData, catalogue: dict[str, Any], dq: dict[str, Any]) -> list[dict]:
    summary_rules: dict[str, Any] = data.summary.get("rules") or {}
    # summary.json: rules[id] = {status, findings, error} only (the spec's contract);
    # severity per rule in "severities", evaluation time in "rule_seconds".
    severities: dict[str, str] = data.summary.get("severities") or {}
    seconds: dict[str, Any] = data.summary.get("rule_seconds") or {}
    ids = list(GATE_IDS) + [r for r in catalogue if r not in GATE_IDS]
    ids += sorted(r for r in summary_rules if r not in ids)
    rows = []
    for rid in ids:
        meta = catalogue.get(rid)
        gate = dq.get(rid, {})
        res = summary_rules.get(rid)
        title = meta.title if meta else gate.get("title", "")
        sev = severities.get(rid) or (meta.severity if meta else gate.get("severity", ""))
        rows.append(
            {
                "id": rid,
                "title": title,
                "severity": sev,
                "status": (res or {}).get("status", "not run"),
                "findings": (res or {}).get("findings", ""),
                "error": scrub_text(str((res or {}).get("error") or "")),
                "seconds": _seconds(seconds.get(rid)),
                "blocking": gate.get("blocking"),
            }
        )
    return rows


def _seconds(value: Any) -> str:
    return f"{value:.2f}" if _is_num(value) else ""


def _worst(
    findings: list[dict[str, Any]], summary: dict[str, Any], limit: int = WORST_FINDINGS
) -> list[dict[str, Any]]:
    """The worst findings, ranked as the notebooks rank them (:mod:`auditlib.ranking`)."""
    items: list[dict[str, Any]] = []
    for f in sorted(findings, key=rank_key)[:limit]:
        ev = safe_evidence(f.get("evidence"))
        items.append(
            {
                "working": [
                    scrub_text(step)
                    for step in working(
                        {**f, "evidence": ev}, summary.get("parameters") or {}, summary.get("as_of")
                    )
                ],
                "rule_id": str(f.get("rule_id")),
                "severity": str(f.get("severity", "")),
                "entity_type": str(f.get("entity_type", "")),
                "entity_id": scrub_text(str(f.get("entity_id"))),
                "message": scrub_text(str(f.get("message", ""))),
                "evidence": ev,
                "magnitude": magnitude(ev),
            }
        )
    return items


def _dq_section(data: RunData) -> dict[str, Any]:
    tables = sorted({str(g.get("table_name")) for g in data.gates if g.get("table_name")})
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    problems = []
    for g in data.gates:
        key = (str(g.get("table_name")), str(g.get("gate_id")))
        cells[key] = {"status": g.get("status"), "rows": g.get("rows_affected")}
        if g.get("status") not in ("pass",):
            problems.append(
                {
                    "gate_id": g.get("gate_id"),
                    "table": g.get("table_name"),
                    "status": g.get("status"),
                    "rows": g.get("rows_affected"),
                    "message": scrub_text(str(g.get("message") or "")),
                }
            )
    matrix = [
        {
            "table": t,
            "cells": [cells.get((t, gid), {"status": "", "rows": None}) for gid in GATE_IDS],
        }
        for t in tables
    ]
    problems.sort(key=lambda p: (str(p["gate_id"]), str(p["table"])))
    return {
        "gate_ids": GATE_IDS,
        "matrix": matrix,
        "problems": problems,
        "origin": data.gates_origin,
    }


def _method(
    catalogue: dict[str, Any],
    params: dict[str, Any],
    dq: dict[str, Any],
    severities: dict[str, str],
) -> list[dict[str, Any]]:
    out = []
    for gid in GATE_IDS:
        g = dq.get(gid, {})
        out.append(
            {
                "id": gid,
                "title": g.get("title", ""),
                "checks": g.get("checks", ""),
                "severity": g.get("severity", ""),
                "params": [],
                "policy_sv": "",
                "policy_en": "",
                "decisions": [],
                "note": "blocking" if g.get("blocking") else "non-blocking",
            }
        )
    for rid, rule in catalogue.items():
        out.append(
            {
                "id": rid,
                "title": rule.title,
                "checks": rule.checks,
                "severity": severities.get(rid, rule.severity),
                "params": [(p, _param_value(params, p)) for p in rule.params],
                "policy_sv": rule.policy_sv,
                "policy_en": rule.policy_en,
                "decisions": list(rule.decisions),
                "note": "",
            }
        )
    return out


def _param_value(params: dict[str, Any], name: str) -> str:
    """The run's value of a parameter; a name the summary lacks ran with the spec default."""
    if name in params:
        return evidence_value(params[name])
    from auditlib.config import Params

    return f"{evidence_value(Params().to_dict().get(name))} (default)"


def _trend_rows(trend: Trend, order: list[str]) -> list[dict[str, Any]]:
    """Rules with anything to say, in the order of the rule table (DQ, RET, SUB, DSR)."""
    rank = {rid: i for i, rid in enumerate(order)}
    rows = []
    for rid, rt in sorted(trend.rules.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])):
        if rt.new or rt.resolved or rt.still_open or not rt.comparable:
            rows.append(
                {
                    "rule_id": rid,
                    "new": rt.new,
                    "resolved": rt.resolved,
                    "still_open": rt.still_open,
                    "comparable": rt.comparable,
                    "note": rt.note,
                }
            )
    return rows


def _count_mismatch(rules: dict[str, Any], findings: list[dict[str, Any]]) -> list[str]:
    """Rules whose finding count in summary.json differs from the lines of findings.jsonl."""
    counted: dict[str, int] = {}
    for f in findings:
        counted[str(f["rule_id"])] = counted.get(str(f["rule_id"]), 0) + 1
    out = []
    for rid in sorted(set(counted) | set(rules)):
        expected = (rules.get(rid) or {}).get("findings") or 0
        if isinstance(expected, int) and expected != counted.get(rid, 0):
            out.append(
                f"{rid}: summary.json counts {expected} finding(s), findings.jsonl holds "
                f"{counted.get(rid, 0)}; the run directory is inconsistent"
            )
    return out


def _promises(
    summary: dict[str, Any], catalogue: dict[str, Any], findings: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The verdict per promise; a rule whose count disagrees with findings.jsonl is not trusted."""
    from auditlib.rules.promises import promise_rows

    rules = dict(summary.get("rules") or {})
    for line in _count_mismatch(rules, findings):
        rid = line.split(":", 1)[0]
        rules[rid] = {**(rules.get(rid) or {}), "status": "inconsistent"}
    return promise_rows({**summary, "rules": rules}, catalogue)


def _with_keys(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``d`` with every key the template reads (missing ones empty: shown as blank, not guessed)."""
    return {**{k: "" for k in keys}, **d}


def build_context(
    data: RunData,
    trend: Trend,
    notebooks: list[dict[str, Any]],
    notebook_charts: list[dict[str, Any]],
) -> dict[str, Any]:
    from auditlib.rules import load_catalogue

    s = data.summary
    catalogue = load_catalogue()
    dq = {g.id: g.as_dict() for g in GATES.values()}
    params = safe_description(s.get("parameters") or {})
    severities = s.get("severities") or {}
    from auditlib.report.policy_section import policy_context, policy_rule_meta

    rule_rows = _rule_rows(data, catalogue, {**policy_rule_meta(), **dq})
    source = safe_description(s.get("source") or {})
    by_sev: dict[str, int] = {}
    for f in data.findings:
        by_sev[str(f.get("severity"))] = by_sev.get(str(f.get("severity")), 0) + 1
    charts = []
    c1 = findings_by_rule_chart(data.findings, [r["id"] for r in rule_rows])
    if c1:
        charts.append({"title": "Findings per rule, by severity", "uri": c1})
    c2 = status_chart({r["id"]: r["status"] for r in rule_rows if r["status"] in STATUSES})
    if c2:
        charts.append({"title": "Rule status", "uri": c2})
    verdict = s.get("verdict") if s.get("verdict") in ("pass", "fail", "error") else "error"
    return {
        "run_id": data.run_id,
        "plan": _with_keys(
            plan if isinstance(plan := s.get("plan"), dict) else {"name": plan or ""},
            "name",
            "path",
            "sha256",
        ),
        "as_of": s.get("as_of", ""),
        "started_at": s.get("started_at", ""),
        "finished_at": s.get("finished_at", ""),
        "user": s.get("user", ""),
        "host": s.get("host", ""),
        "source_kind": source.pop("kind", ""),
        "source_fingerprint": source.pop("fingerprint", ""),
        "source": source,
        "snapshot": _with_keys(
            safe_description(s.get("snapshot") or {}),
            "sha256",
            "snapshot_time",
            "key_fingerprint",
            "key_source",
            "rows",
        ),
        "auditlib": _with_keys(s.get("auditlib") or {}, "version", "git_commit"),
        "evidence": s.get("evidence") if isinstance(s.get("evidence"), dict) else {},
        "parameters": params,
        "packages": s.get("packages") or {},
        "verdict": verdict,
        "verdict_recorded": s.get("verdict"),
        "exit_status": s.get("exit_status"),
        "rules": rule_rows,
        "status_counts": {st: sum(1 for r in rule_rows if r["status"] == st) for st in STATUSES},
        "findings_total": len(data.findings),
        "findings_by_severity": sorted(by_sev.items(), key=lambda kv: severity_rank(kv[0])),
        "worst": _worst(data.findings, s),
        "promises": _promises(s, catalogue, data.findings),
        "worst_limit": WORST_FINDINGS,
        "charts": charts,
        "notebook_charts": notebook_charts,
        "dq": _dq_section(data),
        "method": _method(catalogue, s.get("parameters") or {}, dq, severities),
        "trend": trend,
        "trend_rows": _trend_rows(trend, [r["id"] for r in rule_rows]),
        "trend_totals": trend.totals,
        "policy": policy_context(data, trend.previous_summary),
        "notebooks": notebooks,
        "stages": [(str(k), _seconds(v)) for k, v in (s.get("stages") or {}).items() if _is_num(v)],
        "held_customers": [
            {k: scrub_text(evidence_value(v)) for k, v in h.items()}
            for h in (s.get("held_customers") or [])
            if isinstance(h, dict)
        ],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "report_error": scrub_text(str(s.get("report_error") or "")),
        "problems": [scrub_text(str(p)) for p in (s.get("problems") or [])]
        + _count_mismatch(s.get("rules") or {}, data.findings),
    }


def render_index_html(context: dict[str, Any]) -> str:
    return environment().get_template("run_index.html.j2").render(**context)


def write_index(run_dir: Path, context: dict[str, Any]) -> Path:
    from auditlib.report.offline import assert_offline

    html = render_index_html(context)
    assert_offline(html, f"{run_dir.name}/index.html")
    out = Path(run_dir) / "index.html"
    out.write_text(html, encoding="utf-8")
    return out
