"""The one small engine that runs catalogue rules on a DuckDB snapshot.

For each rule: if a blocking data-quality gate (``auditlib.gate_registry``) failed, or
was never evaluated, for a table the rule reads, the rule is ``error`` (fail
closed: never ``pass`` on data we could not trust). Otherwise its SQL runs in
DuckDB with the run's parameters as DuckDB variables (``getvariable('as_of')``)
and the date macros of :mod:`auditlib.dates`, and may read the shared TEMP views of
``rules/views.sql`` (:mod:`auditlib.rules.views`); each returned row is a finding.
Before the SQL, the rule's fail-closed guards (:mod:`auditlib.rules.guards`) run: a row
they find makes the rule ``error`` naming it. A rule whose SQL raises is ``error`` with the
message, never ``pass``. The gate decision, the guards and the findings' shape are shared
with the Spark engine (:mod:`auditlib.engines.spark.rules`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import duckdb

from auditlib.config import COUNTRY_MACRO_SQL, Params
from auditlib.dates import install_date_macros
from auditlib.gate_registry import blocked_tables
from auditlib.redaction import redact, redact_data
from auditlib.rules.catalogue_loader import Rule, load_catalogue
from auditlib.rules.guards import rule_guards
from auditlib.rules.views import install_views
from auditlib.snapshot.metadata import read_gates

# Evidence must never carry personal data, not even hashed (findings contract).
_FORBIDDEN_EVIDENCE_KEY = re.compile(r"(e_?mail|name|phone|ip_?address|hmac|user_agent)", re.I)


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str
    entity_type: str
    entity_id: str
    message: str
    evidence: dict[str, Any]

    def __post_init__(self) -> None:
        # The boundary where data leaves the snapshot (auditlib.redaction): every finding
        # (rules and gates) carries redacted, control-escaped, length-capped text.
        object.__setattr__(self, "message", redact(self.message))
        object.__setattr__(self, "evidence", redact_data(self.evidence))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "message": self.message,
            "evidence": self.evidence,
        }


@dataclass
class RuleResult:
    rule: Rule
    severity: str
    status: str  # 'pass' | 'fail' | 'error' | 'skipped'
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    observations: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.error is not None:
            self.error = redact(self.error)
        self.observations = redact_data(self.observations)

    def summary(self) -> dict[str, Any]:
        return {"status": self.status, "findings": len(self.findings), "error": self.error}


def _sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, list | tuple):
        items = []
        for v in value:
            if not isinstance(v, str) or not re.fullmatch(r"[A-Z]{2}", v):
                raise ValueError(f"list parameter item {v!r} is not a country code")
            items.append(f"'{v}'")
        return f"[{', '.join(items)}]::VARCHAR[]"
    raise TypeError(f"unsupported parameter value {value!r}")


def set_parameters(con: duckdb.DuckDBPyConnection, as_of: date, params: Params) -> None:
    """Expose ``as_of`` and every parameter as DuckDB variables, install the date macros,
    then the shared rule views (TEMP, so also on a read-only snapshot; they read the
    variables and macros at query time). A view whose tables are missing is not installed:
    the rules reading it then error, never pass."""
    # Snapshot timestamps are TIMESTAMPTZ; pinning the session zone makes any naive value
    # (hand-made tables) read as UTC, whatever the machine's zone, never as local time.
    con.execute("SET TimeZone = 'UTC'")
    install_date_macros(con, params.count_eves_as_holidays)
    con.execute(COUNTRY_MACRO_SQL)
    con.execute(f"SET VARIABLE as_of = {_sql_literal(as_of)}")
    for name, value in params.__dict__.items():
        con.execute(f"SET VARIABLE {name} = {_sql_literal(value)}")
    install_views(con)


def gate_blockers(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> dict[str, str]:
    """table -> reason, for tables whose blocking gates failed or were never evaluated."""
    tables = list(tables)
    try:
        rows = read_gates(con, details=False)
    except duckdb.CatalogException:
        rows = None
    return blockers_from_gate_rows(rows, tables)


def blockers_from_gate_rows(rows: Iterable[Any] | None, tables: Iterable[str]) -> dict[str, str]:
    """The gate-blocking decision of every engine (:func:`auditlib.gate_registry.blocked_tables`):
    ``rows`` are the snapshot's gate rows (objects or (gate_id, table_name, status, message)
    tuples), or None when the snapshot has none."""
    tables = list(tables)
    if rows is None:
        return {t: "the snapshot holds no data-quality gate results" for t in tables}
    return blocked_tables([_as_gate_row(r) for r in rows], tables)


class _GateRow(NamedTuple):
    gate_id: str
    table_name: str
    status: str
    message: str


def _as_gate_row(row: Any) -> Any:
    """A gate row from any engine: a GateResult-like object, or a (gate_id, table_name,
    status, message) tuple."""
    if isinstance(row, tuple) and not hasattr(row, "gate_id"):
        gate_id, table, status, message = row[:4]
        return _GateRow(gate_id, table, status, message or "")
    return row


def blocked_result(rule: Rule, severity: str, blockers: dict[str, str]) -> RuleResult:
    reason = "; ".join(f"table {t}: {r}" for t, r in sorted(blockers.items()))
    return RuleResult(rule, severity, "error", error=f"blocked by data-quality gate: {reason}")


def guard_error(rule: Rule, fetch_first: Callable[[str], tuple[Any, Any] | None]) -> str | None:
    """Run the rule's fail-closed guards (:mod:`auditlib.rules.guards`) through
    ``fetch_first(sql) -> first row or None``; the error of the first that fires, or None."""
    for guard in rule_guards(rule):
        try:
            row = fetch_first(guard.sql())
        except Exception as exc:  # noqa: BLE001 - a guard that cannot run: the rule cannot either
            raise RuntimeError(
                f"the guard of {guard.origin} on table {guard.table} could not run: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if row is not None:
            return guard.error(*row)
    return None


def findings_from_rows(
    rule: Rule, severity: str, rows: Iterable[tuple[Any, Any, Any]]
) -> list[Finding]:
    """(entity_id, message, evidence JSON text) rows -> findings, refusing personal-data keys."""
    findings = []
    for entity_id, message, evidence_json in rows:
        if entity_id is None:
            raise ValueError(f"{rule.id}: a finding has no entity_id")
        evidence = json.loads(evidence_json) if evidence_json else {}
        _check_evidence(rule.id, evidence)
        findings.append(
            Finding(rule.id, severity, rule.entity_type, entity_id, message or "", evidence)
        )
    return findings


def _check_evidence(rule_id: str, evidence: Any, where: str = "evidence") -> None:
    """Refuse any key, at any depth, whose name says it could carry personal data."""
    if isinstance(evidence, dict):
        for key, value in evidence.items():
            if _FORBIDDEN_EVIDENCE_KEY.search(str(key)):
                raise ValueError(f"{rule_id}: {where} key {key!r} could carry personal data")
            _check_evidence(rule_id, value, where)
    elif isinstance(evidence, list):
        for value in evidence:
            _check_evidence(rule_id, value, where)


def check_observation_columns(rule_id: str, cols: list[str]) -> None:
    _check_evidence(rule_id, dict.fromkeys(cols), "observation column")


def resolve_rule_ids(rule_ids: Iterable[str] | None) -> list[Rule]:
    """The catalogue's rules for ``rule_ids`` (default: all, in catalogue order)."""
    catalogue = load_catalogue()
    ids = list(catalogue) if rule_ids is None else list(rule_ids)
    unknown = [r for r in ids if r not in catalogue]
    if unknown:
        raise KeyError(f"unknown rule id(s) {unknown}")
    return [catalogue[r] for r in ids]


def run_rule(
    con: duckdb.DuckDBPyConnection,
    rule: Rule,
    severity: str | None = None,
    require_gates: bool = True,
) -> RuleResult:
    import time

    t0 = time.perf_counter()
    sev = severity or rule.severity
    if require_gates:
        blockers = gate_blockers(con, rule.tables)
        if blockers:
            return blocked_result(rule, sev, blockers)
    try:
        guarded = guard_error(rule, lambda sql: con.execute(sql).fetchone())
        if guarded is not None:
            return RuleResult(rule, sev, "error", error=guarded, seconds=time.perf_counter() - t0)
        rows = con.execute(
            "SELECT CAST(entity_id AS VARCHAR), CAST(message AS VARCHAR), "
            f"CAST(to_json(evidence) AS VARCHAR) FROM ({rule.sql}) AS r "
            "ORDER BY TRY_CAST(entity_id AS BIGINT) NULLS LAST, CAST(entity_id AS VARCHAR)"
        ).fetchall()
        findings = findings_from_rows(rule, sev, rows)
        observations: list[dict[str, Any]] = []
        if rule.observations_sql:
            rel = con.execute(rule.observations_sql)
            cols = [d[0] for d in rel.description]
            check_observation_columns(rule.id, cols)
            observations = [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
    except Exception as exc:  # noqa: BLE001 - any failure of a rule is reported as its error
        return RuleResult(
            rule,
            sev,
            "error",
            error=f"{type(exc).__name__}: {exc}",
            seconds=time.perf_counter() - t0,
        )
    status = "fail" if findings else "pass"
    return RuleResult(rule, sev, status, findings, None, observations, time.perf_counter() - t0)


def evaluate_rules(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    params: Params | None = None,
    rule_ids: Iterable[str] | None = None,
    severities: dict[str, str] | None = None,
    require_gates: bool = True,
) -> list[RuleResult]:
    """Run the given rules (default: all) on ``con`` and return their results in catalogue order."""
    params = params or Params()
    rules = resolve_rule_ids(rule_ids)
    set_parameters(con, as_of, params)
    severities = severities or {}
    return [
        run_rule(con, rule, severities.get(rule.id), require_gates=require_gates) for rule in rules
    ]
