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


class RunDataError(Exception):
    """The run directory does not hold what the report needs."""


@dataclass
class RunData:
    run_dir: Path
    summary: dict[str, Any]
    findings: list[dict[str, Any]]
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


def load_gates(
    summary: dict[str, Any], findings: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], str]:
    """Gate rows per table and where they came from: the ``gates`` list of summary.json
    (the runner copies it from the snapshot step's result), else only the failed gates
    that findings.jsonl holds. The report never opens the pseudonymised snapshot: what
    it shows comes from summary.json and findings.jsonl alone.
    """
    if isinstance(summary.get("gates"), list):
        return summary["gates"], "summary.json"
    rows = [
        {
            "gate_id": f["rule_id"],
            "table_name": f.get("entity_id"),
            "status": "fail",
            "rows_affected": (f.get("evidence") or {}).get("rows_affected"),
            "message": f.get("message", ""),
        }
        for f in findings
        if str(f.get("rule_id", "")).startswith("DQ-")
    ]
    return rows, "findings.jsonl (failed gates only)"


def load_run(run_dir: Path, archive_dir: Path | None = None) -> RunData:
    run_dir = Path(run_dir)
    summary = load_summary(run_dir)
    findings = load_findings(run_dir)
    gates, origin = load_gates(summary, findings)
    return RunData(run_dir, summary, findings, gates, origin)
