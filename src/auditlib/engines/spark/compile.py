"""The rule catalogue's DuckDB SQL compiled to Spark SQL: sqlglot plus explicit rewrites.

A plain sqlglot transpile gives valid Spark SQL for most statements but wrong answers for
most rules. Each trap has one rewrite here, each tested (``tests/test_spark_compile.py``)
and the whole checked by the parity suite (``tests/test_spark_parity.py``):

- ``getvariable('x')`` -> the run's value as a typed literal (DATE, INT, BOOLEAN,
  ARRAY<STRING>); views are compiled per run, so they see the run's values too.
- ``format('... {} ...', a)`` (DuckDB's fmt placeholders) -> ``concat`` of the pieces, each
  argument printed as DuckDB prints it: dates ``yyyy-MM-dd``, DECIMAL as DuckDB's shortest
  double (``200.0``, not Spark's ``200.00``); ``{:04d}`` -> ``format_string('%04d')``. Any
  NULL argument makes the whole message NULL, as in DuckDB.
- ``date_diff('day', a, b)`` -> ``datediff(b, a)`` (rules write date differences so; a bare
  ``date - date`` is an interval in Spark, so the catalogue does not use it).
- ``sthlm_date(ts)`` -> ``to_date(from_utc_timestamp(ts, 'Europe/Stockholm'))`` with the
  session zone pinned to UTC: the instant's day in Stockholm, exact across DST.
- ``roll(d)`` -> a lookup in the day -> rolled map of ``_calendar`` (the calendar table of
  :mod:`auditlib.dates`, registered as a view), raising like the DuckDB macro outside it.
- ``add_months`` stays ``add_months`` (Spark >= 3.0 clamps to the month's last day as the
  spec and DuckDB do; older Spark is refused by :mod:`.session`).
- ``min(x, n)`` (DuckDB's n smallest) -> ``slice(array_sort(collect_list(x)), 1, n)``;
  ``list(x ORDER BY x)`` -> ``array_sort(collect_list(x))``.
- ``strftime(timezone('UTC', ts), '%Y-...')`` -> ``date_format(ts, "yyyy-...")`` (UTC
  session); ``epoch_ms(ts)`` -> ``unix_millis(ts)``; ``to_timestamp(s)`` ->
  ``timestamp_seconds(s)``; ``regexp_full_match(s, p)`` -> ``s RLIKE '^(?:p)$'``.
- evidence STRUCT literals stay structs; the engine turns them into JSON with ``to_json``
  and ``spark.sql.jsonGenerator.ignoreNullFields=false`` keeps NULL keys.

Anything the compiler does not know (``error()``, another DuckDB-only function) raises
:class:`CompileError` naming the rule: the rule is then ``error`` on Spark, never ``pass``.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from auditlib.dates import TZ_NAME

CALENDAR_VIEW = "_calendar"


class CompileError(ValueError):
    """A DuckDB construct the Spark compiler cannot translate faithfully."""


# DuckDB-only functions that must never reach Spark silently.
_REFUSED = {"ERROR", "GETVARIABLE", "LIST_FILTER_", "TIMEZONE"}


def literal(value: Any) -> exp.Expression:
    """A run parameter as a typed Spark literal."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, list | tuple):
        items = []
        for v in value:
            if not isinstance(v, str) or not re.fullmatch(r"[A-Z]{2}", v):
                raise CompileError(f"list parameter item {v!r} is not a country code")
            items.append(exp.Literal.string(v))
        return exp.cast(exp.Array(expressions=items), exp.DataType.build("ARRAY<STRING>"))
    raise CompileError(f"unsupported parameter value {value!r}")


def _fn(name: str, *args: exp.Expr) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _str(s: str) -> exp.Expression:
    return exp.Literal.string(s)


def duckdb_text(arg: exp.Expression) -> exp.Expression:
    """``arg`` as text, exactly as DuckDB's ``format('{}', arg)`` prints it.

    Spark prints a DECIMAL with its scale (``200.00``, ``7``), DuckDB as the shortest double
    (``200.0``, ``0.5``, ``7.0``): trailing zeros go, one digit stays after the point. (For
    the catalogue's DECIMAL(10,2) the shortest double is exactly that decimal.) ``typeof`` is
    folded by the optimizer, so other types pay nothing.
    """
    as_text = exp.cast(arg.copy(), exp.DataType.build("STRING"))
    trimmed = _fn(
        "regexp_replace",
        _fn("regexp_replace", as_text.copy(), _str(r"(\.[0-9]*?)0+$"), _str("$1")),
        _str(r"\.$"),
        _str(".0"),
    )
    no_point = exp.EQ(
        this=_fn("instr", as_text.copy(), _str(".")), expression=exp.Literal.number(0)
    )
    decimal_text = exp.Case(
        ifs=[exp.If(this=no_point, true=_fn("concat", as_text.copy(), _str(".0")))],
        default=trimmed,
    )
    is_decimal = exp.Like(this=_fn("typeof", arg.copy()), expression=_str("decimal%"))
    return exp.Case(ifs=[exp.If(this=is_decimal, true=decimal_text)], default=as_text)


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(:[^{}]*)?\}")


def _format_to_concat(node: exp.Format) -> exp.Expression:
    template = node.this
    if not isinstance(template, exp.Literal) or not template.is_string:
        raise CompileError("format() needs a literal template")
    text = template.this
    args = list(node.expressions)
    pieces: list[exp.Expression] = []
    pos = 0
    i = 0
    for m in _PLACEHOLDER.finditer(text):
        literal_part = text[pos : m.start()]
        pos = m.end()
        if m.group(0) in ("{{", "}}"):
            literal_part += m.group(0)[0]
            if literal_part:
                pieces.append(_str(literal_part))
            continue
        if literal_part:
            pieces.append(_str(literal_part))
        if i >= len(args):
            raise CompileError(f"format() template {text!r} has more placeholders than args")
        arg = args[i]
        i += 1
        spec = m.group(1)
        if spec is None:
            pieces.append(duckdb_text(arg))
        else:
            sm = re.fullmatch(r":(0?)(\d*)d", spec)
            if not sm:
                raise CompileError(f"format() spec {spec!r} is not supported on Spark")
            java = f"%{sm.group(1)}{sm.group(2)}d"
            formatted = _fn("format_string", _str(java), arg.copy())
            pieces.append(
                exp.Case(
                    ifs=[
                        exp.If(this=exp.Is(this=arg.copy(), expression=exp.Null()), true=exp.Null())
                    ],
                    default=formatted,
                )
            )
    if text[pos:]:
        pieces.append(_str(text[pos:]))
    if i != len(args):
        raise CompileError(f"format() template {text!r} has fewer placeholders than args")
    if not pieces:
        return _str("")
    return _fn("concat", *pieces)


_STRFTIME = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss"}


def _strftime_to_java(fmt: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(fmt):
        tok = fmt[i : i + 2]
        if tok in _STRFTIME:
            out.append(_STRFTIME[tok])
            i += 2
        elif fmt[i] == "%":
            raise CompileError(f"strftime directive {tok!r} is not supported on Spark")
        elif fmt[i].isalpha():
            out.append(f"'{fmt[i]}'")
            i += 1
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def _norm_country(arg: exp.Expression) -> exp.Expression:
    """The body of DuckDB's ``norm_country(c)`` macro (:data:`auditlib.config.COUNTRY_MACRO_SQL`,
    the one definition) with ``c`` replaced by ``arg``."""
    from auditlib.config import COUNTRY_MACRO_SQL

    body = sqlglot.parse_one(COUNTRY_MACRO_SQL.split(" AS ", 1)[1], read="duckdb")
    return body.transform(
        lambda n: arg.copy() if isinstance(n, exp.Column) and n.name == "c" else n
    )


def _anon_name(node: exp.Expr) -> str:
    return node.name.upper() if isinstance(node, exp.Anonymous) else ""


class _Rewriter:
    def __init__(self, params: dict[str, Any], origin: str) -> None:
        self.params = params
        self.origin = origin

    def fail(self, what: str) -> CompileError:
        return CompileError(f"{self.origin}: {what}")

    def __call__(self, node: exp.Expression) -> exp.Expression:
        name = _anon_name(node)
        if name == "GETVARIABLE":
            (arg,) = node.expressions
            key = arg.name
            if key not in self.params:
                raise self.fail(f"getvariable({key!r}) names no run parameter")
            return literal(self.params[key])
        if name == "STHLM_DATE":
            (arg,) = node.expressions
            return _fn("to_date", _fn("from_utc_timestamp", arg, _str(TZ_NAME)))
        if name == "NORM_COUNTRY":
            (arg,) = node.expressions
            return _norm_country(arg)
        if name == "ROLL":
            (arg,) = node.expressions
            return self.roll(arg)
        if name == "ERROR":
            raise self.fail("error() inside rule SQL is not portable: write a [[guards]] check")
        if name == "EPOCH":
            raise self.fail("epoch() is not supported on Spark")
        if isinstance(node, exp.Format):
            return _format_to_concat(node)
        if isinstance(node, exp.DateDiff):
            unit = (node.unit.name if node.unit else "day").lower()
            if unit != "day":
                raise self.fail(f"date_diff unit {unit!r} is not supported on Spark")
            # DuckDB date_diff('day', start, end); sqlglot: this=end, expression=start
            return _fn("datediff", node.this, node.expression)
        if isinstance(node, exp.Min) and node.args.get("count") is not None:
            return _fn(
                "slice",
                _fn("array_sort", _fn("collect_list", node.this)),
                exp.Literal.number(1),
                node.args["count"],
            )
        if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
            order = node.this
            keys = order.expressions
            if len(keys) != 1 or keys[0].this != order.this or keys[0].args.get("desc"):
                raise self.fail("list(x ORDER BY y) is supported only ordered by x ascending")
            return _fn("array_sort", _fn("collect_list", order.this))
        if isinstance(node, exp.TimeToStr):
            target = node.this
            if _anon_name(target) == "TIMEZONE" or isinstance(target, exp.AtTimeZone):
                zone = (
                    target.expressions[0]
                    if isinstance(target, exp.Anonymous)
                    else target.args["zone"]
                )
                inner = target.expressions[1] if isinstance(target, exp.Anonymous) else target.this
                if zone.name.upper() != "UTC":
                    raise self.fail("strftime() only of timezone('UTC', ts) is supported")
                target = inner
            else:
                raise self.fail("strftime() needs timezone('UTC', ts) to be engine-independent")
            fmt = node.args["format"]
            return _fn("date_format", target, _str(_strftime_to_java(fmt.name)))
        if isinstance(node, exp.UnixToTime):
            scale = node.args.get("scale")
            if scale is not None and scale.name == "3":
                # DuckDB epoch_ms(timestamp) -> milliseconds since the epoch
                return _fn("unix_millis", node.this)
            if scale is None:
                return _fn("timestamp_seconds", node.this)
            raise self.fail(f"unix time scale {scale.sql()} is not supported")
        if isinstance(node, exp.RegexpFullMatch):
            pattern = node.expression
            if not isinstance(pattern, exp.Literal):
                raise self.fail("regexp_full_match() needs a literal pattern")
            # \z, not $: Java's $ also matches before a final line break
            return exp.RegexpLike(this=node.this, expression=_str(f"^(?:{pattern.this})\\z"))
        if isinstance(node, exp.IgnoreNulls) and isinstance(node.this, exp.AnyValue):
            # DuckDB any_value skips NULLs; Spark's any_value(x, true) does the same
            return _fn("any_value", node.this.this, exp.Boolean(this=True))
        return node

    def roll(self, arg: exp.Expression) -> exp.Expression:
        # One uncorrelated scalar subquery (run once per query, its result broadcast) builds
        # the day -> rolled map of the calendar; a per-row correlated lookup would join the
        # whole calendar for every use. Outside the calendar: an error, as in DuckDB's macro.
        day = exp.cast(arg, exp.DataType.build("DATE"))
        calendar_map = sqlglot.parse_one(
            f"(SELECT map_from_arrays(collect_list(day), collect_list(rolled)) "
            f"FROM {CALENDAR_VIEW})",
            read="spark",
        )
        lookup = _fn("try_element_at", calendar_map, day.copy())
        raise_error = _fn(
            "raise_error",
            _fn(
                "concat",
                _str("roll(): "),
                exp.cast(day.copy(), exp.DataType.build("STRING")),
                _str(" is outside the holiday calendar 1990-2100 of auditlib.dates"),
            ),
        )
        return exp.Case(
            ifs=[exp.If(this=exp.Is(this=day.copy(), expression=exp.Null()), true=exp.Null())],
            default=exp.Coalesce(this=lookup, expressions=[raise_error]),
        )


def compile_sql(sql: str, params: dict[str, Any], origin: str = "rule") -> str:
    """One DuckDB-dialect SELECT of the catalogue -> Spark SQL, parameters inlined."""
    return _compile(sql, tuple(sorted((k, _hashable(v)) for k, v in params.items())), origin)


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


@lru_cache(maxsize=512)
def _compile(sql: str, params_items: tuple[tuple[str, Any], ...], origin: str) -> str:
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in params_items}
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise CompileError(f"{origin}: cannot parse: {exc}") from exc
    # sqlglot's transform does not descend into a node it replaced: repeat until stable
    rewriter = _Rewriter(params, origin)
    for _ in range(12):
        before = tree.sql(dialect="duckdb")
        tree = tree.transform(rewriter)
        if tree.sql(dialect="duckdb") == before:
            break
    for node in tree.walk():
        if _anon_name(node) in _REFUSED:
            raise CompileError(f"{origin}: {node.sql()} is DuckDB only")
    try:
        return tree.sql(dialect="spark", identify=True, unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as exc:
        raise CompileError(f"{origin}: {exc}") from exc


def compile_view(statement: str, params: dict[str, Any], name: str) -> str:
    """A ``CREATE OR REPLACE TEMP VIEW name AS <select>`` of views.sql for Spark."""
    head = f"CREATE OR REPLACE TEMP VIEW {name} AS"
    body = statement.split(head, 1)[1].strip().rstrip(";")
    return f"CREATE OR REPLACE TEMPORARY VIEW `{name}` AS " + compile_sql(
        body, params, f"view {name}"
    )
