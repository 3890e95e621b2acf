"""The shared views of the rule catalogue (``views.sql``): load, install, expand.

Derivations used by several rules (the DSR deadlines, the ended customers' deletion
deadlines) are written once, as TEMP views in ``views.sql``, instead of one copy per rule.
The engine installs them in :func:`auditlib.rules.engine.set_parameters` after the
variables and the date macros. TEMP views belong to the connection, so they can be
created on a read-only snapshot; DuckDB re-binds a view at every query, so a view reads
the ``getvariable(...)`` values and macros in force when a rule runs.

DuckDB binds a view when it is created: a view whose source tables are missing on the
connection (a partial or hand-made snapshot) is not installed, and a rule that reads it
errors ("Table with name ... does not exist"), which the engine reports as the rule's
error (fail closed). Any other failure to create a view is a bug and is raised.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

import duckdb

from auditlib.schema import load_schema

_VIEW_HEADER = re.compile(r"^-- view: ([a-z_][a-z0-9_]*)\s*$", re.M)
_TABLE_REF = re.compile(r"\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)\b", re.I)


@cache
def load_views() -> dict[str, str]:
    """View name -> its ``CREATE OR REPLACE TEMP VIEW`` statement, in file order."""
    text = files("auditlib.rules").joinpath("views.sql").read_text(encoding="utf-8")
    parts = _VIEW_HEADER.split(text)
    views: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if f"CREATE OR REPLACE TEMP VIEW {name} AS" not in body:
            raise ValueError(f"views.sql: the block '-- view: {name}' does not create view {name}")
        views[name] = body.strip()
    return views


def expand_views(sql: str) -> str:
    """``sql`` followed by the definition of every view it reads, transitively.

    Lets a check on a rule's SQL (tables read, variables used) see through the views.
    """
    views = load_views()
    seen: list[str] = []
    todo = [sql]
    while todo:
        for ref in _TABLE_REF.findall(todo.pop()):
            if ref in views and ref not in seen:
                seen.append(ref)
                todo.append(views[ref])
    return "\n".join([sql, *(views[v] for v in seen)])


def views_read(sql: str) -> list[str]:
    """The shared views ``sql`` reads, directly or through other views, in first-use order."""
    views = load_views()
    return [ref for ref in dict.fromkeys(_TABLE_REF.findall(expand_views(sql))) if ref in views]


def view_tables(name: str) -> set[str]:
    """The snapshot tables (of :mod:`auditlib.schema`) that view ``name`` reads."""
    schema_tables = set(load_schema().tables)
    return {t for t in _TABLE_REF.findall(expand_views(load_views()[name])) if t in schema_tables}


def install_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create every view whose source tables exist on ``con``; return the names skipped.

    A skipped view is also dropped, so a rule never reads one left from an earlier snapshot.
    """
    skipped = []
    for name, statement in load_views().items():
        try:
            con.execute(statement)
        except duckdb.CatalogException:
            missing = [t for t in view_tables(name) if not _relation_exists(con, t)]
            if not missing:
                raise
            con.execute(f"DROP VIEW IF EXISTS temp.main.{name}")
            skipped.append(name)
    return skipped


def _relation_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether ``name`` resolves on ``con`` as a table or view."""
    try:
        con.execute(f"SELECT 1 FROM {name} LIMIT 0")
    except duckdb.CatalogException:
        return False
    return True
