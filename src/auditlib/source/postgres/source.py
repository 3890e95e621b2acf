"""Live PostgreSQL as a snapshot source, read through DuckDB's postgres scanner.

``PostgresSource(conninfo).open(con)`` loads the scanner from the
``duckdb-extension-postgres-scanner`` wheel (``LOAD '<file>'``: no network),
ATTACHes the database ``READ_ONLY`` as ``pg`` and exposes every schema.sql table
that exists as ``pg.one2many.<table>``, with its PostgreSQL column types
(``format_type`` from ``pg_catalog``, spelled as in schema.sql: ``timestamptz``,
``char(2)``, ``numeric(12,2)``). A table that does not exist, or that the role may
not SELECT, is absent (the latter with an ``unreadable`` issue and the GRANT to ask for).
``SourceTable.extra["duck_types"]`` holds the DuckDB types the relation yields
(what a cast decision needs); ``inet`` is text without the ``/32`` a host does not
print (see ``_relation_sql``), exactly as in an export.

Consistency: all tables come from ONE PostgreSQL snapshot
----------------------------------------------------------
What the scanner does (duckdb-postgres 1.5.x, verified with ``pg_debug_show_queries``):

- Each DuckDB transaction gets one PostgreSQL transaction on one pooled
  connection, begun lazily as ``BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ
  READ ONLY`` (for a READ_ONLY attach). In REPEATABLE READ every statement of a
  transaction sees the snapshot taken by its first statement.
- A parallel scan (``pg_use_ctid_scan``, on by default: ctid ranges of
  ``pg_pages_per_task`` = 1000 pages per task, extra connections from the pool,
  ``pg_pool_max_connections`` / the deprecated ``pg_connection_limit``) runs
  ``pg_export_snapshot()`` on the transaction's connection and every extra
  connection does ``SET TRANSACTION SNAPSHOT`` first, so parallel workers share
  the snapshot too.
- But an auto-committed DuckDB statement is its own transaction: reading table
  after table in autocommit mode would read each in a new snapshot.

So ``open(con)`` BEGINs a DuckDB transaction on ``con`` and immediately runs a
query in it (``postgres_query``) that takes the snapshot and records
``now()`` (the snapshot time), ``pg_current_snapshot()`` and the server facts.
Every read the builder does on ``con`` until ``close()`` is in that transaction,
hence in that snapshot. ``close()`` asks PostgreSQL for ``pg_current_snapshot()``
again *before* committing: if the builder committed on the way (so later reads ran
in fresh transactions) and anything was committed on the server meanwhile, the
two differ and ``close()`` rolls back and raises ``SourceError`` - an
inconsistent extract is refused, never passed on. (Equal snapshots mean every
read saw the same data, whichever transaction it ran in.)

Contract for the builder: read every table inside ``with
source.consistent_read(con):`` (``auditlib.snapshot.builder`` does), which
verifies and commits on exit, or, without it, do not BEGIN/COMMIT on ``con``
between ``open`` and ``close`` (DuckDB refuses a nested BEGIN loudly) and call
``close()`` after the last read, before declaring success. Writes to the snapshot
on ``con`` inside that transaction are committed with it.

snapshot_time is PostgreSQL's ``now()`` in that transaction: the start of the
transaction whose snapshot is read (server clock, UTC).

Errors
------
Unreachable server, refused password, missing database/role, and a connection
lost while reading are ``SourceError`` with host/port/dbname/user and what to
do next (never the password, never DuckDB's echo of the connection string).
The builder turns a failing read into one with ``read_error(table, exc)``;
connection-level failures are ``transient=True`` (a retry may help).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import duckdb
from psycopg.conninfo import make_conninfo

from auditlib.schema import SCHEMA_NAME, load_schema
from auditlib.source.base import ExtractionIssue, Source, SourceError, SourceTable
from auditlib.source.postgres.conninfo import effective_target
from auditlib.source.postgres.timeouts import PgTimeouts
from auditlib.source.spec import SourceSpec, SourceSpecError, parse_source_spec

APPLICATION_NAME = "auditlib-snapshot"

# format_type() spelling -> schema.sql spelling
_TYPE_ALIASES = {
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
    "character varying": "varchar",
}
_CHAR_RE = re.compile(r"^character\((\d+)\)$")


def scanner_extension_path() -> Path:
    """The ``postgres_scanner.duckdb_extension`` file shipped by the pip package.

    The package lays it out as ``extensions/v<duckdb version>/``; the one matching
    the running DuckDB is preferred, else the only one present.
    """
    try:
        import duckdb_extension_postgres_scanner as pkg
    except ImportError as exc:
        raise SourceError(
            "the DuckDB postgres scanner is not installed: "
            "pip install 'duckdb-extension-postgres-scanner==<your duckdb version>'"
        ) from exc
    base = Path(pkg.__file__).parent / "extensions"
    exact = base / f"v{duckdb.__version__}" / "postgres_scanner.duckdb_extension"
    if exact.exists():
        return exact
    found = sorted(base.glob("*/postgres_scanner.duckdb_extension"))
    if len(found) != 1:
        raise SourceError(
            f"no postgres scanner for DuckDB {duckdb.__version__} in {base} "
            f"(found: {[str(p.parent.name) for p in found]}); install "
            f"duckdb-extension-postgres-scanner=={duckdb.__version__}"
        )
    return found[0]


def normalise_pg_type(formatted: str) -> str:
    """``format_type`` output in schema.sql spelling.

    >>> normalise_pg_type("timestamp with time zone"), normalise_pg_type("character(2)")
    ('timestamptz', 'char(2)')
    >>> normalise_pg_type("numeric(12,2)")
    'numeric(12,2)'
    """
    m = _CHAR_RE.match(formatted)
    if m:
        return f"char({m.group(1)})"
    return _TYPE_ALIASES.get(formatted, formatted)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


CATALOG_SQL = """
SELECT c.relname::text AS table_name, a.attname::text AS column_name,
       format_type(a.atttypid, a.atttypmod) AS pg_type, a.attnum::int AS attnum,
       has_table_privilege(c.oid, 'SELECT') AS can_select
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1, 4
"""

_PIN_SQL = """
SELECT extract(epoch FROM now())::numeric::text AS now_epoch,
       pg_current_snapshot()::text AS snapshot,
       current_setting('server_version') AS server_version,
       current_user::text AS user_name,
       current_database()::text AS dbname,
       current_setting('transaction_isolation') AS isolation
"""


class PostgresSource(Source):
    """A live ``one2many`` schema; see the module docstring for consistency and errors."""

    kind: ClassVar[str] = "postgres"

    def __init__(self, conninfo: str | SourceSpec, *, alias: str = "pg") -> None:
        # One parse (auditlib.source.spec): a password inside, or an unparsable string, is
        # refused there without echoing it.
        spec = conninfo if isinstance(conninfo, SourceSpec) else parse_source_spec(conninfo)
        if spec.kind != "postgres":
            raise SourceSpecError(f"not a PostgreSQL connection string (a {spec.kind} source)")
        # connect/lock/statement timeouts (source.postgres.timeouts): a locked table ends the
        # read with a message instead of stalling until the cell timeout
        self._timeouts = PgTimeouts.from_env()
        self._conninfo = self._timeouts.apply(
            make_conninfo(**spec.conninfo, application_name=APPLICATION_NAME)
        )
        self._target = effective_target(spec.conninfo)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", alias):
            raise ValueError(f"alias must be a plain identifier, got {alias!r}")
        self.alias = alias
        self._con: duckdb.DuckDBPyConnection | None = None
        super().__init__()
        self._pg_snapshot: str | None = None
        self._server: dict[str, str] = {}

    # ------------------------------------------------------------------ Source API
    def open(self, con: duckdb.DuckDBPyConnection) -> None:
        self._tables, self._issues = {}, []
        ext = scanner_extension_path()
        try:
            con.execute(f"LOAD {_sql_literal(str(ext))}")
        except duckdb.Error as exc:
            raise SourceError(f"cannot load the DuckDB postgres scanner from {ext}: {exc}") from exc
        try:
            con.execute(
                f"ATTACH {_sql_literal(self._conninfo)} AS {self.alias} (TYPE postgres, READ_ONLY)"
            )
        except duckdb.Error as exc:
            raise self._connection_error(exc, "connecting") from None
        try:
            con.begin()
        except duckdb.TransactionException as exc:
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DETACH DATABASE IF EXISTS {self.alias}")
            raise SourceError(
                f"PostgresSource.open() needs a DuckDB connection without an open transaction "
                f"(it begins the one transaction all tables are read in): {exc}"
            ) from None
        self._con = con
        try:
            pin = con.execute(
                f"SELECT * FROM postgres_query({_sql_literal(self.alias)}, {_sql_literal(_PIN_SQL)})"
            ).fetchone()
            rows = con.execute(
                f"SELECT * FROM postgres_query({_sql_literal(self.alias)}, "
                f"{_sql_literal(CATALOG_SQL.format(schema=SCHEMA_NAME))})"
            ).fetchall()
        except duckdb.Error as exc:
            self._abandon()
            raise self._connection_error(exc, "starting the snapshot transaction") from None
        if pin is None:  # cannot happen with a working server; refuse rather than guess
            self._abandon()
            raise SourceError(f"{self._where()}: the snapshot query returned no row")
        now_epoch, self._pg_snapshot, version, user, dbname, isolation = pin
        if isolation != "repeatable read":  # the scanner's contract changed: refuse
            self._abandon()
            raise SourceError(
                f"the postgres scanner opened a '{isolation}' transaction, not 'repeatable read': "
                "a consistent snapshot cannot be guaranteed with this scanner version"
            )
        self._snapshot_time = datetime.fromtimestamp(float(Decimal(now_epoch)), UTC)
        self._server = {"server_version": version, "user": user, "dbname": dbname}
        try:
            duck_rows = con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE database_name = ? AND schema_name = ?",
                [self.alias, SCHEMA_NAME],
            ).fetchall()
        except duckdb.Error as exc:
            self._abandon()
            raise self._connection_error(exc, "reading the catalog") from None
        duck_types: dict[str, dict[str, str]] = {}
        for table, column, dtype in duck_rows:
            duck_types.setdefault(table, {})[column] = dtype
        self._build_tables(rows, duck_types)

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "host": self._target["host"],
            "port": self._target["port"],
            "dbname": self._server.get("dbname", self._target["dbname"]),
            "user": self._server.get("user", self._target["user"]),
            "schema": SCHEMA_NAME,
        }
        if self._server:
            d["server_version"] = self._server["server_version"]
            d["isolation"] = "repeatable read, one snapshot for all tables"
            d["pg_snapshot"] = self._pg_snapshot
        return d

    @contextlib.contextmanager
    def consistent_read(self, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """The builder's hook around all table reads (``Source.consistent_read``).

        The transaction is already open (``open`` began it and took the snapshot). On a
        normal exit the snapshot is verified and the transaction committed; a DuckDB
        error while reading (e.g. the connection was dropped) rolls back and becomes
        a ``SourceError`` naming host/port/db and what to do next. A failed table read
        arrives here already as ``read_error(table, exc)`` (the builder calls it).
        """
        try:
            yield
        except SourceError:
            self._abandon()
            raise
        except duckdb.Error as exc:
            self._abandon()
            raise self._connection_error(exc, "reading the tables") from None
        except BaseException:
            self._abandon()
            raise
        self._finish()

    def close(self) -> None:
        """Verify the snapshot and commit if ``consistent_read`` did not; detach. Idempotent."""
        if self._con is None:
            return
        self._finish()

    def _finish(self) -> None:
        """Check the snapshot is still the one read, commit, detach. See module docstring."""
        con, self._con = self._con, None
        if con is None:
            return
        try:
            try:
                now = con.execute(
                    f"SELECT * FROM postgres_query({_sql_literal(self.alias)}, "
                    "'SELECT pg_current_snapshot()::text')"
                ).fetchone()
            except duckdb.Error:
                # The connection is closed, or the transaction broken (the builder is
                # handling a read error): nothing is committed from it.
                with contextlib.suppress(duckdb.Error):
                    con.rollback()
                return
            if now is None or now[0] != self._pg_snapshot:
                with contextlib.suppress(duckdb.Error):
                    con.rollback()
                raise SourceError(
                    f"{self._where()}: the tables were not all read in one database snapshot "
                    f"(snapshot at open {self._pg_snapshot}, at the end {now[0] if now else None}): "
                    "the DuckDB transaction begun by PostgresSource.open() was committed before "
                    "the last read. Read all tables between open() and close() without COMMIT."
                )
            with contextlib.suppress(duckdb.TransactionException):  # already committed by caller
                con.commit()
        finally:
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DETACH DATABASE IF EXISTS {self.alias}")

    # ------------------------------------------------------------------ errors
    def read_error(self, table: str, exc: BaseException) -> SourceError:
        """The SourceError for a read of ``table`` that failed in the builder."""
        return self._connection_error(exc, f"reading {SCHEMA_NAME}.{table}")

    def read_error_message(self, table: str, exc: BaseException) -> str:
        """Same as ``ExportSource.read_error_message``: a message without secrets or row data."""
        return str(self.read_error(table, exc))

    # ------------------------------------------------------------------ internals
    def _where(self) -> str:
        t = self._target
        return (
            f"PostgreSQL at host={t['host']} port={t['port']} dbname={t['dbname']} user={t['user']}"
        )

    def _connection_error(self, exc: BaseException, doing: str) -> SourceError:
        return connection_error(self._where(), self._timeouts, str(exc), doing)

    def _abandon(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            with contextlib.suppress(duckdb.Error):
                con.rollback()
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DETACH DATABASE IF EXISTS {self.alias}")

    def _relation_sql(self, table: str, columns: dict[str, str]) -> str:
        """``pg.one2many."t"``, or a subquery that prints inet columns as PostgreSQL does.

        The scanner reads ``inet`` as ``inet::text``, which always carries the mask
        (``192.0.2.1/32``); PostgreSQL's output (and so every export) omits it for a
        single host. Stripping ``/32`` (IPv4) and ``/128`` (IPv6) gives the export's
        text, so both source kinds produce the same values.
        """
        ref = f'{self.alias}.{SCHEMA_NAME}."{table}"'
        inet = [c for c, t in columns.items() if t == "inet"]
        if not inet:
            return ref
        repl = ", ".join(
            f"""regexp_replace("{c}", CASE WHEN contains("{c}", ':') THEN '/128$' ELSE '/32$' END, '') """
            f'AS "{c}"'
            for c in inet
        )
        return f"(SELECT * REPLACE ({repl}) FROM {ref})"

    def _build_tables(
        self, rows: list[tuple[Any, ...]], duck_types: dict[str, dict[str, str]]
    ) -> None:
        schema = load_schema()
        found: dict[str, dict[str, str]] = {}
        selectable: dict[str, bool] = {}
        for table, column, pg_type, _attnum, can_select in rows:
            found.setdefault(table, {})[column] = normalise_pg_type(pg_type)
            selectable[table] = bool(can_select)
        for table in schema.tables:
            if table not in found:
                continue  # absent: the builder reports missing_table
            if not selectable[table]:
                self._issues.append(unreadable_issue(table, self._server.get("user")))
                continue
            self._tables[table] = SourceTable(
                name=table,
                relation_sql=self._relation_sql(table, found[table]),
                columns=found[table],
                origin=f"{SCHEMA_NAME}.{table}",
                format="postgres",
                extra={"duck_types": duck_types.get(table, {})},
            )
        for table in sorted(set(found) - set(schema.tables)):
            self._issues.append(
                ExtractionIssue(
                    kind="ignored_table",
                    table_name=None,
                    message=f"{SCHEMA_NAME}.{table}: ignored (not a table of schema.sql)",
                )
            )


def unreadable_issue(table: str, user: str | None) -> ExtractionIssue:
    """The ``unreadable`` issue of a table the role may not SELECT, with the GRANT to ask for."""
    return ExtractionIssue(
        kind="unreadable",
        table_name=table,
        message=(
            f"{table}: role {user} may not SELECT {SCHEMA_NAME}.{table}; ask the DBA for "
            f"GRANT SELECT ON {SCHEMA_NAME}.{table} TO {user}"
        ),
    )


def connection_error(where: str, timeouts: PgTimeouts, text: str, doing: str) -> SourceError:
    """The ``SourceError`` for a driver's / the server's error ``text`` while ``doing``.

    ``where`` names host/port/dbname/user (never the password); what to do next depends on
    the reason (lock or statement timeout, refused password, unreachable server, dropped
    connection, missing grant). Used by ``PostgresSource`` and the Spark JDBC reader.
    """
    reason = _libpq_reason(text)
    low = reason.lower()
    if "lock timeout" in low:
        m = re.search(r"reading (\S+)", doing)
        what = f"table {m.group(1)}" if m else "a table it reads"
        return SourceError(
            f"{where}: {doing} gave up: another session holds a lock on {what} and did "
            f"not release it within lock_timeout ({timeouts.lock} s; plan key "
            "[source] lock_timeout_seconds). Find the holder in pg_locks / "
            "pg_stat_activity, then retry. Server said: " + reason,
            transient=True,
        )
    if "statement timeout" in low:
        return SourceError(
            f"{where}: {doing} took longer than statement_timeout "
            f"({timeouts.statement} s; plan key [source] statement_timeout_seconds) "
            f"and was cancelled by the server. Server said: {reason}",
            transient=True,
        )
    if "password authentication failed" in low or "authentication failed" in low:
        hint = (
            "the server refused the password: check PGPASSWORD, ~/.pgpass or the service "
            "file for this host/port/db/user (the password is never read from the URL)"
        )
        return SourceError(f"{where}: {doing} failed: {hint}. Server said: {reason}")
    if "no password supplied" in low or "password is required" in low:
        hint = "the server wants a password: set PGPASSWORD or add a ~/.pgpass line"
        return SourceError(f"{where}: {doing} failed: {hint}. Server said: {reason}")
    if "does not exist" in low and ("database" in low or "role" in low):
        return SourceError(
            f"{where}: {doing} failed: {reason}. Check dbname and user in the connection string."
        )
    if any(s in low for s in _UNREACHABLE):
        return SourceError(
            f"{where}: {doing} failed, the server cannot be reached: {reason}. Check host and "
            "port, that the server runs and accepts TCP connections from this machine "
            "(listen_addresses, pg_hba.conf, firewall), then retry.",
            transient=True,
        )
    if any(s in low for s in _DROPPED):
        return SourceError(
            f"{where}: the connection was lost while {doing}: {reason}. No snapshot was "
            "written from this partial read; retry when the server is available (ask the "
            "DBA whether the session was terminated on purpose).",
            transient=True,
        )
    if "permission denied" in low:
        return SourceError(
            f"{where}: {doing} failed: {reason}. Ask the DBA for "
            f"GRANT USAGE ON SCHEMA {SCHEMA_NAME} and GRANT SELECT ON ALL TABLES IN SCHEMA "
            f"{SCHEMA_NAME} to this role."
        )
    return SourceError(f"{where}: {doing} failed: {reason}")


_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "could not translate host name",
    "no route to host",
    "timeout expired",
    "network is unreachable",
    "name or service not known",
)
_DROPPED = (
    "server closed the connection",
    "terminating connection",
    "connection to server was lost",
    "no connection to the server",
    "ssl syscall",
    "eof detected",
    "could not receive data",
    "could not send data",
    "connection reset",
    "broken pipe",
    "administrator command",
)


def _libpq_reason(text: str) -> str:
    """The server's / libpq's reason without DuckDB's echo of the connection string.

    DuckDB prefixes e.g. ``IO Error: Unable to connect to Postgres at "host=..."``;
    keep what follows the last ``: `` that comes after the DSN's closing quote.
    """
    text = " ".join(text.split())
    m = re.search(r'Unable to connect to Postgres at "[^"]*":\s*(.*)$', text)
    if m:
        text = m.group(1)
    text = re.sub(r"password=\S+", "password=***", text)
    return text[:500]
