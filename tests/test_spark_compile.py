"""The DuckDB -> Spark SQL compiler: each rewrite of auditlib.engines.spark.compile.

Text-level tests need only sqlglot; the ``spark``-marked ones evaluate the compiled SQL on
the shared local Spark and compare with what DuckDB answers for the original.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pytest

pytest.importorskip(
    "sqlglot", reason="the Spark compiler needs sqlglot: pip install 'auditlib[spark]'"
)

from auditlib.config import Params  # noqa: E402
from auditlib.engines.spark.compile import CompileError, compile_sql, literal  # noqa: E402
from auditlib.rules import load_catalogue  # noqa: E402
from auditlib.rules.engine import set_parameters  # noqa: E402
from auditlib.rules.guards import rule_guards  # noqa: E402
from auditlib.rules.views import load_views  # noqa: E402

VALUES: dict[str, Any] = {"as_of": date(2026, 6, 30), **Params().__dict__}


def test_parameters_become_typed_literals() -> None:
    sql = compile_sql(
        "SELECT getvariable('as_of') AS d, getvariable('dsr_due_soon_days') AS n, "
        "getvariable('count_eves_as_holidays') AS b, "
        "getvariable('allowed_countries') AS c",
        VALUES,
    )
    assert "CAST('2026-06-30' AS DATE)" in sql
    assert "7 AS `n`" in sql and "FALSE AS `b`" in sql
    assert "CAST(ARRAY('AT', 'BE'" in sql and "AS ARRAY<STRING>)" in sql
    assert "GETVARIABLE" not in sql.upper()


def test_unknown_parameter_and_error_are_refused() -> None:
    with pytest.raises(CompileError, match="names no run parameter"):
        compile_sql("SELECT getvariable('nope') AS x", VALUES)
    with pytest.raises(CompileError, match=r"\[\[guards\]\]"):
        compile_sql("SELECT CASE WHEN x IS NULL THEN error('boom') END AS y FROM t", VALUES)
    with pytest.raises(CompileError):
        literal(["not a country"])


def test_format_becomes_concat_and_specs_format_string() -> None:
    sql = compile_sql("SELECT format('a {} b {:04d}-{:06d}', x, y, z) AS m FROM t", VALUES)
    assert sql.startswith("SELECT CONCAT('a ', CASE WHEN TYPEOF(`x`) LIKE 'decimal%'")
    assert "FORMAT_STRING('%04d', `y`)" in sql and "FORMAT_STRING('%06d', `z`)" in sql
    with pytest.raises(CompileError, match="placeholders"):
        compile_sql("SELECT format('{} {}', x) AS m FROM t", VALUES)


def test_date_functions() -> None:
    sql = compile_sql(
        "SELECT date_diff('day', a, b) AS n, sthlm_date(ts) AS d, "
        "add_months(a, 1) AS m, roll(a) AS r FROM t",
        VALUES,
    )
    assert "DATEDIFF(`b`, `a`)" in sql
    assert "TO_DATE(FROM_UTC_TIMESTAMP(`ts`, 'Europe/Stockholm'))" in sql
    assert "ADD_MONTHS(`a`, 1)" in sql
    assert "FROM `_calendar`" in sql and "TRY_ELEMENT_AT" in sql and "RAISE_ERROR" in sql


def test_aggregates_and_strings() -> None:
    sql = compile_sql(
        "SELECT min(x, 50) AS a, list(x ORDER BY x) AS b, "
        "strftime(timezone('UTC', ts), '%Y-%m-%dT%H:%M:%SZ') AS c, "
        "epoch_ms(ts) AS d, to_timestamp(s) AS e, "
        "regexp_full_match(v, '[0-9]{4}') AS f FROM t",
        VALUES,
    )
    assert "SLICE(ARRAY_SORT(COLLECT_LIST(`x`)), 1, 50)" in sql
    assert "ARRAY_SORT(COLLECT_LIST(`x`)) AS `b`" in sql
    assert (
        "DATE_FORMAT(`ts`, 'yyyy-MM-dd''T''HH:mm:ss''Z''')" in sql
        or "DATE_FORMAT(`ts`, 'yyyy-MM-dd\\'T\\'HH:mm:ss\\'Z\\'')" in sql
    )
    assert "UNIX_MILLIS(`ts`)" in sql and "TIMESTAMP_SECONDS(`s`)" in sql
    assert "RLIKE '^(?:[0-9]{4})\\\\z'" in sql
    with pytest.raises(CompileError, match="ordered by x"):
        compile_sql("SELECT list(x ORDER BY y) AS b FROM t", VALUES)


@pytest.mark.parametrize("rule_id", list(load_catalogue()))
def test_every_rule_guard_and_view_compiles(rule_id: str) -> None:
    rule = load_catalogue()[rule_id]
    compile_sql(rule.sql, VALUES, rule_id)
    if rule.observations_sql:
        compile_sql(rule.observations_sql, VALUES, rule_id)
    for guard in rule_guards(rule):
        compile_sql(guard.sql(), VALUES, rule_id)


def test_no_rule_sql_raises_errors_inline() -> None:
    """Fail-closed checks are [[guards]]: error() inside rule SQL fires or not depending on
    the optimizer's predicate order, differently per engine."""
    for rule in load_catalogue().values():
        for text in (rule.sql, rule.observations_sql or ""):
            assert "error(" not in text.lower(), rule.id
    for name, statement in load_views().items():
        assert "error(" not in statement.lower(), name


# --------------------------------------------------------------- evaluated on Spark

EXPRESSIONS = [
    "format('{}', CAST(200.00 AS DECIMAL(10,2)))",
    "format('{}', CAST(0.50 AS DECIMAL(10,2)))",
    "format('{}', CAST(1234567.25 AS DECIMAL(10,2)))",
    "format('{}', CAST(99999999.90 AS DECIMAL(10,2)))",
    "format('{}', CAST(7 AS DECIMAL(10,0)))",
    "format('{}', CAST(0.00 AS DECIMAL(10,2)))",
    "format('{}', CAST(-5.50 AS DECIMAL(10,2)))",
    "format('{}', CAST(10000000.00 AS DECIMAL(10,2)))",
    "format('{} and {}', DATE '2024-02-29', 42)",
    "format('{}', true)",
    "format('x {}', CAST(NULL AS VARCHAR))",
    "format('{:04d}-{:06d}', 2025, 42)",
    "format('{:04d}', CAST(NULL AS INTEGER))",
    "format('{}', CAST(12345678901 AS BIGINT))",
    "sthlm_date(TIMESTAMPTZ '2024-03-30 23:30:00+00')",
    "sthlm_date(TIMESTAMPTZ '2024-10-26 22:00:00+00')",
    "sthlm_date(TIMESTAMPTZ '2024-10-27 00:59:59+00')",
    "sthlm_date(TIMESTAMPTZ '2024-10-27 01:00:00+00')",
    "sthlm_date(TIMESTAMPTZ '2025-12-31 23:00:00+00')",
    "add_months(DATE '2024-01-31', 1)",
    "add_months(DATE '2024-02-29', 12)",
    "add_months(DATE '2025-03-31', -1)",
    "roll(DATE '2025-06-20')",
    "roll(DATE '2025-12-24')",
    "roll(DATE '2025-04-18')",
    "date_diff('day', DATE '2025-01-31', DATE '2025-03-01')",
    "min(x, 2)",
    "list(x ORDER BY x)",
    "regexp_full_match('2025-000001', '[0-9]{4}-[0-9]{6}')",
    "regexp_full_match('2025-0000012', '[0-9]{4}-[0-9]{6}')",
    "regexp_full_match('2025-000001' || chr(10), '[0-9]{4}-[0-9]{6}')",
    "strftime(timezone('UTC', TIMESTAMPTZ '2025-03-30 01:30:00+00'), '%Y-%m-%dT%H:%M:%SZ')",
    "CAST(floor(epoch_ms(TIMESTAMPTZ '2025-03-30 01:30:00+00') / 3600000) AS BIGINT)",
    "sthlm_date(to_timestamp(484320 * 3600))",
    "norm_country(' el ')",
    "norm_country('se')",
    "CAST('0001-01-01 00:00:00+00' AS TIMESTAMPTZ) <= TIMESTAMPTZ '1900-01-01 00:00:00+00'",
    "strftime(timezone('UTC', CAST('0001-01-01 00:00:00+00' AS TIMESTAMPTZ)), '%Y-%m-%dT%H:%M:%SZ')",
]


@pytest.mark.spark
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_compiled_expression_answers_as_duckdb(spark: Any, expression: str) -> None:
    from auditlib.engines.spark.tables import register_calendar

    sql = f"SELECT {expression} AS v FROM (VALUES (3), (1), (2)) AS t(x)"
    if expression.startswith(("min(", "list(")):
        pass
    else:
        sql += " LIMIT 1"
    con = duckdb.connect()
    set_parameters(con, VALUES["as_of"], Params())
    expected = con.execute(sql).fetchall()[0][0]
    register_calendar(spark, False)
    got = spark.sql(compile_sql(sql, VALUES)).collect()[0][0]
    assert got == expected, (expression, expected, got)
