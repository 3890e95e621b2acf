"""Run a DuckDB rule evaluation again on Spark and insist on the same results.

:func:`parity_evaluate` has the signature of :func:`auditlib.rules.evaluate_rules`: it
evaluates on the DuckDB connection, hands the tables the rules read to Spark, evaluates
there with the same arguments and asserts: same status per rule; for rules that did not
error, the same findings in the same order (rule, severity, entity type, entity id,
message, evidence) and the same observations; for a guard's error, the same message.
It returns the DuckDB results, so the calling test's own assertions still apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from auditlib.config import Params
from auditlib.engines.spark.rules import evaluate_rules_spark
from auditlib.engines.spark.tables import gate_rows_from_duckdb, register_from_duckdb
from auditlib.rules.engine import RuleResult, resolve_rule_ids
from auditlib.rules.guards import rule_guards


class ParityRecorder:
    def __init__(self, spark: Any, duck_evaluate: Callable[..., list[RuleResult]]) -> None:
        self.spark = spark
        self.duck_evaluate = duck_evaluate
        self.compared: list[str] = []

    def __call__(
        self,
        con: Any,
        as_of: date,
        params: Params | None = None,
        rule_ids: Any = None,
        severities: dict[str, str] | None = None,
        require_gates: bool = True,
    ) -> list[RuleResult]:
        rule_ids = None if rule_ids is None else list(rule_ids)
        duck = self.duck_evaluate(con, as_of, params, rule_ids, severities, require_gates)
        rules = resolve_rule_ids(rule_ids)
        needed = {t for r in rules for t in r.tables} | {
            g.table for r in rules for g in rule_guards(r)
        }
        register_from_duckdb(self.spark, con, sorted(needed))
        spark = evaluate_rules_spark(
            self.spark,
            as_of,
            params,
            rule_ids,
            severities,
            require_gates,
            gate_rows=gate_rows_from_duckdb(con),
        )
        assert_same_results(duck, spark)
        self.compared.extend(r.rule.id for r in duck)
        return duck


def assert_same_results(duck: list[RuleResult], spark: list[RuleResult]) -> None:
    assert [r.rule.id for r in duck] == [r.rule.id for r in spark]
    for d, s in zip(duck, spark, strict=True):
        rid = d.rule.id
        assert d.status == s.status, (
            f"{rid}: DuckDB {d.status} ({d.error}) but Spark {s.status} ({s.error})"
        )
        if d.status == "error":
            # gate and guard errors are the engines' shared logic: the same text on both;
            # a SQL error's text is the engine's own
            shared = d.error or ""
            if shared.startswith("blocked by data-quality gate") or _is_guard_error(d.rule, shared):
                assert d.error == s.error, f"{rid}: errors differ: {d.error!r} vs {s.error!r}"
            continue
        dd = [f.to_dict() for f in d.findings]
        sd = [f.to_dict() for f in s.findings]
        assert dd == sd, f"{rid}: findings differ\nDuckDB: {dd}\nSpark:  {sd}"
        assert _plain(d.observations) == _plain(s.observations), (
            f"{rid}: observations differ\nDuckDB: {d.observations}\nSpark:  {s.observations}"
        )


def _is_guard_error(rule: Any, error: str) -> bool:
    for g in rule_guards(rule):
        pattern = re.escape(g.message).replace(re.escape("{key}"), ".*")
        pattern = pattern.replace(re.escape("{value}"), ".*")
        if re.fullmatch(pattern, error, flags=re.S):
            return True
    return False


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (list(v) if isinstance(v, tuple) else v) for k, v in r.items()} for r in rows]
