"""The audited service database's schema, parsed from the vendored ``schema.sql``.

``src/auditlib/data/schema.sql`` is a byte-for-byte copy of
``shared/service-db/schema.sql`` (a test keeps them equal). Every other module
asks this one what the tables, columns, types, keys, references and CHECK
lists are, so nothing re-types the schema by hand.

>>> s = load_schema()
>>> s.tables["message_deliveries"].primary_key
('message_id', 'recipient_id')
>>> s.tables["users"].columns["email"].pg_type
'text'
>>> s.tables["contracts"].columns["customer_id"].references
('customers', 'customer_id')
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

SCHEMA_NAME = "one2many"

# PostgreSQL type (as written in schema.sql) -> DuckDB type used in snapshots and casts.
_DUCK_TYPES = {
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "text": "VARCHAR",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamptz": "TIMESTAMPTZ",
    "inet": "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str  # as in schema.sql, normalised: 'char(2)', 'numeric(12,2)', 'text', ...
    not_null: bool
    references: tuple[str, str] | None = None  # (table, column) of a REFERENCES clause
    check_values: tuple[str, ...] | None = None  # CHECK (col IN (...)) list
    comment: str = ""

    @property
    def duck_type(self) -> str:
        t = self.pg_type
        if t.startswith("char("):
            return "VARCHAR"
        if t.startswith("numeric("):
            return "DECIMAL" + t[len("numeric") :].upper()
        return _DUCK_TYPES[t]

    @property
    def is_timestamp(self) -> bool:
        return self.pg_type == "timestamptz"

    @property
    def is_date(self) -> bool:
        return self.pg_type == "date"

    @property
    def is_country(self) -> bool:
        """Country codes are ISO 3166-1 alpha-2 (schema convention): every char(2) column."""
        return self.pg_type == "char(2)"


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, Column]
    primary_key: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)


@dataclass(frozen=True)
class Schema:
    tables: dict[str, Table]
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def table_names(self) -> list[str]:
        return list(self.tables)


_CREATE_RE = re.compile(r"CREATE TABLE (\w+) \((.*?)\n\);", re.S)
_COL_RE = re.compile(r"^\s*(\w+)\s+([a-z]+(?:\(\d+(?:,\d+)?\))?)\s*(.*)$")
_PK_RE = re.compile(r"^\s*PRIMARY KEY \(([^)]*)\)")
_REF_RE = re.compile(r"REFERENCES (\w+)(?:\s*\((\w+)\))?")
_CHECK_RE = re.compile(r"CHECK \(\w+ IN \(([^)]*)\)\)", re.S)


def _split_columns(body: str) -> list[tuple[str, str]]:
    """Split a CREATE TABLE body into (definition, trailing comment) pairs.

    Definitions may span lines (the multi-line CHECK of dsr_requests.request_type).
    """
    items: list[tuple[str, str]] = []
    buf, comment, depth = "", "", 0
    for raw in body.splitlines():
        code, _, cmt = raw.partition("--")
        if cmt:
            comment = (comment + " " + cmt.strip()).strip()
        for ch in code:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            if ch == "," and depth == 0:
                items.append((buf.strip(), comment))
                buf, comment = "", ""
            else:
                buf += ch
        buf += " "
    if buf.strip():
        items.append((buf.strip(), comment))
    return [(d, c) for d, c in items if d]


def parse_schema(sql: str) -> Schema:
    tables: dict[str, Table] = {}
    for m in _CREATE_RE.finditer(sql):
        name, body = m.group(1), m.group(2)
        cols: dict[str, Column] = {}
        pk: tuple[str, ...] = ()
        unique: list[tuple[str, ...]] = []
        for definition, comment in _split_columns(body):
            d = " ".join(definition.split())
            pkm = _PK_RE.match(d)
            if pkm:
                pk = tuple(c.strip() for c in pkm.group(1).split(","))
                continue
            cm = _COL_RE.match(d)
            if not cm:
                raise ValueError(f"schema.sql: cannot parse column of {name}: {d!r}")
            cname, ctype, rest = cm.group(1), cm.group(2).replace(" ", ""), cm.group(3)
            if ctype.split("(")[0] not in (*_DUCK_TYPES, "char", "numeric"):
                raise ValueError(f"schema.sql: unknown type {ctype!r} of {name}.{cname}")
            ref = None
            rm = _REF_RE.search(rest)
            if rm:
                ref_table = rm.group(1)
                ref = (ref_table, rm.group(2) or "")
            checks = None
            chm = _CHECK_RE.search(rest)
            if chm:
                checks = tuple(v.strip().strip("'") for v in chm.group(1).split(","))
            is_pk = "PRIMARY KEY" in rest
            if is_pk:
                pk = (cname,)
            if "UNIQUE" in rest:
                unique.append((cname,))
            cols[cname] = Column(
                name=cname,
                pg_type=ctype,
                not_null=("NOT NULL" in rest) or is_pk,
                references=ref,
                check_values=checks,
                comment=comment,
            )
        tables[name] = Table(name=name, columns=cols, primary_key=pk, unique=tuple(unique))
    # Resolve REFERENCES without a column list to the parent's primary key.
    for t in tables.values():
        for cname, col in list(t.columns.items()):
            if col.references and not col.references[1]:
                parent = tables[col.references[0]]
                (pk_col,) = parent.primary_key
                t.columns[cname] = Column(
                    name=col.name,
                    pg_type=col.pg_type,
                    not_null=col.not_null,
                    references=(parent.name, pk_col),
                    check_values=col.check_values,
                    comment=col.comment,
                )
    # A primary-key column is NOT NULL even when declared in a table-level clause.
    for t in tables.values():
        for cname in t.primary_key:
            c = t.columns[cname]
            if not c.not_null:
                t.columns[cname] = Column(
                    c.name, c.pg_type, True, c.references, c.check_values, c.comment
                )
    return Schema(tables=tables, sql=sql)


def schema_sql() -> str:
    return resources.files("auditlib").joinpath("data/schema.sql").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_schema() -> Schema:
    return parse_schema(schema_sql())
