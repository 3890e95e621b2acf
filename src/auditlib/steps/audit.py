"""The audit step (``retention``/``subprocessors``/``dsr.ipynb``): rules on the snapshot.

:func:`run_audit` opens the snapshot read-only, evaluates the catalogue rules whose
``notebook`` key names the notebook, in DuckDB, writes ``results/<notebook>.json``
(:mod:`auditlib.steps.results`) when given a ``result_dir``, and returns an
:class:`AuditView` of small DataFrames for display. A notebook with no rules in the
catalogue is an error (fail closed), never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from auditlib import duckdb_resources
from auditlib.config import Params
from auditlib.ranking import magnitude, rank_findings
from auditlib.rules.catalogue_loader import Rule, load_catalogue
from auditlib.rules.engine import RuleResult, evaluate_rules, set_parameters
from auditlib.snapshot.store import open_snapshot
from auditlib.steps.results import Environment, RuleOutcome, StepResult, write_result
from auditlib.steps.snapshot import as_date, default_snapshot

AUDIT_NOTEBOOKS = ("retention", "subprocessors", "dsr")
_BASE_COLUMNS = ("rule_id", "severity", "entity_type", "entity_id", "magnitude")


def rules_for(notebook: str) -> list[Rule]:
    """The catalogue rules a notebook evaluates (their ``notebook`` key), catalogue order."""
    return [r for r in load_catalogue().values() if r.notebook == notebook]


def _id_or_date(key: str, value: Any) -> bool:
    if key.endswith(("_id", "_ids")):
        return True
    if isinstance(value, str) and len(value) >= 10:
        try:
            date.fromisoformat(value[:10])
            return True
        except ValueError:
            return False
    return False


@dataclass
class AuditView:
    """The result of one audit notebook, as small DataFrames for display."""

    notebook: str
    as_of: date
    snapshot_path: Path
    params: Params
    results: list[RuleResult]
    result_file: Path | None = None
    engine: dict[str, Any] = field(default_factory=lambda: {"engine": "duckdb"})
    _con: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    def connection(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the snapshot with the run's variables, macros and
        rule views (opened once, for the charts' small aggregate queries)."""
        if self._con is None:
            self._con = open_snapshot(self.snapshot_path)
            duckdb_resources.apply(self._con)
            set_parameters(self._con, self.as_of, self.params)
        return self._con

    def rules(self) -> pd.DataFrame:
        """Status per rule: id, title, severity, status, findings, error."""
        return pd.DataFrame(
            [
                {
                    "rule_id": r.rule.id,
                    "title": r.rule.title,
                    "severity": r.severity,
                    "status": r.status,
                    "findings": len(r.findings),
                    "error": r.error,
                }
                for r in self.results
            ],
            columns=["rule_id", "title", "severity", "status", "findings", "error"],
        ).set_index("rule_id")

    def counts(self) -> pd.DataFrame:
        """Findings per severity and rule (a compact overview)."""
        df = self.rules().reset_index()
        return (
            df.groupby(["severity", "status"], sort=False)["findings"]
            .agg(rules="count", findings="sum")
            .reset_index()
        )

    def finding_dicts(self) -> list[dict[str, Any]]:
        return [f.to_dict() for r in self.results for f in r.findings]

    def findings(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.finding_dicts(),
            columns=["rule_id", "severity", "entity_type", "entity_id", "message", "evidence"],
        )

    def worst_cases(self, n: int = 10) -> pd.DataFrame:
        """The n most serious findings, ranked as the run's index.html ranks them
        (:func:`auditlib.ranking.rank_findings`: severity, then days late or counts).

        Only ids, dates and numbers named by the ranking are shown (evidence keys ending
        in ``_id``/``_ids`` or holding a date, and ``magnitude``); never free text.
        """
        rows = []
        for f in rank_findings(self.finding_dicts(), n):
            ev = f["evidence"] if isinstance(f["evidence"], dict) else {}
            shown = {k: v for k, v in ev.items() if _id_or_date(k, v)}
            rows.append(
                {
                    "rule_id": f["rule_id"],
                    "severity": f["severity"],
                    "entity_type": f["entity_type"],
                    "entity_id": f["entity_id"],
                    "magnitude": magnitude(ev),
                    **shown,
                }
            )
        if not rows:
            return pd.DataFrame(columns=list(_BASE_COLUMNS))
        df = pd.DataFrame(rows, dtype=object)
        # evidence keys differ between rules: show a blank, not NaN, where a rule has none
        df = df.where(df.notna(), "")
        keep = [c for c in df.columns if c in _BASE_COLUMNS or (df[c] != "").any()]
        return df[keep]

    def observations(self, rule_id: str) -> pd.DataFrame:
        for r in self.results:
            if r.rule.id == rule_id:
                return pd.DataFrame(r.observations)
        return pd.DataFrame()

    def held_customers(self) -> pd.DataFrame:
        """Ended customers exempt from deletion because a legal hold is in force (RET-01)."""
        return self.observations("RET-01")

    def to_result(self) -> StepResult:
        """``results/<notebook>.json`` (:mod:`auditlib.steps.results`)."""
        return StepResult(
            notebook=self.notebook,
            as_of=self.as_of.isoformat(),
            environment=Environment.current(),
            rules={
                r.rule.id: RuleOutcome(
                    status=r.status,
                    findings=len(r.findings),
                    error=r.error,
                    severity=r.severity,
                    seconds=round(r.seconds, 4),
                )
                for r in self.results
            },
            findings=self.finding_dicts(),
            observations={r.rule.id: r.observations for r in self.results if r.observations},
            engine=self.engine,
        )


def run_audit(
    notebook: str,
    snapshot_path: str | Path | None = None,
    as_of: str | date | None = None,
    result_dir: str | Path | None = None,
    params: dict[str, Any] | None = None,
    severities: dict[str, str] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> AuditView:
    """Evaluate the rules of ``notebook`` on the snapshot (read-only) and return a view.

    ``engine="spark"`` evaluates the same rules with Spark (``auditlib[spark]``; master
    ``spark_master``, default ``local[2]``): :mod:`auditlib.engines.spark.audit`.
    """
    if notebook not in AUDIT_NOTEBOOKS:
        raise ValueError(f"unknown audit notebook {notebook!r}; known: {list(AUDIT_NOTEBOOKS)}")
    day = as_date(as_of)
    p = Params.from_mapping(params or {})
    rules = rules_for(notebook)
    if not rules:
        raise RuntimeError(
            f"the rule catalogue holds no rules for notebook {notebook!r}; "
            "check src/auditlib/rules/catalogue/*.toml (key 'notebook')"
        )
    path = Path(snapshot_path) if snapshot_path else default_snapshot(day)
    if not path.exists():
        raise FileNotFoundError(
            f"snapshot {path} does not exist; run snapshot.ipynb first "
            "or pass snapshot_path=None for demo data"
        )
    sev = {k: v for k, v in (severities or {}).items() if k in {r.id for r in rules}}
    engine_info: dict[str, Any] = {"engine": "duckdb", "duckdb_version": duckdb.__version__}
    if engine == "spark":
        from auditlib.engines.spark.audit import evaluate_snapshot

        results, engine_info = evaluate_snapshot(
            path, day, p, [r.id for r in rules], sev, master=spark_master
        )
    elif engine == "duckdb":
        with open_snapshot(path) as con:  # a Parquet snapshot Spark wrote is read too
            duckdb_resources.apply(con)  # the plan's memory limit: rules spill, not fail
            results = evaluate_rules(con, day, p, rule_ids=[r.id for r in rules], severities=sev)
    else:
        raise ValueError(f"unknown engine {engine!r}; known: duckdb, spark")
    view = AuditView(notebook, day, path, p, results, engine=engine_info)
    if result_dir:
        view.result_file = write_result(result_dir, view.to_result())
    return view
