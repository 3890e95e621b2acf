"""What ``notebooks/policy.ipynb`` calls: audit the policy text, write the results, show them.

:func:`run_policy` reads the text (the run's copy), runs the POL rules with the plan's
parameters and severities, writes ``<result_dir>/policy.json`` (the per-notebook results
format of docs/ARCHITECTURE.md) and returns a :class:`PolicyView` of small DataFrames.
With ``policy_path=None`` it audits the project's published policy
(``audits/policy/integritetspolicy.txt`` of the checkout), so the notebook opens and runs
in JupyterLab as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from auditlib.config import Params
from auditlib.policy.document import read_policy
from auditlib.policy.engine import PolicyAudit, audit_document

PUBLISHED = Path("audits") / "policy" / "integritetspolicy.txt"


def published_policy() -> Path:
    import auditlib

    path = Path(auditlib.__file__).resolve().parents[2] / PUBLISHED
    if not path.is_file():
        raise FileNotFoundError(
            f"no policy given and {PUBLISHED} is not in this checkout; pass policy_path"
        )
    return path


@dataclass
class PolicyView:
    audit: PolicyAudit
    result_file: Path | None = None

    def overview(self) -> pd.DataFrame:
        d = self.audit.describe()
        rows = [
            ("file", Path(d["path"]).name),
            ("sha256", d["sha256"]),
            ("format", d["format"]),
            ("sections", d["sections"]),
            ("sentences", d["sentences"]),
            ("as of", self.audit.as_of.isoformat()),
        ]
        return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")

    def rules(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "rule_id": rid,
                    "title": o.rule.title,
                    "article": o.rule.article,
                    "severity": o.severity,
                    "status": o.status,
                    "findings": len(o.findings),
                    "error": o.error,
                }
                for rid, o in self.audit.outcomes.items()
            ],
            columns=["rule_id", "title", "article", "severity", "status", "findings", "error"],
        ).set_index("rule_id")

    def findings(self) -> pd.DataFrame:
        """One row per finding: where, what, and the sentence concerned (quoted, redacted)."""
        return pd.DataFrame(
            [
                {
                    "rule_id": f["rule_id"],
                    "severity": f["severity"],
                    "entity_id": f["entity_id"],
                    "message": f["message"],
                    "quote": (f["evidence"] or {}).get("quote", ""),
                }
                for f in self.audit.findings
            ],
            columns=["rule_id", "severity", "entity_id", "message", "quote"],
        )

    def sections(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"section": s.ref, "sentences": len(s.sentences)} for s in self.audit.doc.sections],
            columns=["section", "sentences"],
        )


def run_policy(
    policy_path: str | Path | None = None,
    as_of: str | date | None = None,
    params: dict[str, Any] | None = None,
    severities: dict[str, str] | None = None,
    result_dir: str | Path | None = None,
) -> PolicyView:
    from auditlib.dates import today_stockholm
    from auditlib.jsonio import write_json_atomic

    day = (
        (as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of)))
        if as_of
        else today_stockholm()
    )
    doc = read_policy(policy_path or published_policy())
    audit = audit_document(doc, Params.from_mapping(params or {}), day, severities or {})
    view = PolicyView(audit)
    if result_dir:
        view.result_file = Path(result_dir) / "policy.json"
        write_json_atomic(view.result_file, audit.to_result())
    return view
