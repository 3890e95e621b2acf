"""Human text for gate results: every message names the table, the column(s) and row ids.

The next step after a failed gate is the registry's (``auditlib.gate_registry``,
``Gate.next_step_text()``), so "Blocking"/"Not blocking" always agrees with the flag.
"""

from __future__ import annotations

from auditlib.quality.checks import CheckResult
from auditlib.quality.issues import Issue
from auditlib.redaction import redact

VALUE_LIMIT = 80  # characters of one quoted value (longer ones are cut, length shown)

_WHAT = {
    "pk_not_null": "with NULL in primary-key column {col}",
    "pk_unique": "sharing a primary key ({cols}) with another row",
    "unique_key": "sharing a value of the UNIQUE column {col} with another row",
    "orphan": "whose {col} points at no {parent} row",
    "not_null": "with NULL in NOT NULL column {col}",
    "enum": "with {col} outside the schema's CHECK list",
    "country_format": "with {col} not two upper-case letters",
    "country_iso": "with {col} not an assigned ISO 3166-1 alpha-2 code",
    "not_after_snapshot": "with {col} after the snapshot time",
    "time_order": "with {col} before {col2}",
}


def describe_check(c: CheckResult) -> str:
    """E.g. ``2 row(s) of users sharing a primary key (user_id) ... (e.g. user_id=7)``."""
    if c.check == "schema":
        parts = []
        if c.extra.get("missing_columns"):
            parts.append(f"missing column(s) {', '.join(c.extra['missing_columns'])}")
        if c.extra.get("extra_columns"):
            parts.append(f"unexpected column(s) {', '.join(c.extra['extra_columns'])}")
        for col, t in (c.extra.get("wrong_types") or {}).items():
            parts.append(f"column {col} is {t['actual']}, expected {t['expected']}")
        return f"snapshot table {c.table}: " + "; ".join(parts)
    cols = list(c.columns) or ["?"]
    what = _WHAT.get(c.check, f"failing {c.expectation_type} on {{cols}}").format(
        col=f"{c.table}.{cols[0]}",
        col2=f"{c.table}.{cols[-1]}",
        cols=", ".join(f"{c.table}.{x}" for x in cols),
        parent=c.extra.get("parent", "parent"),
    )
    text = f"{c.unexpected_count} row(s) of {c.table} {what}"
    if c.values:
        text += f" (values: {', '.join(redact(repr(v), VALUE_LIMIT) for v in c.values)})"
    if c.samples:
        text += f" (e.g. {'; '.join(c.samples)})"
    return text


def describe_issue(i: Issue) -> str:
    where = i.table_name or "the source"
    if i.column_name:
        where += f".{i.column_name}"
    text = f"{i.kind} at {where}"
    if i.row_ref:
        text += f" ({i.row_ref})"
    if i.rows_affected:
        text += f", {i.rows_affected} row(s)"
    if i.message:
        text += f": {i.message[:200]}"
    return text
