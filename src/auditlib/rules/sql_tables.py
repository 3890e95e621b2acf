"""The tables a rule's SQL reads, from sqlglot's parse (not a regular expression).

A rule's ``tables`` decides gate blocking (a table read but not declared could pass
unchecked), so it must be exactly what the SQL reads: ``tests/test_rules_tables.py``
checks every rule file against :func:`tables_read`. CTE names are not tables; a shared
view of ``views.sql`` counts with the tables it reads. Checked by the test suite, not at
load: parsing the 22 rules takes ~0.8 s, which every notebook kernel would pay.
"""

from __future__ import annotations

from functools import cache

import sqlglot
from sqlglot import exp

from auditlib.rules.views import load_views
from auditlib.schema import load_schema


def _names(sql: str) -> set[str]:
    tree = sqlglot.parse_one(sql, read="duckdb")
    if isinstance(tree, exp.Create):  # a view of views.sql: what it selects from
        tree = tree.expression
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table)} - ctes


@cache
def _view_tables(name: str) -> frozenset[str]:
    return frozenset(tables_read(load_views()[name]))


def tables_read(sql: str) -> set[str]:
    """Schema tables ``sql`` reads, directly or through the shared views."""
    schema, views = set(load_schema().tables), load_views()
    out: set[str] = set()
    for name in _names(sql):
        if name in views:
            out |= _view_tables(name)
        elif name in schema:
            out.add(name)
    return out
