"""The expectation suites: generated from ``schema.sql``, committed as JSON, loaded at run time.

``expectations/<table>.json`` (one Great Expectations 1.24 suite per table, because a
GX suite validates one batch = one table) is the reviewed artefact. Every
expectation carries ``meta.gate`` (``DQ-01`` ... ``DQ-05``), a stable
``meta.check_id`` and ``meta.check`` (the kind of check). They are *derived*:
:func:`generate_suites` builds them from :func:`auditlib.schema.load_schema` and
``data/minimisation.toml`` and a test keeps the committed files equal to the
generated ones (``make regen`` rewrites them).

What is derived from what:
- DQ-01: ``expect_table_columns_to_match_set`` (exact) with the snapshot layout's
  columns; ``meta.column_types`` holds the DuckDB types, checked on the catalog.
- DQ-02: primary key -> ``not_null`` per column + ``unique`` (single) or
  ``compound_columns_to_be_unique``; a ``UNIQUE`` column (``invoices.invoice_number``)
  -> ``unique`` as well (decision: a unique key is a key; duplicates break RET-06).
- DQ-03: each ``REFERENCES`` clause whose column the snapshot keeps ->
  ``unexpected_rows_expectation`` (orphan rows: FK not NULL and no parent row).
  A NULL foreign key is not an orphan (``orders.customer_id`` NULL is fine).
- DQ-04: ``CHECK (... IN (...))`` lists -> ``in_set``; every ``char(2)`` country
  column -> ``match_regex ^[A-Z]{2}$`` and ``in_set`` of the officially assigned
  ISO 3166-1 alpha-2 codes (from ``pycountry``, frozen into the JSON) plus ``EL``
  (decision: an upper-case but unassigned code such as ``XX`` or ``UK`` is outside the
  domain, reported and not blocking; ``EL`` is not: the rule catalogue itself says "treat
  EL as GR", so the data's conventions accept the EU's code for Greece, and flagging it
  would leave a standing finding that contradicts the spec);
  ``NOT NULL`` columns outside the primary key -> ``not_null`` (decision: a NULL where
  the schema forbids it is a value outside the column's domain).
- DQ-05: every ``timestamptz`` column except ``backups.expires_at`` (a planned
  destruction time lies in the future by design) -> ``be_between`` with
  ``max_value = $PARAMETER snapshot_time``; ``contracts.ends_on >= signed_on``,
  ``dsr_requests.completed_at >= received_at``, ``support_tickets.closed_at >=
  opened_at`` -> ``column_pair_values_a_to_be_greater_than_b`` (``or_equal``; rows with
  a NULL side are ignored). Dates are not compared with the snapshot time (a contract
  ``ends_on`` or a planned ``engaged_on`` may lie in the future).

DQ-06 has no expectations: it is the manifest verification done by the builder.

Where the suites are found (:func:`expectations_dir`, i.e. :mod:`auditlib.resources`):
the environment variable ``AUDITLIB_EXPECTATIONS_DIR`` if set, else the package's
``expectations/`` (a symlink to the checkout's folder, followed into the wheel). Nothing
is copied, so the JSON that was reviewed is the JSON that runs.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from auditlib import resources
from auditlib.gate_registry import GATES
from auditlib.schema import Schema, Table, load_schema

ENV_DIR = resources.EXPECTATIONS_ENV
SNAPSHOT_TIME_PARAMETER = "snapshot_time"
COUNTRY_REGEX = "^[A-Z]{2}$"

# Timestamps that legitimately lie after the snapshot time (decision, see module docstring).
FUTURE_TIMESTAMPS_ALLOWED = frozenset({("backups", "expires_at")})
# DQ-05 pairs from the spec: (table, later column, earlier column).
TIME_ORDER_PAIRS = (
    ("contracts", "ends_on", "signed_on"),
    ("dsr_requests", "completed_at", "received_at"),
    ("support_tickets", "closed_at", "opened_at"),
)


def _gx_severity(gate: str) -> str:
    """GX severity: blocking gates (registry) are 'critical', the others 'warning'."""
    return "critical" if GATES[gate].blocking else "warning"


class SuiteError(Exception):
    """The expectation suites cannot be found or read."""


@lru_cache(maxsize=1)
def minimisation() -> dict[str, dict[str, str]]:
    """table -> column -> action (keep|hmac|flag|drop), from the snapshot's own plan."""
    from auditlib.snapshot.minimisation import load_minimisation

    return {t: {c: cp.action for c, cp in cols.items()} for t, cols in load_minimisation().items()}


def snapshot_columns(table: Table) -> dict[str, str]:
    """The snapshot layout of one table: snapshot column -> DuckDB type (ARCHITECTURE.md)."""
    from auditlib.snapshot.minimisation import load_minimisation

    return {
        cp.snapshot_name: cp.snapshot_type or ""
        for cp in load_minimisation()[table.name].values()
        if cp.snapshot_name
    }


def snapshot_name(table: Table, column: str) -> str | None:
    """The snapshot column that carries source ``column`` (None when it is dropped)."""
    action = minimisation()[table.name][column]
    return {"keep": column, "hmac": f"{column}_hmac", "flag": f"{column}_present"}.get(action)


def snapshot_column(table: str, column: str) -> str:
    """Source column -> its snapshot column name (unchanged for unknown or dropped columns)."""
    action = minimisation().get(table, {}).get(column)
    return {"hmac": f"{column}_hmac", "flag": f"{column}_present"}.get(action or "", column)


@lru_cache(maxsize=1)
def iso_alpha2_codes() -> tuple[str, ...]:
    import pycountry

    # EL: the EU's code for Greece, which spec/audit-rules.md accepts (read as GR).
    return tuple(sorted({c.alpha_2 for c in pycountry.countries} | {"EL"}))


def _exp(
    etype: str, kwargs: dict[str, Any], gate: str, check: str, check_id: str, **meta: Any
) -> dict[str, Any]:
    return {
        "type": etype,
        "kwargs": kwargs,
        "meta": {"gate": gate, "check": check, "check_id": check_id, **meta},
        "severity": _gx_severity(gate),
    }


def orphan_query(table: str, column: str, parent: str, parent_column: str) -> str:
    """The DQ-03 query (GX ``UnexpectedRowsExpectation`` form, ``{batch}`` = the table)."""
    return (
        f"SELECT * FROM {{batch}} AS child WHERE child.{column} IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {parent} AS parent WHERE parent.{parent_column} = child.{column})"
    )


def table_suite(schema: Schema, table: Table) -> dict[str, Any]:
    t = table.name
    cols = snapshot_columns(table)
    exps: list[dict[str, Any]] = [
        _exp(
            "expect_table_columns_to_match_set",
            {"column_set": list(cols)},  # exact_match defaults to True in GX
            "DQ-01",
            "schema",
            f"{t}.schema",
            column_types=cols,
        ),
    ]
    pk = table.primary_key
    for c in pk:
        exps.append(
            _exp(
                "expect_column_values_to_not_be_null",
                {"column": c},
                "DQ-02",
                "pk_not_null",
                f"{t}.pk_not_null.{c}",
            )
        )
    if len(pk) == 1:
        exps.append(
            _exp(
                "expect_column_values_to_be_unique",
                {"column": pk[0]},
                "DQ-02",
                "pk_unique",
                f"{t}.pk_unique.{pk[0]}",
            )
        )
    else:
        exps.append(
            _exp(
                "expect_compound_columns_to_be_unique",
                {"column_list": list(pk)},
                "DQ-02",
                "pk_unique",
                f"{t}.pk_unique.{'+'.join(pk)}",
            )
        )
    for (c,) in table.unique:
        exps.append(
            _exp(
                "expect_column_values_to_be_unique",
                {"column": c},
                "DQ-02",
                "unique_key",
                f"{t}.unique_key.{c}",
            )
        )
    for c, col in table.columns.items():
        if col.references and snapshot_name(table, c) == c:
            parent, pcol = col.references
            exps.append(
                _exp(
                    "unexpected_rows_expectation",
                    {"unexpected_rows_query": orphan_query(t, c, parent, pcol)},
                    "DQ-03",
                    "orphan",
                    f"{t}.orphan.{c}",
                    column=c,
                    parent_table=parent,
                    parent_column=pcol,
                )
            )
    for c, col in table.columns.items():
        sc = snapshot_name(table, c)
        if sc is None:
            continue
        if col.not_null and c not in pk and not sc.endswith("_present"):
            exps.append(
                _exp(
                    "expect_column_values_to_not_be_null",
                    {"column": sc},
                    "DQ-04",
                    "not_null",
                    f"{t}.not_null.{sc}",
                )
            )
        if col.check_values and sc == c:
            exps.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    {"column": c, "value_set": list(col.check_values)},
                    "DQ-04",
                    "enum",
                    f"{t}.enum.{c}",
                )
            )
        if col.is_country and sc == c:
            exps.append(
                _exp(
                    "expect_column_values_to_match_regex",
                    {"column": c, "regex": COUNTRY_REGEX},
                    "DQ-04",
                    "country_format",
                    f"{t}.country_format.{c}",
                )
            )
            exps.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    {"column": c, "value_set": list(iso_alpha2_codes())},
                    "DQ-04",
                    "country_iso",
                    f"{t}.country_iso.{c}",
                )
            )
    for c, col in table.columns.items():
        if (
            col.is_timestamp
            and snapshot_name(table, c) == c
            and (t, c) not in FUTURE_TIMESTAMPS_ALLOWED
        ):
            exps.append(
                _exp(
                    "expect_column_values_to_be_between",
                    {"column": c, "max_value": {"$PARAMETER": SNAPSHOT_TIME_PARAMETER}},
                    "DQ-05",
                    "not_after_snapshot",
                    f"{t}.not_after_snapshot.{c}",
                )
            )
    for pt, later, earlier in TIME_ORDER_PAIRS:
        if pt == t:
            exps.append(
                _exp(
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    {
                        "column_A": later,
                        "column_B": earlier,
                        "or_equal": True,
                        "ignore_row_if": "either_value_is_missing",
                    },
                    "DQ-05",
                    "time_order",
                    f"{t}.time_order.{later}>={earlier}",
                )
            )
    return {
        "name": t,
        "expectations": exps,
        "meta": {
            "table": t,
            "primary_key": list(pk),
            "schema_sha256": schema.sha256,
            "generated_by": "auditlib.quality.suites.generate_suites",
        },
        "notes": None,
    }


def generate_suites(schema: Schema | None = None) -> dict[str, dict[str, Any]]:
    """table name -> suite as a JSON-able dict (the exact content of ``expectations/<t>.json``)."""
    schema = schema or load_schema()
    return {name: table_suite(schema, t) for name, t in schema.tables.items()}


def suite_json(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def expectations_dir() -> Path:
    """Where the committed suites live (:func:`auditlib.resources.expectations_dir`)."""
    try:
        return resources.expectations_dir()
    except resources.ResourceError as exc:
        raise SuiteError(str(exc)) from None


def read_suite_dicts(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """table -> suite dict, read from the JSON files; every schema table must have one."""
    directory = directory or expectations_dir()
    out: dict[str, dict[str, Any]] = {}
    for t in load_schema().table_names:
        path = directory / f"{t}.json"
        try:
            out[t] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SuiteError(
                f"no expectation suite for table {t}: {path} is missing "
                "(regenerate with `make regen`)"
            ) from exc
        except json.JSONDecodeError as exc:
            raise SuiteError(f"expectation suite {path} is not valid JSON: {exc}") from exc
    return out


def load_suites(directory: Path | None = None) -> dict[str, Any]:
    """table -> ``great_expectations.core.ExpectationSuite`` (imports GX: ~5 s the first time)."""
    from auditlib.quality.gx_backend import import_gx

    import_gx()
    from great_expectations.core import ExpectationSuite

    return {t: ExpectationSuite(**d) for t, d in read_suite_dicts(directory).items()}


def write_suites(directory: Path | None = None) -> list[Path]:
    directory = directory or expectations_dir()
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for t, suite in generate_suites().items():
        p = directory / f"{t}.json"
        p.write_text(suite_json(suite), encoding="utf-8")
        paths.append(p)
    return paths
