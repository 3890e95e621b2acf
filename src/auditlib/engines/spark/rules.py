"""The rule catalogue on Spark: the twin of :func:`auditlib.rules.evaluate_rules`.

Same catalogue, same gate decision (:func:`auditlib.rules.engine.blockers_from_gate_rows`),
same guards (:mod:`auditlib.rules.guards`), same findings (:func:`findings_from_rows`):
only the SQL is compiled (:mod:`.compile`) and run by Spark on the temp views of
:mod:`.tables`. Findings are ordered as the DuckDB engine orders them (numeric entity ids
first, then by text).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from typing import Any

from auditlib.config import Params
from auditlib.engines.spark.compile import CompileError, compile_sql, compile_view
from auditlib.engines.spark.errors import spark_error_text
from auditlib.engines.spark.tables import register_calendar
from auditlib.rules.catalogue_loader import Rule
from auditlib.rules.engine import (
    RuleResult,
    blocked_result,
    blockers_from_gate_rows,
    check_observation_columns,
    findings_from_rows,
    guard_error,
    resolve_rule_ids,
)
from auditlib.rules.guards import rule_guards
from auditlib.rules.views import load_views, views_read

GateRows = list[tuple[str, str, str, str | None]] | None


def run_parameters(as_of: date, params: Params) -> dict[str, Any]:
    return {"as_of": as_of, **params.__dict__}


def install_views(
    spark: Any, values: dict[str, Any], names: Iterable[str] | None = None
) -> list[str]:
    """Create the shared views ``names`` (default: all) whose tables exist; drop and return
    the others (a rule reading a dropped view then errors, never passes)."""
    from pyspark.errors import AnalysisException

    wanted = set(load_views()) if names is None else set(names)
    skipped = []
    for name, statement in load_views().items():
        if name not in wanted:
            continue
        try:
            spark.sql(compile_view(statement, values, name))
        except AnalysisException as exc:
            if "TABLE_OR_VIEW_NOT_FOUND" not in str(exc):
                raise
            spark.catalog.dropTempView(name)
            skipped.append(name)
    return skipped


def _wrapped(compiled: str) -> str:
    return (
        "SELECT CAST(`entity_id` AS STRING), CAST(`message` AS STRING), to_json(`evidence`) "
        f"FROM ({compiled}) AS r "
        "ORDER BY TRY_CAST(`entity_id` AS BIGINT) ASC NULLS LAST, "
        "CAST(`entity_id` AS STRING) ASC NULLS LAST"
    )


def run_rule_spark(
    spark: Any,
    rule: Rule,
    values: dict[str, Any],
    severity: str | None = None,
    require_gates: bool = True,
    gate_rows: GateRows = None,
) -> RuleResult:
    t0 = time.perf_counter()
    sev = severity or rule.severity
    if require_gates:
        blockers = blockers_from_gate_rows(gate_rows, rule.tables)
        if blockers:
            return blocked_result(rule, sev, blockers)
    try:
        guarded = _guards_at_once(spark, rule, values)
        if guarded is not None:
            return RuleResult(rule, sev, "error", error=guarded, seconds=time.perf_counter() - t0)
        rows = spark.sql(_wrapped(compile_sql(rule.sql, values, rule.id))).collect()
        findings = findings_from_rows(rule, sev, [tuple(r) for r in rows])
        observations: list[dict[str, Any]] = []
        if rule.observations_sql:
            df = spark.sql(compile_sql(rule.observations_sql, values, f"{rule.id} observations"))
            cols = list(df.columns)
            check_observation_columns(rule.id, cols)
            observations = [r.asDict(recursive=True) for r in df.collect()]
    except CompileError as exc:
        return RuleResult(
            rule, sev, "error", error=f"CompileError: {exc}", seconds=time.perf_counter() - t0
        )
    except Exception as exc:  # noqa: BLE001 - any failure of a rule is reported as its error
        return RuleResult(
            rule, sev, "error", error=_one_line(exc), seconds=time.perf_counter() - t0
        )
    status = "fail" if findings else "pass"
    return RuleResult(rule, sev, status, findings, None, observations, time.perf_counter() - t0)


def _guards_at_once(spark: Any, rule: Rule, values: dict[str, Any]) -> str | None:
    """The rule's guards as one Spark query (one job, not one per guard), answered as
    :func:`auditlib.rules.engine.guard_error` answers them one by one: the first guard, in
    order, that finds a row names its smallest key."""
    guards = rule_guards(rule)
    if not guards:
        return None
    parts = [
        f"SELECT {i} AS guard_no, * FROM ({compile_sql(g.sql(), values, f'{rule.id} guard')})"
        for i, g in enumerate(guards)
    ]
    try:
        rows = spark.sql(" UNION ALL ".join(parts)).collect()
    except Exception as exc:  # noqa: BLE001 - the guards cannot run: name them, as DuckDB does
        return guard_error(rule, _raise(exc))
    if not rows:
        return None
    no, key, value = min((r[0], r[1], r[2]) for r in rows)
    return guards[no].error(key, value)


def _raise(exc: BaseException) -> Any:
    def fetch(sql: str) -> None:
        raise exc

    return fetch


def _one_line(exc: BaseException) -> str:
    """Spark errors carry a JVM stack trace (and may quote data): keep Spark's error class;
    other errors: their class and first line."""
    text = spark_error_text(exc)
    if not text.startswith("Spark error ("):
        return text
    try:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    except Exception:  # noqa: BLE001 - py4j's str() fails when the JVM is gone
        first = "the Spark JVM is gone"
    return f"{type(exc).__name__}: {first}"


def evaluate_rules_spark(
    spark: Any,
    as_of: date,
    params: Params | None = None,
    rule_ids: Iterable[str] | None = None,
    severities: dict[str, str] | None = None,
    require_gates: bool = True,
    gate_rows: GateRows = None,
) -> list[RuleResult]:
    """Run the rules on the snapshot tables registered in ``spark`` (see :mod:`.tables`).

    ``gate_rows`` are the snapshot's (gate_id, table_name, status, message) rows, or None
    when it has none (then every rule is blocked, as on DuckDB).
    """
    params = params or Params()
    rules = resolve_rule_ids(rule_ids)
    values = run_parameters(as_of, params)
    register_calendar(spark, params.count_eves_as_holidays)
    read = {v for r in rules for s in (r.sql, r.observations_sql) if s for v in views_read(s)}
    install_views(spark, values, read)
    severities = severities or {}
    return [
        run_rule_spark(spark, rule, values, severities.get(rule.id), require_gates, gate_rows)
        for rule in rules
    ]
