"""What the audit notebooks call: one function per notebook step, plus charts.

Notebooks hold no logic: they read their parameters, call one of these
functions and display what it returns. Everything here is tested in
``tests/test_runner_*.py``.

- :func:`run_snapshot` (``snapshot.ipynb``): build the minimised snapshot from a
  source (secrets only from the environment), make it 0600, and write
  ``results/snapshot.json`` with the data-quality findings, gate statuses and
  the ``_audit_gates`` rows (``gates``; the runner copies them into summary.json).
- :func:`run_audit` (``retention``/``subprocessors``/``dsr.ipynb``): open the
  snapshot read-only, evaluate the catalogue rules whose ``notebook`` matches in
  DuckDB, write ``results/<notebook>.json`` atomically, return an
  :class:`AuditView` of small DataFrames for display.
- ``chart_*``: matplotlib figures from small aggregate DuckDB queries (never a
  whole table in pandas).

Defaults make the notebooks open and run in JupyterLab as they are: with
``snapshot_path=None`` a demo snapshot for the day is built (or reused) in the
cache directory (:func:`auditlib.runner.sources.cache_dir`).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from auditlib import duckdb_resources
from auditlib.config import SEVERITIES, Params
from auditlib.dates import today_stockholm
from auditlib.hashing import sha256_file as _sha256_file
from auditlib.rules.catalogue_loader import Rule, load_catalogue
from auditlib.rules.engine import RuleResult, evaluate_rules, set_parameters
from auditlib.runner.jsonio import json_default, write_json_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

AUDIT_NOTEBOOKS = ("retention", "subprocessors", "dsr")
_SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_BASE_COLUMNS = ("rule_id", "severity", "entity_type", "entity_id", "days")


def _as_date(as_of: str | date | None) -> date:
    if as_of is None or as_of == "":
        return today_stockholm()
    return as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of))


def rules_for(notebook: str) -> list[Rule]:
    """The catalogue rules a notebook evaluates (their ``notebook`` key), catalogue order."""
    return [r for r in load_catalogue().values() if r.notebook == notebook]


# --------------------------------------------------------------------------- snapshot


def default_snapshot(as_of: str | date | None = None, scale: float = 0.05, seed: int = 7) -> Path:
    """A demo snapshot for ``as_of`` in the cache directory, built once and then reused."""
    from auditlib.runner.sources import cache_dir, demo_export

    day = _as_date(as_of)
    path = cache_dir() / "snapshots" / f"demo-{day.isoformat()}-scale{scale:g}-seed{seed}.duckdb"
    if not path.exists():
        export = demo_export(day, scale, seed)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
        tmp.unlink(missing_ok=True)
        _build(str(export), tmp)
        os.replace(tmp, path)
    return path


GATES_BACKEND = "auto"


def _build(source: str, out_path: Path) -> Any:
    """Build the snapshot (the builder also runs the gates: no gates, no snapshot); 0600."""
    from auditlib.quality import build_gated_snapshot

    # Audit runs let Great Expectations validate the small tables itself (DuckDB the large
    # ones; parity-tested): the import (~5 s) is paid once, in this notebook only.
    info = build_gated_snapshot(source, out_path, gates_backend=GATES_BACKEND)
    os.chmod(out_path, 0o600)
    return info


def _meta(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    import json

    try:
        rows = con.execute("SELECT key, CAST(value AS VARCHAR) FROM _snapshot_meta").fetchall()
    except duckdb.CatalogException:
        return {}
    return {k: json.loads(v) if v is not None else None for k, v in rows}


@dataclass
class SnapshotView:
    """What ``snapshot.ipynb`` shows: source (no secrets), rows, hashes, key, gates."""

    path: Path
    sha256: str
    seconds: float
    meta: dict[str, Any]
    tables: pd.DataFrame  # table_name, format, rows_source, rows_snapshot, input_sha256
    gates: pd.DataFrame  # gate_id x status counts
    gate_problems: pd.DataFrame  # the non-pass gate rows: gate, table, status, rows, message
    gate_status: dict[str, dict[str, Any]]
    findings: list[dict[str, Any]] = field(default_factory=list)
    result_file: Path | None = None

    @property
    def source(self) -> dict[str, Any]:
        return self.meta.get("source") or {}

    @property
    def key(self) -> dict[str, Any]:
        return {"key_fingerprint": self.meta.get("key_fingerprint"),
                "key_source": self.meta.get("key_source")}

    def overview(self) -> pd.DataFrame:
        keys = ("kind", "snapshot_time", "schema_sha256", "key_fingerprint", "key_source",
                "seconds", "auditlib_version")
        rows = [("snapshot sha256", self.sha256), ("snapshot file", self.path.name)]
        rows += [(k, self.meta.get(k)) for k in keys]
        return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")


def _gate_rows(gates_long: pd.DataFrame) -> list[dict[str, Any]]:
    """``_audit_gates`` without ``details``, JSON-ready (the runner's ``summary["gates"]``)."""
    rows = []
    for g in gates_long.itertuples(index=False):
        n = g.rows_affected
        rows.append({"gate_id": g.gate_id, "table_name": g.table_name, "status": g.status,
                     "rows_affected": None if pd.isna(n) else int(n),
                     "message": "" if g.message is None or pd.isna(g.message) else g.message})
    return rows


def run_snapshot(source: str | None = None, snapshot_path: str | None = None,
                 result_dir: str | None = None, as_of: str | date | None = None) -> SnapshotView:
    """Build the snapshot (``source=None``: today's demo data) and report its gates.

    The source string never carries a password (refused); libpq reads it from the
    environment. Writes ``<result_dir>/snapshot.json`` when ``result_dir`` is given.
    """
    from auditlib.quality import gate_findings, gate_status
    from auditlib.runner.sources import resolve_source

    t0 = time.perf_counter()
    if source is None and snapshot_path is None:
        path = default_snapshot(as_of)
    else:
        spec = resolve_source(source or "demo", _as_date(as_of)).spec
        if snapshot_path is None:
            from auditlib.runner.sources import cache_dir

            snapshot_path = str(cache_dir() / "snapshots" / f"adhoc-{os.getpid()}.duckdb")
        path = Path(snapshot_path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists():
            raise FileExistsError(f"snapshot file {path} exists already; a snapshot is never "
                                  "overwritten: pass a new snapshot_path")
        _build(spec, path)
    with duckdb.connect(str(path), read_only=True) as con:
        meta = _meta(con)
        tables = con.execute(
            "SELECT table_name, format, rows_source, rows_snapshot, input_sha256 "
            "FROM _snapshot_tables ORDER BY table_name"
        ).df()
        gates_long = con.execute(
            "SELECT gate_id, table_name, status, rows_affected, message FROM _audit_gates "
            "ORDER BY gate_id, table_name"
        ).df()
        status = gate_status(con)
        findings = [f.to_dict() for f in gate_findings(con)]
    gates = (gates_long.pivot_table(index="gate_id", columns="status", values="table_name",
                                    aggfunc="count", fill_value=0)
             if len(gates_long) else gates_long)
    problems = gates_long[gates_long["status"] != "pass"].reset_index(drop=True)
    view = SnapshotView(path=path, sha256=_sha256_file(path), seconds=time.perf_counter() - t0,
                        meta=meta, tables=tables, gates=gates, gate_problems=problems,
                        gate_status=status, findings=findings)
    if result_dir:
        view.result_file = Path(result_dir) / "snapshot.json"
        write_json_atomic(view.result_file, {
            "notebook": "snapshot",
            "rules": status,
            "findings": findings,
            "observations": {},
            "gates": _gate_rows(gates_long),
            "snapshot": {
                "sha256": view.sha256, "path": str(path),
                "snapshot_time": meta.get("snapshot_time"),
                "rows": {t: None if pd.isna(n) else int(n) for t, n in
                         zip(tables["table_name"], tables["rows_snapshot"], strict=True)},
                "key_fingerprint": meta.get("key_fingerprint"),
                "key_source": meta.get("key_source"),
                "seconds": meta.get("seconds"),
            },
            "source": meta.get("source"),
            "python": sys.executable,
            "prefix": sys.prefix,
        })
    return view


# --------------------------------------------------------------------------- audits


@dataclass
class AuditView:
    """The result of one audit notebook, as small DataFrames for display."""

    notebook: str
    as_of: date
    snapshot_path: Path
    params: Params
    results: list[RuleResult]
    result_file: Path | None = None
    _con: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)

    def connection(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the snapshot with the run's variables, date macros and
        rule views (opened once, for the charts' small aggregate queries)."""
        if self._con is None:
            self._con = duckdb.connect(str(self.snapshot_path), read_only=True)
            duckdb_resources.apply(self._con)
            set_parameters(self._con, self.as_of, self.params)
        return self._con

    def rules(self) -> pd.DataFrame:
        """Status per rule: id, title, severity, status, findings, error."""
        return pd.DataFrame(
            [{"rule_id": r.rule.id, "title": r.rule.title, "severity": r.severity,
              "status": r.status, "findings": len(r.findings), "error": r.error}
             for r in self.results],
            columns=["rule_id", "title", "severity", "status", "findings", "error"],
        ).set_index("rule_id")

    def counts(self) -> pd.DataFrame:
        """Findings per severity and rule (a compact overview)."""
        df = self.rules().reset_index()
        return (df.groupby(["severity", "status"], sort=False)["findings"]
                .agg(rules="count", findings="sum").reset_index())

    def findings(self) -> pd.DataFrame:
        rows = [f.to_dict() for r in self.results for f in r.findings]
        return pd.DataFrame(rows, columns=["rule_id", "severity", "entity_type", "entity_id",
                                           "message", "evidence"])

    def worst_cases(self, n: int = 10) -> pd.DataFrame:
        """The n most serious findings: severity first, then the largest 'days' in evidence.

        Only ids, dates and day counts are shown (evidence keys ending in ``_id``/``_ids``,
        holding a date, or naming days); never free text.
        """
        rows = []
        for r in self.results:
            for f in r.findings:
                days = [v for k, v in f.evidence.items()
                        if "days" in k and isinstance(v, int | float) and not isinstance(v, bool)]
                shown = {k: v for k, v in f.evidence.items() if _id_or_date(k, v)}
                rows.append({"rule_id": f.rule_id, "severity": f.severity,
                             "entity_type": f.entity_type, "entity_id": f.entity_id,
                             "days": max(days) if days else None, **shown})
        if not rows:
            return pd.DataFrame(columns=["rule_id", "severity", "entity_type", "entity_id", "days"])
        df = pd.DataFrame(rows, dtype=object)
        df["_sev"] = df["severity"].map(_SEVERITY_RANK)
        df["days"] = pd.to_numeric(df["days"]).astype("Int64")
        df = df.sort_values(["_sev", "days"], ascending=[True, False], na_position="last")
        df = df.drop(columns="_sev").head(n).reset_index(drop=True)
        # evidence keys differ between rules: show a blank, not NaN, where a rule has none
        extra = [c for c in df.columns if c not in ("days",)]
        df[extra] = df[extra].where(df[extra].notna(), "")
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

    def to_result(self) -> dict[str, Any]:
        """``results/<notebook>.json`` (docs/ARCHITECTURE.md "Per-notebook results")."""
        return {
            "notebook": self.notebook,
            "as_of": self.as_of.isoformat(),
            "rules": {r.rule.id: {"status": r.status, "findings": len(r.findings),
                                  "error": r.error, "severity": r.severity,
                                  "seconds": round(r.seconds, 4)} for r in self.results},
            "findings": [f.to_dict() for r in self.results for f in r.findings],
            "observations": {r.rule.id: r.observations for r in self.results if r.observations},
            "python": sys.executable,
            "prefix": sys.prefix,
        }


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


def run_audit(notebook: str, snapshot_path: str | Path | None = None,
              as_of: str | date | None = None, params: dict[str, Any] | None = None,
              severities: dict[str, str] | None = None,
              result_dir: str | Path | None = None) -> AuditView:
    """Evaluate the rules of ``notebook`` on the snapshot (read-only) and return a view.

    Writes ``<result_dir>/<notebook>.json`` atomically when ``result_dir`` is given.
    A notebook with no rules in the catalogue is an error (fail closed), never a pass.
    """
    if notebook not in AUDIT_NOTEBOOKS:
        raise ValueError(f"unknown audit notebook {notebook!r}; known: {list(AUDIT_NOTEBOOKS)}")
    day = _as_date(as_of)
    p = Params.from_mapping(params or {})
    rules = rules_for(notebook)
    if not rules:
        raise RuntimeError(f"the rule catalogue holds no rules for notebook {notebook!r}; "
                           "check src/auditlib/rules/catalogue/*.toml (key 'notebook')")
    path = Path(snapshot_path) if snapshot_path else default_snapshot(day)
    if not path.exists():
        raise FileNotFoundError(f"snapshot {path} does not exist; run snapshot.ipynb first "
                                "or pass snapshot_path=None for demo data")
    sev = {k: v for k, v in (severities or {}).items() if k in {r.id for r in rules}}
    with duckdb.connect(str(path), read_only=True) as con:
        duckdb_resources.apply(con)  # the plan's memory limit: rules spill instead of failing
        results = evaluate_rules(con, day, p, rule_ids=[r.id for r in rules], severities=sev)
    view = AuditView(notebook, day, path, p, results)
    if result_dir:
        view.result_file = Path(result_dir) / f"{notebook}.json"
        write_json_atomic(view.result_file, view.to_result())
    return view


# --------------------------------------------------------------------------- charts


def _figure(title: str) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    return fig, ax


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def chart_retention_overdue(view: AuditView) -> Figure:
    """Days overdue for offboarding deletion per customer (RET-01 findings), sorted."""
    fig, ax = _figure(f"Offboarding deletion overdue at {view.as_of} (RET-01)")
    pts = sorted(((int(f.evidence.get("days_overdue", 0)), f.entity_id)
                  for r in view.results if r.rule.id == "RET-01" for f in r.findings),
                 reverse=True)
    if not pts:
        _empty(ax, "no customer is overdue")
        return fig
    ax.barh([f"customer {e}" for _, e in pts][::-1], [d for d, _ in pts][::-1], color="#b2182b")
    ax.set_xlabel("days past deletion_due")
    return fig


def transfers_by_country(view: AuditView) -> pd.DataFrame:
    """Transfers on or before D per destination country (an aggregate query in DuckDB)."""
    return view.connection().execute("""
        SELECT country, count(*) AS transfers, sum(record_count) AS records,
               list_contains(getvariable('allowed_countries'), country) AS allowed
        FROM (SELECT CASE upper(destination_country) WHEN 'EL' THEN 'GR'
                          ELSE upper(destination_country) END AS country, record_count
              FROM data_transfers
              WHERE sthlm_date(occurred_at) <= getvariable('as_of'))
        GROUP BY country ORDER BY records DESC
    """).df()


def chart_transfers_by_country(view: AuditView) -> Figure:
    """Records transferred per destination country; outside EU/EEA in red."""
    fig, ax = _figure(f"Records transferred by destination country, up to {view.as_of}")
    df = transfers_by_country(view)
    if df.empty:
        _empty(ax, "no transfers")
        return fig
    colours = ["#4d9221" if a else "#b2182b" for a in df["allowed"]]
    ax.bar(df["country"].fillna("?"), df["records"], color=colours)
    ax.set_yscale("log")
    ax.set_ylabel("records (log scale)")
    ax.set_xlabel("green: EU/EEA (allowed_countries); red: outside")
    return fig


def dsr_answer_times(view: AuditView) -> pd.DataFrame:
    """Per answered request: days from receipt to answer, and to its deadline.

    The deadline is the one DSR-01 judges (view ``dsr_deadlines`` of ``rules/views.sql``:
    due_1m = roll(add_months(received, 1)); an extension notified by due_1m with a reason,
    as known at the end of D, gives roll(add_months(received, 3)); refusals stay at due_1m),
    so a dot drawn late is exactly a DSR-01 finding. For display only: DSR-01 decides the
    findings. Answered = completed on or before D; withdrawn requests have no deadline.
    """
    return view.connection().execute("""
        SELECT request_id, received, answered, due,
               date_diff('day', received, answered) AS days_to_answer,
               date_diff('day', received, due) AS days_allowed
        FROM dsr_deadlines
        WHERE answered IS NOT NULL
          AND outcome IS DISTINCT FROM 'withdrawn'
        ORDER BY received, request_id
    """).df()


def chart_dsr_answer_time(view: AuditView) -> Figure:
    """Days to answer against days allowed, one dot per answered request; late ones in red."""
    fig, ax = _figure(f"DSR answer time against the deadline, answered up to {view.as_of}")
    df = dsr_answer_times(view)
    if df.empty:
        _empty(ax, "no answered requests")
        return fig
    late = df["days_to_answer"] > df["days_allowed"]
    ax.scatter(df["days_allowed"][~late], df["days_to_answer"][~late], s=12, c="#4d9221",
               label="on time")
    ax.scatter(df["days_allowed"][late], df["days_to_answer"][late], s=18, c="#b2182b",
               label="late")
    top = max(df["days_allowed"].max(), df["days_to_answer"].max()) + 5
    ax.plot([0, top], [0, top], color="grey", lw=1, ls="--", label="deadline")
    ax.set_xlabel("days allowed (received -> due)")
    ax.set_ylabel("days taken (received -> answered)")
    ax.legend(loc="upper left")
    return fig


__all__ = [
    "AuditView", "SnapshotView", "chart_dsr_answer_time", "chart_retention_overdue",
    "chart_transfers_by_country", "default_snapshot", "dsr_answer_times", "json_default",
    "rules_for", "run_audit", "run_snapshot", "transfers_by_country",
]
