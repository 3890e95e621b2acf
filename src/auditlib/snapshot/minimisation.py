"""``data/minimisation.toml``: what the snapshot keeps of each column, in what form, and why.

The TOML file is the single source of the snapshot layout. This module loads it,
checks it against ``schema.sql`` (every column exactly once, known actions only,
so a new column in the schema cannot slip through un-decided), and renders
``docs/data-minimisation.md`` for auditors (a test keeps the committed file equal
to :func:`render_markdown`).

>>> plan = load_minimisation()
>>> plan["users"]["email"].snapshot_name
'email_hmac'
>>> plan["users"]["password_hash"].action
'drop'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from auditlib.schema import Column, load_schema

ACTIONS = ("keep", "hmac", "flag", "drop")


@dataclass(frozen=True)
class ColumnPlan:
    """What happens to one source column."""

    table: str
    column: Column
    action: str  # 'keep' | 'hmac' | 'flag' | 'drop'
    reason: str

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def snapshot_name(self) -> str | None:
        """The column's name in the snapshot; None for a dropped column."""
        if self.action == "keep":
            return self.name
        if self.action == "hmac":
            return f"{self.name}_hmac"
        if self.action == "flag":
            return f"{self.name}_present"
        return None

    @property
    def snapshot_type(self) -> str | None:
        if self.action == "keep":
            return self.column.duck_type
        if self.action == "hmac":
            return "VARCHAR"
        if self.action == "flag":
            return "BOOLEAN"
        return None

    @property
    def is_email(self) -> bool:
        """E-mail columns are normalised (trimmed, lower-cased) before hashing."""
        return "email" in self.name


# table -> column -> plan, in schema order
Plan = dict[str, dict[str, ColumnPlan]]


def minimisation_toml() -> str:
    return resources.files("auditlib").joinpath("data/minimisation.toml").read_text("utf-8")


def parse_minimisation(text: str) -> Plan:
    """Parse and validate against the schema. Raises ValueError naming table and column."""
    raw = tomllib.loads(text)
    schema = load_schema()
    problems: list[str] = []
    for t in sorted(set(raw) - set(schema.tables)):
        problems.append(f"[{t}] is not a table of schema.sql")
    plan: Plan = {}
    for tname, table in schema.tables.items():
        entries = raw.get(tname, {})
        for c in sorted(set(entries) - set(table.columns)):
            problems.append(f"{tname}.{c} is not a column of schema.sql")
        plan[tname] = {}
        for cname, col in table.columns.items():
            entry = entries.get(cname)
            if entry is None:
                problems.append(f"{tname}.{cname} has no entry: decide keep/hmac/flag/drop")
                continue
            if (
                not isinstance(entry, list)
                or len(entry) != 2
                or entry[0] not in ACTIONS
                or not isinstance(entry[1], str)
                or not entry[1].strip()
            ):
                problems.append(
                    f"{tname}.{cname} must be [action, reason] with action in {ACTIONS}"
                )
                continue
            if entry[0] == "hmac" and col.duck_type != "VARCHAR":
                problems.append(f"{tname}.{cname}: hmac is only for text columns")
            plan[tname][cname] = ColumnPlan(tname, col, entry[0], entry[1].strip())
        if plan[tname] and any(
            plan[tname][pk].action != "keep" for pk in table.primary_key if pk in plan[tname]
        ):
            problems.append(f"{tname}: primary key columns must be kept")
    if problems:
        raise ValueError("minimisation.toml: " + "; ".join(problems))
    return plan


@lru_cache(maxsize=1)
def load_minimisation() -> Plan:
    return parse_minimisation(minimisation_toml())


_FORM = {
    "keep": "kept as is ({type})",
    "hmac": "pseudonymised: `{snap}` = HMAC-SHA256 hex{norm}",
    "flag": "only `{snap}` (true when a non-blank value exists)",
    "drop": "**not copied**",
}

_INTRO = """\
# Data minimisation in the audit snapshot

*Generated from `src/auditlib/data/minimisation.toml` by
`auditlib.snapshot.minimisation.render_markdown()`; a test keeps this file equal to
the generated text. Do not edit by hand: edit the TOML and regenerate.*

The audit never works on the service database itself. `auditlib snapshot` copies
into a DuckDB file only the columns the audit rules need, in the least identifying
form that still lets the rules work. This page lists every column of the service
database (`schema.sql`), what the snapshot holds of it, and why.

**Forms.**

- *kept*: copied as is, cast to the schema type. Kept columns hold ids, dates,
  times, countries and codes; no names of people and no contact details (the
  names of subprocessor companies and of authorities are kept: they are the
  register an auditor reads).
- *pseudonymised*: the column is replaced by `<name>_hmac`, the lower-case hex
  HMAC-SHA256 of the value under the run's pseudonymisation key. E-mail addresses
  are normalised first (white space at both ends removed, lower-cased; a value that
  is then empty counts as missing), so an erasure request still finds the subject's
  rows while the address itself is never in the snapshot. The HMAC is computed
  inside DuckDB while the data is read, so the clear value is never written.
- *flag*: only a yes/no fact is kept (`<name>_present`), never the text.
- *not copied*: the column is never selected from the source. It does not pass
  through the snapshot file, not even in a temporary table.

**The key.** The key comes from the environment variable `AUDITLIB_PSEUDONYM_KEY`
(never from a command line or notebook parameter). With the same key, two
snapshots give the same pseudonyms, so runs can be compared. Without it a random
key is drawn for the run and thrown away afterwards: pseudonyms then match only
within that snapshot, and the run says so. The snapshot stores only the key's
fingerprint (an HMAC of a fixed label under the key), never the key.

**Never copied**, whatever the key: message subjects and bodies, password hashes,
names of people, phone numbers, IP addresses, user agents, organisation numbers, cookie ids,
the text of extension reasons and legal-hold references. Findings and reports show
ids and counts only, never e-mail addresses, not even pseudonymised.

The snapshot file holds pseudonymised personal data: it is written with mode 0600
and kept outside the shareable run directory.
"""


def render_markdown(plan: Plan | None = None) -> str:
    """``docs/data-minimisation.md``: an intro for auditors, then one table per source table."""
    plan = plan or load_minimisation()
    out = [_INTRO]
    counts = {a: 0 for a in ACTIONS}
    for tname, cols in plan.items():
        out.append(f"## `{tname}`\n")
        out.append("| column | in the snapshot | why |")
        out.append("| --- | --- | --- |")
        for cp in cols.values():
            counts[cp.action] += 1
            norm = " of the trimmed, lower-cased address" if cp.is_email else ""
            form = _FORM[cp.action].format(
                type=cp.column.duck_type, snap=cp.snapshot_name, norm=norm
            )
            reason = cp.reason.replace("|", "\\|")
            out.append(f"| `{cp.name}` | {form} | {reason} |")
        out.append("")
    total = sum(counts.values())
    out.append(
        f"## Totals\n\n{total} columns: {counts['keep']} kept, {counts['hmac']} "
        f"pseudonymised, {counts['flag']} reduced to a flag, {counts['drop']} not copied.\n"
    )
    return "\n".join(out)
