"""Validate a (small) snapshot table with real Great Expectations on pandas.

GX is imported lazily (``import great_expectations`` costs 4-5 s) and runs in an
ephemeral context: no project folder, no Data Docs, no network, no usage
statistics (``GX_ANALYTICS_ENABLED=false``), no progress bars. Only the columns the
expectations name (and the primary key, for sample ids) are read from DuckDB into
pandas, and only for tables ``run_gates`` sends here (``backend="auto"``: below
``gx_row_threshold`` rows; not the default, see the package docstring). The suite's
``unexpected_rows_expectation`` entries (SQL joins: DQ-03) are left to
:mod:`auditlib.quality.sql_backend` because GX runs them only on SQL datasources.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import duckdb

from auditlib.quality.checks import (
    SAMPLE_SIZE,
    CheckResult,
    expectation_columns,
    format_ref,
    new_result,
)
from auditlib.quality.sql_backend import VALUE_CHECKS, q

GX_UNSUPPORTED = frozenset({"unexpected_rows_expectation"})

_context: Any = None


def import_gx() -> Any:
    """Import great_expectations with analytics off (idempotent)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


def _get_context() -> Any:
    global _context
    if _context is None:
        gx = import_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        _context = ctx
    return _context


def validate_dataframe(
    df: Any,
    table: str,
    suite: dict[str, Any],
    parameters: dict[str, Any],
    types: set[str] | None = None,
) -> list[CheckResult]:
    """Validate ``df`` against the suite's GX-runnable expectations; one result per expectation."""
    gx = import_gx()
    from great_expectations.core import ExpectationSuite

    pk = list(suite["meta"]["primary_key"])
    exps = [
        e
        for e in suite["expectations"]
        if e["type"] not in GX_UNSUPPORTED and (types is None or e["type"] in types)
    ]
    results = {e["meta"]["check_id"]: new_result(table, e, "gx-pandas") for e in exps}
    if not exps:
        return []
    ctx = _get_context()
    name = f"t_{table}"
    try:
        ds = ctx.data_sources.get(name)
    except (KeyError, ValueError, gx.exceptions.DataContextError):
        ds = ctx.data_sources.add_pandas(name)
    try:
        asset = ds.get_asset(table)
    except LookupError:
        asset = ds.add_dataframe_asset(table)
    bd_list = [b for b in asset.batch_definitions if b.name == "whole"]
    bd = bd_list[0] if bd_list else asset.add_batch_definition_whole_dataframe("whole")
    batch = bd.get_batch(batch_parameters={"dataframe": df})
    gx_suite = ExpectationSuite(name=suite["name"], expectations=exps)
    missing_pk = [c for c in pk if c not in df.columns]
    result_format: dict[str, Any] = {
        "result_format": "COMPLETE",
        "partial_unexpected_count": SAMPLE_SIZE,
    }
    if not missing_pk:
        result_format["unexpected_index_column_names"] = pk
    with warnings.catch_warnings():  # GX 1.24 uses pandas APIs that pandas 3 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        validation = batch.validate(
            gx_suite, expectation_parameters=parameters, result_format=result_format
        )
    seen = set()
    for r in validation.results:
        check_id = r.expectation_config.meta["check_id"]
        seen.add(check_id)
        _fill(results[check_id], r, pk)
    for check_id in set(results) - seen:  # fail closed: no result is not a pass
        results[check_id].error = f"Great Expectations returned no result for {check_id}"
    return list(results.values())


def _fill(res: CheckResult, r: Any, pk: list[str]) -> None:
    info = r.exception_info or {}
    if info.get("raised_exception"):
        res.error = f"GX: {info.get('exception_message')}"
        return
    rr = r.result or {}
    if res.expectation_type == "expect_table_columns_to_match_set":
        observed = list(rr.get("observed_value") or [])
        expected = r.expectation_config.kwargs["column_set"]
        missing = [c for c in expected if c not in observed]
        extra = [c for c in observed if c not in expected]
        res.unexpected_count = len(missing) + len(extra)
        res.extra.update({"missing_columns": missing, "extra_columns": extra})
        if not r.success and res.unexpected_count == 0:
            res.error = "GX reported a failure without naming columns"
        return
    count = rr.get("unexpected_count")
    if count is None:
        res.error = f"GX returned no unexpected_count for {res.check_id}"
        return
    res.unexpected_count = int(count)
    res.element_count = rr.get("element_count")
    if not r.success and res.unexpected_count == 0:
        res.error = f"GX reported a failure of {res.check_id} without unexpected rows"
    idx = rr.get("unexpected_index_list") or []
    refs = sorted(
        {
            format_ref(tuple(pk), tuple(_py(i.get(c)) for c in pk))
            for i in idx
            if isinstance(i, dict)
        }
    )
    res.samples = refs[:SAMPLE_SIZE]
    if res.check in VALUE_CHECKS:
        vals = rr.get("partial_unexpected_list") or []
        res.values = sorted({str(v) for v in vals})[:SAMPLE_SIZE]


def _py(v: Any) -> Any:
    """numpy/pandas scalars -> Python (NaN/NaT -> None)."""
    try:
        import pandas as pd

        if v is None or pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v.item() if hasattr(v, "item") else v


def needed_columns(suite: dict[str, Any], types: set[str] | None) -> list[str] | None:
    """The columns GX needs for ``types``: the primary key (sample ids) and the columns the
    expectations name; None (all columns) when the schema expectation is among them (it
    compares the whole column set)."""
    exps = [
        e
        for e in suite["expectations"]
        if e["type"] not in GX_UNSUPPORTED and (types is None or e["type"] in types)
    ]
    if any(e["type"] == "expect_table_columns_to_match_set" for e in exps):
        return None
    cols = list(suite["meta"]["primary_key"])
    for e in exps:
        cols += [c for c in expectation_columns(e) if c not in cols]
    return cols


def validate_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    suite: dict[str, Any],
    parameters: dict[str, Any],
    types: set[str] | None = None,
) -> list[CheckResult]:
    """Load the columns the expectations need (only those) into pandas and validate them.

    Meant for small tables (``run_gates`` sends only tables below ``gx_row_threshold``).
    """
    cols = needed_columns(suite, types)
    select = "*" if cols is None else ", ".join(q(c) for c in cols)
    with warnings.catch_warnings():  # duckdb 1.5's .df() trips a pandas 3.1 deprecation
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        df = con.execute(f"SELECT {select} FROM {q(table)}").df()
    return validate_dataframe(df, table, suite, parameters, types)
