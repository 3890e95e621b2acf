"""Load an export directory into PostgreSQL (schema ``one2many``) with streamed COPY.

``load_export(export_dir, conninfo)`` creates the schema from ``schema.sql`` and
fills its tables from the export's files (a directory ``<table>/`` of part files
is read as one table, see ``auditlib.source.export.parts``) (``<table>.parquet``, ``.csv`` or
``.csv.gz``, see service-db/README.md), parents before children (FK order).

How the rows travel: DuckDB reads each file (one reader for all three formats)
and hands out Arrow record batches of ``batch_rows`` rows; each batch is written
as CSV by pyarrow and pushed into ``COPY one2many.<table> (<cols>) FROM STDIN
(FORMAT csv)`` through psycopg 3's ``cursor.copy()``. Nothing holds a whole
table: memory is bounded by one batch. CSV files are read as text
(``all_varchar``) so PostgreSQL does all the parsing of its own types, and a
quoted empty string stays an empty string while an empty field is NULL.

Decisions:
- Everything runs in one transaction: a failed load leaves the database as it was.
- An existing ``one2many`` schema is an error unless ``replace=True`` (drop + create).
- Only columns of schema.sql are loaded; extra file columns are ignored (returned
  in ``LoadResult.ignored_columns``); a missing table stays empty (listed too).
- Constraints of schema.sql are enforced (the real database has them). Keys are
  dropped before COPY and re-added after it (like pg_restore: one index build and
  one join per foreign key instead of per-row triggers). A dirty export (orphans,
  duplicates) therefore fails naming the table and constraint. ``fk_checks=False``
  re-adds the foreign keys ``NOT VALID`` so orphan rows load (the demo data plants
  some for the data-quality gates); PRIMARY KEY, UNIQUE, NOT NULL, CHECK still apply.
- Error texts keep PostgreSQL's primary message and context (table, line,
  column) but not its DETAIL, which can quote a whole row of personal data.
- The password comes only from libpq (PGPASSWORD, ~/.pgpass, service file);
  a password inside ``conninfo`` is refused before connecting.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from auditlib.schema import SCHEMA_NAME, Schema, parse_schema, schema_sql
from auditlib.source.export.parts import list_parts
from auditlib.source.postgres.conninfo import check_no_password, target_label

log = logging.getLogger(__name__)

FORMATS = (".parquet", ".csv.gz", ".csv")


class LoadError(RuntimeError):
    """The export could not be loaded; the transaction was rolled back."""


@dataclass
class LoadResult:
    rows: dict[str, int] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)


def fk_order(schema: Schema) -> list[str]:
    """Table names with every referenced table before the tables referencing it.

    Ties keep schema.sql order, so the result is stable.
    """
    deps = {
        t.name: {
            c.references[0]
            for c in t.columns.values()
            if c.references and c.references[0] != t.name
        }
        for t in schema.tables.values()
    }
    order: list[str] = []
    done: set[str] = set()
    while len(order) < len(deps):
        ready = [n for n in deps if n not in done and deps[n] <= done]
        if not ready:
            raise ValueError(f"cyclic foreign keys among {sorted(set(deps) - done)}")
        order.append(ready[0])
        done.add(ready[0])
    return order


def find_export_files(export_dir: Path, schema: Schema) -> tuple[dict[str, Path], list[str]]:
    """``{table: file}`` and the names of files that are not tables of the schema.

    Two files for one table are an ambiguous export (README): ``LoadError``.
    """
    if not export_dir.is_dir():
        raise LoadError(f"export directory {export_dir} does not exist or is not a directory")
    found: dict[str, list[Path]] = {}
    ignored: list[str] = []
    for p in sorted(export_dir.iterdir()):
        if p.is_dir() and p.name in schema.tables:  # a directory of part files
            found.setdefault(p.name, []).append(p)
            continue
        if not p.is_file():
            continue
        fmt = next((f for f in FORMATS if p.name.endswith(f)), None)
        table = p.name[: -len(fmt)] if fmt else None
        if table in schema.tables:
            found.setdefault(table, []).append(p)
        elif p.name != "manifest.json":
            ignored.append(p.name)
    ambiguous = {t: ps for t, ps in found.items() if len(ps) > 1}
    if ambiguous:
        desc = "; ".join(f"{t}: {', '.join(p.name for p in ps)}" for t, ps in ambiguous.items())
        raise LoadError(
            f"ambiguous export {export_dir}: two files for one table ({desc}); keep one"
        )
    return {t: ps[0] for t, ps in found.items()}, ignored


def _part_paths(directory: Path) -> list[Path]:
    """The data parts of a part-file table, all of one format and one schema, else ``LoadError``."""
    listing = list_parts(directory)
    if listing.problems:
        raise LoadError("; ".join(listing.problems))
    return [p for p, _ in listing.parts]


def check_parts(con: duckdb.DuckDBPyConnection, directory: Path, manifest_entry: object) -> None:
    """Same bad-input handling as the snapshot source: parts of one schema, exactly the manifest's parts."""
    table = directory.name
    parts = _part_paths(directory)
    first = file_columns(con, parts[0])
    for p in parts[1:]:
        if file_columns(con, p) != first:
            raise LoadError(
                f"{table}: part {table}/{p.name} is of another schema than {table}/{parts[0].name}; "
                "all parts of a table must share one schema: re-export the table"
            )
    listed = manifest_entry.get("parts") if isinstance(manifest_entry, dict) else None
    if listed is None:
        return
    names = {str(e.get("file")) for e in listed if isinstance(e, dict)}
    have = {f"{table}/{p.name}" for p in parts}
    for rel in sorted(names - have):
        raise LoadError(f"{table}: manifest lists part {rel}, which is not in the export")
    for rel in sorted(have - names):
        raise LoadError(f"{table}: part {rel} is not listed in manifest.json")


def _reader_sql(path: Path) -> str:
    """DuckDB reader of one export file, or of all parts of a part-file table directory."""
    files = _part_paths(path) if path.is_dir() else [path]
    lits = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
    lit = f"[{lits}]" if path.is_dir() else lits
    if files[0].name.endswith(".parquet"):
        return f"read_parquet({lit})"
    return (
        f"read_csv({lit}, header=true, all_varchar=true, delim=',', quote='\"', escape='\"', "
        "allow_quoted_nulls=false)"
    )


def iter_csv_chunks(
    con: duckdb.DuckDBPyConnection, path: Path, columns: list[str], batch_rows: int
) -> Iterator[bytes]:
    """CSV bytes (no header) of ``columns`` of the file, ``batch_rows`` rows at a time."""
    cols = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    reader = con.execute(f"SELECT {cols} FROM {_reader_sql(path)}").to_arrow_reader(batch_rows)
    opts = pacsv.WriteOptions(include_header=False)
    for batch in reader:
        if batch.num_rows == 0:
            continue
        buf = io.BytesIO()
        pacsv.write_csv(pa.Table.from_batches([batch]), buf, opts)
        yield buf.getvalue()


def file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {_reader_sql(path)}").fetchall()]


def load_export(
    export_dir: Path,
    conninfo: str,
    *,
    schema_sql: str = schema_sql(),  # noqa: B008 - the vendored schema, read once at import
    replace: bool = False,
    grant_select_to: str | None = "auditor",
    fk_checks: bool = True,
    batch_rows: int = 200_000,
) -> dict[str, int]:
    """Create schema ``one2many`` and COPY the export in; returns rows loaded per table.

    See ``load_export_detailed`` for missing tables / ignored columns and files.
    """
    return load_export_detailed(
        export_dir,
        conninfo,
        schema_sql=schema_sql,
        replace=replace,
        grant_select_to=grant_select_to,
        fk_checks=fk_checks,
        batch_rows=batch_rows,
    ).rows


def load_export_detailed(
    export_dir: Path,
    conninfo: str,
    *,
    schema_sql: str = schema_sql(),  # noqa: B008
    replace: bool = False,
    grant_select_to: str | None = "auditor",
    fk_checks: bool = True,
    batch_rows: int = 200_000,
) -> LoadResult:
    parsed = check_no_password(conninfo)
    target = target_label(parsed) or "the default PostgreSQL server"
    export_dir = Path(export_dir)
    schema = parse_schema(schema_sql)
    files, ignored = find_export_files(export_dir, schema)
    result = LoadResult(ignored_files=ignored)
    manifest = _manifest_rows(export_dir)
    manifest_entries = _manifest_tables(export_dir)

    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")
    try:
        pg = psycopg.connect(conninfo, application_name="auditlib pg load")
    except psycopg.OperationalError as exc:
        raise LoadError(f"cannot connect to PostgreSQL ({target}): {_first_line(exc)}") from exc
    try:
        with pg.transaction(), pg.cursor() as cur:
            _create_schema(cur, schema_sql, replace=replace, target=target)
            deferred = _drop_key_constraints(cur)
            for table in fk_order(schema):
                path = files.get(table)
                if path is None:
                    result.missing_tables.append(table)
                    result.rows[table] = 0
                    continue
                if path.is_dir():
                    check_parts(duck, path, manifest_entries.get(table))
                have = file_columns(duck, path)
                cols = [c for c in schema.tables[table].columns if c in have]
                extra = [c for c in have if c not in schema.tables[table].columns]
                if extra:
                    result.ignored_columns[table] = extra
                result.rows[table] = _copy_table(cur, duck, table, path, cols, batch_rows)
                log.info("loaded %s: %d rows from %s", table, result.rows[table], path.name)
            bad = {
                t: (n, result.rows.get(t))
                for t, n in manifest.items()
                if t in files and result.rows.get(t) != n
            }
            if bad:
                raise LoadError(
                    "rows read differ from manifest.json, nothing was committed: "
                    + ", ".join(f"{t}: manifest {m}, file {got}" for t, (m, got) in bad.items())
                    + "; re-export the table or fix the manifest"
                )
            _restore_key_constraints(cur, deferred, fk_checks=fk_checks)
            if grant_select_to:
                _grant(cur, grant_select_to, target)
    except psycopg.Error as exc:
        raise LoadError(
            f"loading into {target} failed, nothing was committed: {_pg_message(exc)}"
        ) from exc
    finally:
        pg.close()
        duck.close()
    return result


def _create_schema(cur: psycopg.Cursor, schema_sql: str, *, replace: bool, target: str) -> None:
    exists = cur.execute(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", (SCHEMA_NAME,)
    ).fetchone()
    if exists and exists[0]:
        if not replace:
            raise LoadError(
                f"schema {SCHEMA_NAME} already exists in {target}; pass replace=True "
                "(CLI: --replace) to drop and re-create it"
            )
        cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(SCHEMA_NAME)))
    cur.execute(schema_sql)  # no parameters: simple protocol, several statements allowed
    cur.execute("RESET search_path")


@dataclass(frozen=True)
class _Constraint:
    table: str
    name: str
    kind: str  # 'p' | 'u' | 'f'
    definition: str  # pg_get_constraintdef


def _drop_key_constraints(cur: psycopg.Cursor) -> list[_Constraint]:
    """Drop PRIMARY KEY, UNIQUE and FOREIGN KEY constraints of the new schema; return them.

    Bulk loading into bare tables and adding the keys afterwards (as pg_restore does)
    builds each index once and checks each foreign key with one join instead of a
    trigger call per row: at scale 1 this is the difference between minutes and seconds.
    """
    rows = cur.execute(
        "SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.connamespace = %s::regnamespace AND c.contype IN ('p','u','f') "
        "ORDER BY c.contype = 'f' DESC, c.conname",
        (SCHEMA_NAME,),
    ).fetchall()
    found = [_Constraint(t, n, k, d) for t, n, k, d in rows]
    for c in found:  # foreign keys first: they depend on the referenced keys' indexes
        cur.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.SQL(c.table), sql.Identifier(c.name)
            )
        )
    return found


def _restore_key_constraints(
    cur: psycopg.Cursor, found: list[_Constraint], *, fk_checks: bool
) -> None:
    """Re-add keys, then foreign keys: validated against all rows, or NOT VALID if not ``fk_checks``.

    ``NOT VALID`` keeps the constraint for future writes but accepts the orphans already
    loaded (what ``fk_checks=False`` is for). A violation names table and constraint.
    """
    for c in sorted(found, key=lambda c: c.kind == "f"):
        definition = c.definition + (" NOT VALID" if c.kind == "f" and not fk_checks else "")
        try:
            cur.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    sql.SQL(c.table), sql.Identifier(c.name), sql.SQL(definition)
                )
            )
        except psycopg.errors.ForeignKeyViolation as exc:
            raise LoadError(
                f"table {c.table.split('.')[-1]}: rows break foreign key {c.name} ({c.definition}): "
                f"{_pg_message(exc)}. The export has orphan rows; load them anyway with "
                "fk_checks=False (CLI: --no-fk-checks) to let the data-quality gates report them."
            ) from exc
        except psycopg.errors.UniqueViolation as exc:
            raise LoadError(
                f"table {c.table.split('.')[-1]}: duplicate keys break {c.name} ({c.definition}): "
                f"{_pg_message(exc)}"
            ) from exc


def _copy_table(
    cur: psycopg.Cursor,
    duck: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    cols: list[str],
    batch_rows: int,
) -> int:
    stmt = sql.SQL("COPY {}.{} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(SCHEMA_NAME),
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(c) for c in cols),
    )
    try:
        with cur.copy(stmt) as copy:
            for chunk in iter_csv_chunks(duck, path, cols, batch_rows):
                copy.write(chunk)
    except duckdb.Error as exc:
        raise LoadError(f"cannot read {path} for table {table}: {_first_line(exc)}") from exc
    except psycopg.Error as exc:
        raise LoadError(
            f"table {table} (from {path.name}{'/' if path.is_dir() else ''}): {_pg_message(exc)}"
        ) from exc
    return int(cur.rowcount)


def _grant(cur: psycopg.Cursor, role: str, target: str) -> None:
    row = cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if row is None:
        raise LoadError(
            f"role {role!r} does not exist in {target}; create it (CREATE ROLE {role} LOGIN) "
            "or pass grant_select_to=None (CLI: --grant-select-to '')"
        )
    ident = sql.Identifier(role)
    schema = sql.Identifier(SCHEMA_NAME)
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, ident))
    cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, ident))


def _manifest_tables(export_dir: Path) -> dict[str, object]:
    path = export_dir / "manifest.json"
    if not path.exists():
        return {}
    try:
        tables = json.loads(path.read_text(encoding="utf-8")).get("tables", {})
    except (ValueError, AttributeError) as exc:
        raise LoadError(f"{path} is not a valid manifest: {exc}") from exc
    return tables if isinstance(tables, dict) else {}


def _manifest_rows(export_dir: Path) -> dict[str, int]:
    path = export_dir / "manifest.json"
    if not path.exists():
        return {}
    try:
        tables = json.loads(path.read_text(encoding="utf-8")).get("tables", {})
        return {t: int(v["rows"]) for t, v in tables.items() if isinstance(v, dict) and "rows" in v}
    except (ValueError, TypeError, AttributeError) as exc:
        raise LoadError(f"{path} is not a valid manifest: {exc}") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _pg_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    msg = diag.message_primary or _first_line(exc)
    if diag.context:
        msg += f" [{diag.context.strip().splitlines()[0]}]"
    return msg
