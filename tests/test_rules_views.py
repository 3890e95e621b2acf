"""The shared rule views (rules/views.sql): installed by the engine, read-only safe, shipped."""

from __future__ import annotations

import fnmatch
import tomllib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from auditlib.config import Params
from auditlib.rules import evaluate_rules
from auditlib.rules.engine import set_parameters
from auditlib.rules.views import expand_views, load_views, view_tables
from rule_fixtures import make_snapshot

REPO = Path(__file__).resolve().parents[1]


def test_views_file_defines_the_shared_views() -> None:
    assert list(load_views()) == ["dsr_deadlines", "customer_deletion_due"]
    assert view_tables("dsr_deadlines") == {"dsr_requests"}
    assert view_tables("customer_deletion_due") == {"contracts", "legal_holds"}


def test_expand_views_appends_the_definitions_a_query_reads() -> None:
    expanded = expand_views("SELECT * FROM customer_deletion_due")
    assert "FROM legal_holds" in expanded and "dsr_requests" not in expanded
    assert expand_views("SELECT 1 FROM users") == "SELECT 1 FROM users"


def test_views_sql_is_shipped_as_package_data() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["auditlib"]
    assert any(fnmatch.fnmatch("rules/views.sql", p) for p in patterns)


def test_views_work_on_a_read_only_snapshot_and_read_variables_at_query_time(
    tmp_path: Path,
) -> None:
    mem = make_snapshot(
        {
            "dsr_requests": [
                {
                    "request_id": 1,
                    "received_at": "2025-03-03 10:00:00+00",
                    "request_type": "access",
                },
            ]
        }
    )
    path = tmp_path / "snap.duckdb"
    mem.execute(f"ATTACH '{path}' AS f")
    mem.execute("COPY FROM DATABASE memory TO f")
    mem.close()
    with duckdb.connect(str(path), read_only=True) as con:
        set_parameters(con, date(2025, 3, 10), Params())
        assert con.execute("SELECT request_id, due FROM dsr_deadlines").fetchall() == [
            (1, date(2025, 4, 3)),
        ]
        # a later run on the same connection: the view sees the new variable, not a copy
        set_parameters(con, date(2025, 3, 1), Params())
        assert con.execute("SELECT count(*) FROM dsr_deadlines").fetchone() == (0,)


def test_a_view_whose_tables_are_missing_is_not_installed_and_its_rules_error() -> None:
    con = make_snapshot()
    con.execute("DROP TABLE dsr_requests")
    (dsr01, ret01) = evaluate_rules(
        con, date(2025, 6, 1), Params(), rule_ids=["DSR-01", "RET-01"], require_gates=False
    )
    assert dsr01.status == "error" and "dsr_deadlines" in (dsr01.error or "")
    assert ret01.status == "pass"
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT * FROM dsr_deadlines")
