"""Compile expectations to SQL, for DuckDB and for Spark: the backend for large tables and joins.

One compiler, two dialects (:class:`Dialect`): DuckDB (the embedded default) and Spark SQL
(``auditlib.engines.spark.gates`` supplies a :class:`SqlRunner` over a Spark snapshot). The
dialects differ only in spelling (``VARCHAR``/``STRING``, ``ANTI JOIN``/``LEFT ANTI JOIN``,
``regexp_matches``/``RLIKE``, the timestamp literal) and in how the first five sample ids are
taken: DuckDB's ``min(ref, 5)`` aggregate in the counting scan, on Spark a second
``ORDER BY ref LIMIT 5`` query over the failing rows only (a top-k, bounded memory), run only
when a count is not zero. Both give the five smallest refs, so the gate rows are identical.

Each expectation type the suites use has one small compiler here (the spec of a
check lives in ``expectations/*.json``; this module only runs it, pandera-style).
All column-map checks of a table are folded into **one** aggregate scan
(``count(*) FILTER (WHERE <unexpected>)``; sample ids and values only in a second query
over the failing rows, when a count is not zero). Uniqueness is one ``GROUP BY`` per key,
split by ``hash(key) % n`` into ``n = ceil(rows / UNIQUE_PARTITION_ROWS)`` passes so that
the hash table of a 20M-row compound key stays small (scale-10 demo snapshot,
``message_deliveries`` 20M rows: one pass 3.2 s and 1067 MiB peak RSS, 8 passes 2.4 s and
301 MiB). Orphans (DQ-03) are one ``ANTI JOIN`` that counts and builds sample ids for the
orphan rows only (the suite's ``NOT EXISTS`` query text as written took 3.3 s and 452 MiB
for ``message_deliveries.recipient_id`` at scale 10, the anti-join 1.4 s and 170 MiB;
same rows). Semantics follow
GX's: column-map checks ignore NULLs (except ``not_null``), pair checks ignore rows
with a NULL side, compound uniqueness treats NULLs as equal. ``test_quality_parity``
proves that both backends agree on the same bad data.

>>> print(unexpected_condition({"type": "expect_column_values_to_match_regex",
...     "kwargs": {"column": "country", "regex": "^[A-Z]{2}$"}}, {}))
"country" IS NOT NULL AND NOT regexp_matches("country", '^[A-Z]{2}$')
>>> print(row_ref_sql(("user_id",)))
'user_id=' || coalesce(CAST("user_id" AS VARCHAR), 'NULL')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import duckdb

from auditlib.quality.checks import SAMPLE_SIZE, CheckResult, new_result

COLUMN_MAP_TYPES = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
SUPPORTED_TYPES = COLUMN_MAP_TYPES | {
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "unexpected_rows_expectation",
    "expect_table_columns_to_match_set",
}
VALUE_CHECKS = frozenset({"enum", "country_format", "country_iso"})
# Rows per hash partition of a uniqueness GROUP BY (bounds its hash table; see above).
UNIQUE_PARTITION_ROWS = 2_500_000


@dataclass(frozen=True)
class Dialect:
    """How the compiled SQL is spelled for one engine."""

    name: str  # 'duckdb' | 'spark': also the ``backend`` named in gate details
    string: str  # the text type in CAST
    timestamp_literal: str  # the keyword of an instant literal with an offset
    anti_join: str
    semi_join: str
    topn_in_aggregate: bool  # DuckDB's min(x, n): samples in the same scan as the counts
    hash_partitions: bool  # split uniqueness GROUP BYs by hash (DuckDB; Spark spills itself)

    def in_set(self, col: str, values: str) -> str:
        if self.name == "duckdb":
            return f"list_contains([{values}], {col})"
        return f"{col} IN ({values})"

    def regex(self, col: str, pattern: str) -> str:
        """Partial match (RE2 in DuckDB, java.util.regex find() in Spark): same for the
        anchored ASCII patterns the suites use."""
        if self.name == "duckdb":
            return f"regexp_matches({col}, {pattern})"
        return f"{col} RLIKE {pattern}"


DUCKDB = Dialect("duckdb", "VARCHAR", "TIMESTAMPTZ", "ANTI JOIN", "SEMI JOIN", True, True)
SPARK = Dialect("spark", "STRING", "TIMESTAMP", "LEFT ANTI JOIN", "LEFT SEMI JOIN", False, False)

Catalog = dict[str, dict[str, str]]


class SqlRunner(Protocol):
    """Where the compiled SQL runs: a DuckDB connection (:class:`DuckRunner`) or a Spark
    snapshot (``auditlib.engines.spark.gates.SparkGateDb``)."""

    dialect: Dialect

    def fetch(self, sql: str) -> list[tuple[Any, ...]]: ...

    def catalog(self) -> Catalog:
        """table -> column -> type in DuckDB's spelling, for every snapshot table."""
        ...


class DuckRunner:
    """A DuckDB connection as a :class:`SqlRunner`."""

    dialect = DUCKDB

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def catalog(self) -> Catalog:
        out: Catalog = {}
        for t, c, ty in self.con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'main' ORDER BY table_name, column_index"
        ).fetchall():
            out.setdefault(t, {})[c] = ty
        return out


Conn = duckdb.DuckDBPyConnection | SqlRunner


def as_runner(con: Conn) -> SqlRunner:
    """The runner for ``con`` (a DuckDB connection is wrapped; a runner is returned as is)."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        return DuckRunner(con)
    return con


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: Any, dialect: Dialect = DUCKDB) -> str:
    """A SQL literal for the values suites hold (strings, numbers, datetimes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the snapshot time must carry an offset")
        return f"{dialect.timestamp_literal} '{value.isoformat()}'"
    if isinstance(value, str):
        if dialect.name == "spark":  # a backslash is an escape in Spark's string literals
            value = value.replace("\\", "\\\\")
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"cannot compile value {value!r} to SQL")


def resolve(value: Any, parameters: dict[str, Any]) -> Any:
    """Resolve GX's ``{"$PARAMETER": name}`` suite parameters."""
    if isinstance(value, dict) and "$PARAMETER" in value:
        name = value["$PARAMETER"]
        if name not in parameters:
            raise KeyError(f"suite parameter {name!r} has no value")
        return parameters[name]
    return value


def row_ref_sql(pk: tuple[str, ...], alias: str = "", dialect: Dialect = DUCKDB) -> str:
    """SQL for a row's reference by primary key: ``'user_id=42'``, NULL spelled ``NULL``."""
    prefix = f"{alias}." if alias else ""
    parts = [
        f"'{c}=' || coalesce(CAST({prefix}{q(c)} AS {dialect.string}), 'NULL')" for c in pk
    ]
    return parts[0] if len(parts) == 1 else f"concat_ws(', ', {', '.join(parts)})"


def unexpected_condition(
    exp: dict[str, Any], parameters: dict[str, Any], dialect: Dialect = DUCKDB
) -> str:
    """SQL that is true for a row the (column-map) expectation does not accept."""
    t, kw = exp["type"], exp["kwargs"]
    if t == "expect_column_values_to_not_be_null":
        return f"{q(kw['column'])} IS NULL"
    col = q(kw.get("column", ""))
    if t == "expect_column_values_to_be_in_set":
        values = ", ".join(lit(v, dialect) for v in kw["value_set"])
        return f"{col} IS NOT NULL AND NOT {dialect.in_set(col, values)}"
    if t == "expect_column_values_to_match_regex":
        return f"{col} IS NOT NULL AND NOT {dialect.regex(col, lit(kw['regex'], dialect))}"
    if t == "expect_column_values_to_be_between":
        conds = []
        lo, hi = resolve(kw.get("min_value"), parameters), resolve(kw.get("max_value"), parameters)
        if lo is not None:
            conds.append(f"{col} {'<=' if kw.get('strict_min') else '<'} {lit(lo, dialect)}")
        if hi is not None:
            conds.append(f"{col} {'>=' if kw.get('strict_max') else '>'} {lit(hi, dialect)}")
        if not conds:
            raise ValueError("expect_column_values_to_be_between without min_value or max_value")
        return f"{col} IS NOT NULL AND ({' OR '.join(conds)})"
    if t == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = q(kw["column_A"]), q(kw["column_B"])
        if kw.get("ignore_row_if", "both_values_are_missing") != "either_value_is_missing":
            raise ValueError("only ignore_row_if='either_value_is_missing' is compiled")
        op = ">=" if kw.get("or_equal") else ">"
        return f"{a} IS NOT NULL AND {b} IS NOT NULL AND NOT ({a} {op} {b})"
    raise ValueError(f"not a column-map expectation: {t}")


def read_catalog(con: Conn) -> Catalog:
    """table -> column -> DuckDB type, for every snapshot table (one query)."""
    return as_runner(con).catalog()


def table_columns(con: Conn, table: str, catalog: Catalog | None = None) -> dict[str, str] | None:
    """column -> DuckDB type of a main-schema table, or None when the table does not exist."""
    return (catalog if catalog is not None else read_catalog(con)).get(table)


_TYPE_NAMES: dict[str, str] = {}


def type_name(duck_type: str) -> str:
    """DuckDB's catalog spelling of a type (``TIMESTAMPTZ`` -> ``TIMESTAMP WITH TIME ZONE``),
    the spelling every catalog is compared in (a private in-memory DuckDB answers)."""
    if duck_type not in _TYPE_NAMES:
        with duckdb.connect() as scratch:
            _TYPE_NAMES[duck_type] = scratch.execute(
                f"SELECT typeof(CAST(NULL AS {duck_type}))"
            ).fetchall()[0][0]
    return _TYPE_NAMES[duck_type]


def _schema_check(res: CheckResult, exp: dict[str, Any], actual: dict[str, str]) -> None:
    expected = exp["kwargs"]["column_set"]
    missing = [c for c in expected if c not in actual]
    extra = (
        [c for c in actual if c not in expected] if exp["kwargs"].get("exact_match", True) else []
    )
    res.unexpected_count = len(missing) + len(extra)
    res.extra.update({"missing_columns": missing, "extra_columns": extra})


def _type_check(res: CheckResult, exp: dict[str, Any], actual: dict[str, str]) -> None:
    wrong = {}
    for c, t in exp.get("meta", {}).get("column_types", {}).items():
        if c in actual and actual[c] != type_name(t):
            wrong[c] = {"expected": type_name(t), "actual": actual[c]}
    res.extra["wrong_types"] = wrong
    res.unexpected_count += len(wrong)


def run_catalog_checks(
    con: Conn,
    table: str,
    exps: list[dict[str, Any]],
    catalog: Catalog | None = None,
) -> list[CheckResult]:
    """DQ-01 schema expectation: column set and (from ``meta.column_types``) types."""
    actual = table_columns(con, table, catalog)
    out = []
    for exp in exps:
        res = new_result(table, exp, "catalog")
        res.columns = ()
        if actual is None:
            res.error = f"table {table} does not exist in the snapshot"
        else:
            _schema_check(res, exp, actual)
            _type_check(res, exp, actual)
        out.append(res)
    return out


def run_suite(
    con: Conn,
    table: str,
    suite: dict[str, Any],
    parameters: dict[str, Any],
    types: set[str] | None = None,
    catalog: Catalog | None = None,
    rows: int | None = None,
) -> list[CheckResult]:
    """Evaluate the suite's expectations (optionally only those of ``types``) in SQL.

    ``rows``: the table's row count when the caller knows it (saves a count).
    """
    db = as_runner(con)
    d = db.dialect
    pk = tuple(suite["meta"]["primary_key"])
    exps = [e for e in suite["expectations"] if types is None or e["type"] in types]
    catalog = catalog if catalog is not None else db.catalog()
    actual = catalog.get(table)
    results: dict[int, CheckResult] = {}
    column_map: list[tuple[int, dict[str, Any], str]] = []
    for i, exp in enumerate(exps):
        res = new_result(table, exp, d.name)
        results[i] = res
        try:
            if exp["type"] not in SUPPORTED_TYPES:
                raise ValueError(f"expectation type {exp['type']} has no SQL compiler")
            if exp["type"] == "expect_table_columns_to_match_set":
                results[i] = run_catalog_checks(db, table, [exp], catalog)[0]
                continue
            if actual is None:
                raise LookupError(f"table {table} does not exist in the snapshot")
            missing = [c for c in (*res.columns, *pk) if c not in actual]
            if missing:
                raise LookupError(f"table {table} has no column(s) {', '.join(missing)}")
            if exp["type"] in COLUMN_MAP_TYPES:
                column_map.append((i, exp, unexpected_condition(exp, parameters, d)))
            elif exp["type"] == "unexpected_rows_expectation":
                _run_orphans(db, table, exp, pk, res, catalog)
            else:
                if rows is None:
                    rows = int(db.fetch(f"SELECT count(*) FROM {q(table)}")[0][0])
                _run_unique(db, table, exp, pk, res, rows)
        except Exception as exc:  # noqa: BLE001 - a check that cannot run is an error, never a pass
            res.error = f"{type(exc).__name__}: {exc}"
    if column_map:
        _run_column_map(db, table, pk, column_map, results)
    return [results[i] for i in range(len(exps))]


def _smallest(db: SqlRunner, expr: str, from_where: str, n: int) -> list[Any]:
    """The ``n`` smallest values of ``expr`` (duplicates kept, ascending), as DuckDB's
    ``min(expr, n)`` returns them: an ``ORDER BY ... LIMIT`` (a top-k) elsewhere."""
    if db.dialect.topn_in_aggregate:
        return list(db.fetch(f"SELECT min({expr}, {n}) FROM {from_where}")[0][0] or [])
    return [r[0] for r in db.fetch(f"SELECT {expr} AS v FROM {from_where} ORDER BY v LIMIT {n}")]


def _run_column_map(
    db: SqlRunner,
    table: str,
    pk: tuple[str, ...],
    items: list[tuple[int, dict[str, Any], str]],
    results: dict[int, CheckResult],
) -> None:
    """Pass 1: every count in one scan. Pass 2 (only if something failed): sample ids and
    values, computed on the failing rows only (building a row ref for all 5M rows would
    cost more than the checks)."""
    d = db.dialect
    counts = ", ".join(f"count(*) FILTER (WHERE {cond})" for _, _, cond in items)
    try:
        row = db.fetch(f"SELECT count(*), {counts} FROM {q(table)}")[0]
        failing = [(k, it) for k, it in enumerate(items) if row[1 + k]]
        samples: dict[int, tuple[list[str], list[str]]] = {}
        if failing and not d.topn_in_aggregate:  # one top-k query per failing check
            ref = row_ref_sql(pk, dialect=d)
            for k, (_, exp, cond) in failing:
                where = f"{q(table)} WHERE {cond}"
                values: list[str] = []
                if exp["meta"].get("check") in VALUE_CHECKS:
                    col = f"CAST({q(exp['kwargs']['column'])} AS {d.string})"
                    values = sorted(set(_smallest(db, col, where, 50)))
                samples[k] = (_smallest(db, ref, where, SAMPLE_SIZE), values)
        elif failing:
            ref = row_ref_sql(pk)
            select, where = [], []
            for _, (_, exp, cond) in failing:
                where.append(f"({cond})")
                select.append(f"min({ref}, {SAMPLE_SIZE}) FILTER (WHERE {cond})")
                if exp["meta"].get("check") in VALUE_CHECKS:
                    col = q(exp["kwargs"]["column"])
                    select.append(f"min(CAST({col} AS VARCHAR), 50) FILTER (WHERE {cond})")
                else:
                    select.append("NULL")
            srow = db.fetch(
                f"SELECT {', '.join(select)} FROM {q(table)} WHERE {' OR '.join(where)}"
            )[0]
            for j, (k, _) in enumerate(failing):
                samples[k] = (list(srow[2 * j] or []), sorted(set(srow[2 * j + 1] or [])))
    except Exception as exc:  # noqa: BLE001
        for i, _, _ in items:
            results[i].error = f"{type(exc).__name__}: {exc}"
        return
    for k, (i, _, _) in enumerate(items):
        res = results[i]
        res.element_count = int(row[0])
        res.unexpected_count = int(row[1 + k])
        res.samples, found = samples.get(k, ([], []))
        res.values = found[:SAMPLE_SIZE]


def _run_unique(
    db: SqlRunner,
    table: str,
    exp: dict[str, Any],
    pk: tuple[str, ...],
    res: CheckResult,
    rows: int,
) -> None:
    """Rows in duplicate groups (GX counts every row of a group). Single column: NULLs are
    not duplicates; compound: only all-NULL keys are ignored and NULL parts group together.

    Samples: the five smallest refs of all rows in duplicate groups (whatever the passes).
    DuckDB: equal keys hash equally, so the ``hash(key) % n`` passes see every group whole;
    each pass computes its duplicate keys once (CTE) and its five smallest refs; the five
    smallest over all passes are the global ones. Spark: one pass (its aggregation spills),
    the count first and the samples (a top-k) only when there are duplicates.
    """
    d = db.dialect
    cols = res.columns
    key = ", ".join(q(c) for c in cols)
    if exp["type"] == "expect_column_values_to_be_unique":
        ignore = f"{q(cols[0])} IS NULL"
    else:
        ignore = " AND ".join(f"{q(c)} IS NULL" for c in cols)
    on = " AND ".join(f"t.{q(c)} IS NOT DISTINCT FROM d.{q(c)}" for c in cols)
    if tuple(cols) == tuple(pk):  # the key is the primary key: the groups name the rows
        ref, sample_from = row_ref_sql(pk, "d", d), "dup AS d"
    else:
        ref = row_ref_sql(pk, "t", d)
        sample_from = f"{q(table)} AS t {d.semi_join} dup AS d ON {on}"
    parts = max(1, -(-rows // UNIQUE_PARTITION_ROWS)) if d.hash_partitions else 1
    unexpected, samples = 0, []
    for i in range(parts):
        where = f"WHERE hash({key}) % {parts} = {i} " if parts > 1 else ""
        dup = (
            f"SELECT {key}, count(*) AS n FROM {q(table)} {where}"
            f"GROUP BY {key} HAVING count(*) > 1 AND NOT ({ignore})"
        )
        if d.topn_in_aggregate:
            row = db.fetch(
                f"WITH dup AS MATERIALIZED ({dup}) "
                f"SELECT (SELECT coalesce(sum(n), 0) FROM dup), "
                f"(SELECT min({ref}, {SAMPLE_SIZE}) FROM {sample_from})"
            )[0]
            unexpected += int(row[0])
            samples += list(row[1] or [])
            continue
        n = int(db.fetch(f"WITH dup AS ({dup}) SELECT coalesce(sum(n), 0) FROM dup")[0][0])
        unexpected += n
        if n:
            samples += [
                r[0]
                for r in db.fetch(
                    f"WITH dup AS ({dup}) SELECT {ref} AS v FROM {sample_from} "
                    f"ORDER BY v LIMIT {SAMPLE_SIZE}"
                )
            ]
    res.unexpected_count, res.element_count = unexpected, rows
    res.samples = sorted(samples)[:SAMPLE_SIZE]


def _orphan_join(table: str, exp: dict[str, Any], dialect: Dialect = DUCKDB) -> str | None:
    """``<child> AS t ANTI JOIN <parent> AS p ON ... WHERE <fk> IS NOT NULL`` (None when the
    expectation lacks the meta that names the reference: then its query text runs)."""
    meta = exp.get("meta", {})
    col, parent, pcol = meta.get("column"), meta.get("parent_table"), meta.get("parent_column")
    if not (col and parent and pcol):
        return None
    return (
        f"{q(table)} AS t {dialect.anti_join} {q(parent)} AS p ON p.{q(pcol)} = t.{q(col)} "
        f"WHERE t.{q(col)} IS NOT NULL"
    )


def _run_orphans(
    db: SqlRunner,
    table: str,
    exp: dict[str, Any],
    pk: tuple[str, ...],
    res: CheckResult,
    catalog: Catalog,
) -> None:
    """Count the orphans by an anti-join; sample ids are built for orphan rows only.

    The anti-join is the suite's ``unexpected_rows_query`` (FK not NULL and no parent row
    with that key) compiled from the expectation's meta, which the generator writes from
    the same ``REFERENCES`` clause; an expectation without that meta runs its query text.
    """
    d = db.dialect
    parent = exp["meta"].get("parent_table")
    if parent and catalog.get(parent) is None:
        raise LookupError(
            f"parent table {parent} of {table}.{exp['meta'].get('column')} "
            "does not exist in the snapshot (see DQ-01)"
        )
    joined = _orphan_join(table, exp, d)
    if joined is None:
        query = exp["kwargs"]["unexpected_rows_query"].replace("{batch}", q(table))
        joined, ref = f"({query}) AS o", row_ref_sql(pk, "o", d)
    else:
        ref = row_ref_sql(pk, "t", d)
    if d.topn_in_aggregate:
        # One pass: the row refs are built only for the rows the anti-join lets through
        # (the orphans), so a clean table pays for the count alone. A second query for the
        # samples would repeat the join (0.84 s more at scale 10 for
        # message_deliveries.recipient_id).
        row = db.fetch(f"SELECT count(*), min({ref}, {SAMPLE_SIZE}) FROM {joined}")[0]
        res.unexpected_count, res.samples = int(row[0]), list(row[1] or [])
        return
    res.unexpected_count = int(db.fetch(f"SELECT count(*) FROM {joined}")[0][0])
    res.samples = _smallest(db, ref, joined, SAMPLE_SIZE) if res.unexpected_count else []


def row_predicate(
    table: str, exp: dict[str, Any], parameters: dict[str, Any], dialect: Dialect = DUCKDB
) -> str:
    """SQL true for each row (alias ``t``) that the expectation does not accept.

    Used to count the *distinct* rows a gate touches when several of its checks fail
    (a row failing two checks is one row). Not for the schema expectation.
    """
    t, kw, meta = exp["type"], exp["kwargs"], exp.get("meta", {})
    if t in COLUMN_MAP_TYPES:
        return unexpected_condition(exp, parameters, dialect)
    if t == "unexpected_rows_expectation":
        col, parent, pcol = meta["column"], meta["parent_table"], meta["parent_column"]
        return (
            f"({q(col)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {q(parent)} AS p "
            f"WHERE p.{q(pcol)} = t.{q(col)}))"
        )
    if t in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        cols = [kw["column"]] if "column" in kw else list(kw["column_list"])
        key = ", ".join(q(c) for c in cols)
        if t == "expect_column_values_to_be_unique":
            ignore = f"{q(cols[0])} IS NULL"
        else:
            ignore = " AND ".join(f"{q(c)} IS NULL" for c in cols)
        on = " AND ".join(f"d.{q(c)} IS NOT DISTINCT FROM t.{q(c)}" for c in cols)
        return (
            f"EXISTS (SELECT 1 FROM (SELECT {key} FROM {q(table)} GROUP BY {key} "
            f"HAVING count(*) > 1 AND NOT ({ignore})) AS d WHERE {on})"
        )
    raise ValueError(f"no row predicate for {t}")


def rows_failing_any(
    con: Conn,
    table: str,
    exps: list[dict[str, Any]],
    parameters: dict[str, Any],
) -> int:
    """How many distinct rows of ``table`` fail at least one of ``exps``."""
    db = as_runner(con)
    preds = " OR ".join(f"({row_predicate(table, e, parameters, db.dialect)})" for e in exps)
    return int(db.fetch(f"SELECT count(*) FROM {q(table)} AS t WHERE {preds}")[0][0])
