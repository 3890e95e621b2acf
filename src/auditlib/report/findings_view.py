"""``findings.html``: every finding of a run, browsable offline, linked from ``index.html``.

The findings are embedded once as a JSON block (``<script type="application/json">``,
with ``<``, ``>``, ``&`` and the JavaScript line separators escaped, so no value can
close the block) and shown by a small script of our own (``templates/findings.js``):
filters by promise, rule, severity and entity type, search by id, sorting, and pages
of 25..1000 rows, so 100,000 findings never become 100,000 DOM rows. The page carries a
Content-Security-Policy that allows exactly that script (by its sha256) and no network
at all. With JavaScript off the page shows the most serious :data:`STATIC_ROWS`
findings as a plain table and points to ``findings.csv``/``findings.xlsx``.

The rows are those of :mod:`auditlib.report.findings_table` (privacy-scrubbed).
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from auditlib.config import SEVERITIES as SEVERITY_ORDER
from auditlib.report.findings_table import NO_PROMISE, FindingsTable, view_rows

VIEW_NAME = "findings.html"
STATIC_ROWS = 500
_EVIDENCE_SHOWN = 14


@lru_cache(maxsize=1)
def view_script() -> str:
    return (
        resources.files("auditlib")
        .joinpath("report/templates/findings.js")
        .read_text(encoding="utf-8")
    )


def script_hash(script: str) -> str:
    """The CSP source expression that allows exactly this inline script."""
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()


def json_for_script(value: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">`` (no ``</script>``)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _evidence_text(row: dict[str, Any]) -> str:
    parts = [
        f"{k.removeprefix('evidence.')}: {v}"
        for k, v in row.items()
        if k.startswith("evidence.") and v is not None and v != ""
    ]
    more = (
        f" … (+{len(parts) - _EVIDENCE_SHOWN} more in findings.csv)"
        if len(parts) > _EVIDENCE_SHOWN
        else ""
    )
    return "; ".join(parts[:_EVIDENCE_SHOWN]) + more


def view_data(table: FindingsTable) -> dict[str, Any]:
    from auditlib.rules.promises import load_promises

    rows = [
        [
            r["n"],
            r["promise"],
            r["rule_id"],
            r["severity"],
            r["entity_type"],
            r["entity_id"],
            r["message"],
            r["working"],
            _evidence_text(r),
        ]
        for r in view_rows(table)
    ]
    promises = [p.title for p in load_promises()]
    if any(r[1] == NO_PROMISE for r in rows):
        promises.append(NO_PROMISE)
    return {"severities": list(SEVERITY_ORDER), "promises": promises, "rows": rows}


def write_findings_view(run_dir: Path, table: FindingsTable, summary: dict[str, Any]) -> Path:
    from auditlib.report.offline import assert_offline
    from auditlib.report.run_index import environment

    data = view_data(table)
    script = view_script()
    plan = summary.get("plan")
    html = (
        environment()
        .get_template("findings.html.j2")
        .render(
            run_id=str(summary.get("run_id") or Path(run_dir).name.removeprefix(".tmp-")),
            plan_name=str(plan.get("name", "")) if isinstance(plan, dict) else str(plan or ""),
            as_of=str(summary.get("as_of", "")),
            total=len(data["rows"]),
            static_rows=data["rows"][:STATIC_ROWS],
            data_json=json_for_script(data),
            script=script,
            script_hash=script_hash(script),
        )
    )
    assert_offline(html, f"{Path(run_dir).name}/{VIEW_NAME}", allowed_scripts=(script,))
    out = Path(run_dir) / VIEW_NAME
    out.write_text(html, encoding="utf-8")
    return out
