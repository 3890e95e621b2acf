"""Fail-closed guards: explicit checks that run before a rule's SQL, the same on every engine.

A rule that cannot be evaluated (a NULL where its deadline or its scope needs a value) must
be ``error``, never ``pass``. Raising ``error()`` inside a WHERE clause does not say that
reliably: whether it fires depends on the order in which the optimizer evaluates the
predicates (DuckDB and Spark differ on the same data). So a rule file lists its guards:

.. code-block:: toml

    [[guards]]
    table = "subprocessors"          # the table the guard reads
    key = "subprocessor_id"          # names the offending row in the message
    when = "engaged_on IS NULL"      # DuckDB-dialect condition (compiled for Spark)
    message = "subprocessors.engaged_on is NULL for subprocessor_id={key}: ..."
    value = "..."                    # optional expression, shown as {value}

The engine runs ``SELECT key, value FROM table WHERE when ORDER BY key NULLS LAST LIMIT 1``
before the rule: a row makes the rule ``error`` with the message (the row with the smallest
key is named, on every engine). Guards of the shared views (``views_guards.toml``, keyed by
view name) apply to every rule that reads the view.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

_KEYS = {"table", "key", "when", "message", "value"}


@dataclass(frozen=True)
class Guard:
    table: str
    key: str
    when: str
    message: str
    value: str | None = None
    origin: str = ""  # 'rule RET-04' | 'view dsr_deadlines': named when the guard cannot run

    def sql(self) -> str:
        """The check in the catalogue's (DuckDB) dialect; a row means the rule cannot run."""
        value = f"CAST({self.value} AS VARCHAR)" if self.value else "CAST(NULL AS VARCHAR)"
        return (
            f"SELECT CAST({self.key} AS VARCHAR) AS guard_key, {value} AS guard_value "
            f"FROM {self.table} WHERE {self.when} ORDER BY {self.key} NULLS LAST LIMIT 1"
        )

    def error(self, key: Any, value: Any = None) -> str:
        return self.message.format(
            key="NULL" if key is None else key, value="NULL" if value is None else value
        )


def parse_guards(items: Any, origin: str) -> tuple[Guard, ...]:
    """``[[guards]]`` tables -> guards; unknown or missing keys raise naming ``origin``."""
    if not isinstance(items, list):
        raise ValueError(f"{origin}: guards must be an array of tables [[guards]]")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"{origin}: guards[{i}] is not a table")
        unknown = set(item) - _KEYS
        missing = {"table", "key", "when", "message"} - set(item)
        if unknown or missing:
            raise ValueError(
                f"{origin}: guards[{i}] unknown keys {sorted(unknown)}, missing {sorted(missing)}"
            )
        out.append(Guard(**item, origin=origin))
    return tuple(out)


@cache
def view_guards() -> dict[str, tuple[Guard, ...]]:
    """View name -> the guards of every rule reading it (``rules/views_guards.toml``)."""
    text = files("auditlib.rules").joinpath("views_guards.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {name: parse_guards(items, f"view {name}") for name, items in data.items()}


def rule_guards(rule: Any) -> tuple[Guard, ...]:
    """The rule's own guards, then those of the shared views its SQL reads."""
    from auditlib.rules.views import views_read

    own = parse_guards(rule.extra.get("guards", []), f"rule {rule.id}")
    shared = view_guards()
    sql = "\n".join(s for s in (rule.sql, rule.observations_sql) if s)
    inherited = tuple(g for v in views_read(sql) for g in shared.get(v, ()))
    return own + inherited
