"""Read a run directory (the input contract of docs/ARCHITECTURE.md) into one object.

Fail closed: a missing or unreadable ``summary.json`` is an error (there is no
report without it); a malformed line of ``findings.jsonl`` is an error naming the
line, because a silently dropped finding would make the report look greener.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


class RunDataError(Exception):
    """The run directory does not hold what the report needs."""


@dataclass
class RunData:
    run_dir: Path
    summary: dict[str, Any]
    findings: list[dict[str, Any]]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    gates: list[dict[str, Any]] = field(default_factory=list)
    gates_origin: str = ""

    @property
    def run_id(self) -> str:
        return str(self.summary.get("run_id") or self.run_dir.name.removeprefix(".tmp-"))

    @property
    def plan_name(self) -> str:
        plan = self.summary.get("plan")
        return str(plan.get("name", "")) if isinstance(plan, dict) else str(plan or "")


def load_summary(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RunDataError(f"{path} is missing: the runner writes it before the report") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunDataError(f"{path} is unreadable: {exc}") from exc
    if not isinstance(data, dict):
        raise RunDataError(f"{path}: expected a JSON object")
    return data


def load_findings(run_dir: Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / "findings.jsonl"
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RunDataError(f"{path} line {lineno} is not JSON: {exc}") from exc
            if not isinstance(item, dict) or "rule_id" not in item or "entity_id" not in item:
                raise RunDataError(f"{path} line {lineno}: a finding needs rule_id and entity_id")
            out.append(item)
    return out


def load_results(run_dir: Path) -> dict[str, dict[str, Any]]:
    folder = Path(run_dir) / "results"
    out: dict[str, dict[str, Any]] = {}
    if folder.is_dir():
        for p in sorted(folder.glob("*.json")):
            try:
                out[p.stem] = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise RunDataError(f"{p} is unreadable: {exc}") from exc
    return out


def _gates_from_snapshot(snapshot: Path) -> list[dict[str, Any]]:
    import duckdb

    from auditlib.snapshot.metadata import read_gates

    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return [r.summary_row() for r in read_gates(con, details=False)]
    finally:
        con.close()


def load_gates(
    run_dir: Path, summary: dict[str, Any], results: dict[str, dict[str, Any]],
    findings: list[dict[str, Any]], archive_dir: Path | None,
) -> tuple[list[dict[str, Any]], str]:
    """Gate rows per table, from the best source available, and where they came from.

    Order: ``summary.json`` ``gates`` list; ``results/*.json`` ``gates``; the run's
    snapshot ``_audit_gates`` (read-only); else only the DQ findings are known.
    """
    if isinstance(summary.get("gates"), list):
        return summary["gates"], "summary.json"
    for name, res in results.items():
        if isinstance(res.get("gates"), list):
            return res["gates"], f"results/{name}.json"
    snap = (summary.get("snapshot") or {}).get("file")
    if snap and archive_dir is not None:
        path = Path(archive_dir) / snap
        if path.is_file():
            try:
                return _gates_from_snapshot(path), f"snapshot {snap}"
            except Exception:  # noqa: BLE001 - locked/absent table: fall back to findings
                pass
    rows = [
        {"gate_id": f["rule_id"], "table_name": f.get("entity_id"), "status": "fail",
         "rows_affected": (f.get("evidence") or {}).get("rows_affected"),
         "message": f.get("message", "")}
        for f in findings if str(f.get("rule_id", "")).startswith("DQ-")
    ]
    return rows, "findings.jsonl (failed gates only)"


def load_run(run_dir: Path, archive_dir: Path | None = None) -> RunData:
    run_dir = Path(run_dir)
    summary = load_summary(run_dir)
    findings = load_findings(run_dir)
    results = load_results(run_dir)
    gates, origin = load_gates(run_dir, summary, results, findings, archive_dir)
    return RunData(run_dir, summary, findings, results, gates, origin)


def severity_rank(severity: str | None) -> int:
    try:
        return SEVERITY_ORDER.index(str(severity))
    except ValueError:
        return len(SEVERITY_ORDER)
