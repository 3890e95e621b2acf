"""Parity: every rule fixture of the DuckDB rule tests, run again on Spark (marker ``spark``).

Each test function of the ``test_rules_*`` modules below is called again with its own
parameters while ``evaluate_rules`` is replaced by :class:`spark_parity.ParityRecorder`:
every rule evaluation the test makes on its tiny DuckDB snapshot is repeated on the
shared local Spark session and must give identical results (status; findings with rule,
entity, message, evidence, in order; observations; gate and guard errors word for word).
The test's own assertions run on the DuckDB results as before.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
from pathlib import Path
from typing import Any

import pytest

import rule_fixtures
from spark_parity import ParityRecorder

pytestmark = pytest.mark.spark

# Every module whose tests evaluate rules on tiny snapshots: the rule-fixture files
# (tests/rule_fixtures/*.toml via test_rule_fixtures) and the test_rules_* modules, found
# by name so a new rule test is compared too. Left out: the demo end-to-end module (its
# Spark counterpart is test_spark_e2e), engine internals (the shared gate and guard logic
# is one code path, tested in test_rules_engine and test_rules_guards) and metadata-only
# modules.
_NOT_RULE_EVALUATIONS = {
    "test_rules_engine",
    "test_rules_ret_demo",
    "test_rules_tables",
    "test_rules_sub_dsr_catalogue",
}
MODULES = ["test_rule_fixtures"] + sorted(
    p.stem
    for p in Path(__file__).parent.glob("test_rules_*.py")
    if p.stem not in _NOT_RULE_EVALUATIONS
)


def _cases() -> list[Any]:
    out = []
    for mod_name in MODULES:
        mod = importlib.import_module(mod_name)
        for name, fn in vars(mod).items():
            if not name.startswith("test_") or not inspect.isfunction(fn):
                continue
            marks = getattr(fn, "pytestmark", [])
            if any(m.name in ("slow", "postgres", "skip") for m in marks):
                continue
            grids = []
            for m in marks:
                if m.name != "parametrize":
                    continue
                argnames = m.args[0]
                names = (
                    [a.strip() for a in argnames.split(",")]
                    if isinstance(argnames, str)
                    else list(argnames)
                )
                values = []
                for v in m.args[1]:
                    v = v.values if hasattr(v, "values") and hasattr(v, "marks") else v
                    values.append(dict(zip(names, v if len(names) > 1 else (v,), strict=True)))
                grids.append(values)
            combos = (
                [
                    dict(itertools.chain.from_iterable(d.items() for d in c))
                    for c in itertools.product(*grids)
                ]
                if grids
                else [{}]
            )
            needed = set(inspect.signature(fn).parameters)
            for i, kwargs in enumerate(combos):
                if set(kwargs) != needed:
                    continue  # needs fixtures: not a pure rule-fixture test
                out.append(pytest.param(mod_name, name, kwargs, id=f"{mod_name}::{name}[{i}]"))
    return out


@pytest.mark.parametrize(("mod_name", "func_name", "kwargs"), _cases())
def test_same_results_on_spark(
    spark: Any,
    monkeypatch: pytest.MonkeyPatch,
    mod_name: str,
    func_name: str,
    kwargs: dict[str, Any],
) -> None:
    import auditlib.rules
    from auditlib.rules.engine import evaluate_rules

    mod = importlib.import_module(mod_name)
    recorder = ParityRecorder(spark, evaluate_rules)
    monkeypatch.setattr(rule_fixtures, "evaluate_rules", recorder)
    monkeypatch.setattr(auditlib.rules, "evaluate_rules", recorder)
    if hasattr(mod, "evaluate_rules"):
        monkeypatch.setattr(mod, "evaluate_rules", recorder)
    getattr(mod, func_name)(**kwargs)
    if not recorder.compared:
        pytest.skip("the test evaluates no rule: nothing to compare")
