"""Live PostgreSQL read by Spark's JDBC source, every table from ONE database snapshot.

``with JdbcSnapshotReader(spark, "postgresql://auditor@db/one2many") as src:`` opens, on the
Spark driver, one JDBC connection (through py4j) and in it a ``REPEATABLE READ READ ONLY``
transaction; it exports that transaction's snapshot (``pg_export_snapshot()``) and records
``now()`` (the snapshot time), ``pg_current_snapshot()``, the server version and the
catalog of schema ``one2many`` (tables of schema.sql present, SELECT privilege, columns with
``format_type``), all inside the snapshot. ``src.read(table, columns)`` is a Spark
``DataFrame`` over ``spark.read.format("jdbc")`` whose every connection (one per partition,
on the executors) first runs the ``sessionInitStatement``
``BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '<id>'``, so each
partition of each table sees exactly the driver's snapshot. On a normal exit the driver
checks ``pg_current_snapshot()`` is still the one taken and commits; any exit closes the
connection. DataFrames are lazy: run every action on them INSIDE the ``with`` block (after it
the exported snapshot is gone and a read fails with "invalid snapshot identifier": fail
closed, never a read of a newer state).

Verified with Spark 4 and pgjdbc 42.5 (tests/test_spark_jdbc.py, and the server's statement
log): with ``fetchsize > 0`` Spark's ``PostgresDialect.beforeFetch`` calls
``setAutoCommit(false)`` before the init statement runs, so pgjdbc sends its own ``BEGIN``
first; PostgreSQL then warns about the second ``BEGIN`` but still applies its isolation
level (nothing has taken a snapshot yet), and ``SET TRANSACTION SNAPSHOT`` comes before the
first query, as PostgreSQL requires. With ``fetchsize = 0`` (autocommit on) the explicit
``BEGIN`` opens the transaction itself. Both ways every partition query reports isolation
``repeatable read`` and the driver's ``pg_current_snapshot()``.

Decisions:

- The password is found by libpq, exactly as for the DuckDB source (``PGPASSWORD``,
  ``~/.pgpass``/``PGPASSFILE``, a service file; a password inside the connection string is
  refused by :func:`auditlib.source.spec.parse_source_spec`): one short libpq connection
  (psycopg) resolves host/port/dbname/user and the password it used, and maps a refused
  password, a missing database or an unreachable server to ``SourceError`` naming
  host/port/dbname/user (never the password). The password then goes to the JVM only as the
  JDBC property / Spark option ``password`` (never in the URL); Spark redacts options whose
  key matches ``spark.redaction.regex`` and the plan string never shows JDBC options.
- The driver connection is made with ``org.postgresql.Driver().connect`` instead of
  ``java.sql.DriverManager``: DriverManager only sees drivers of the caller's class loader
  and answers "No suitable driver" for a jar given as ``spark.jars``; registering Spark's
  ``DriverWrapper`` with it instead breaks Spark's own driver lookup. Spark is always told
  ``driver=org.postgresql.Driver``.
- Types come from the query, cast to schema.sql's types: ``inet`` as PostgreSQL prints it
  (``abbrev``: no ``/32`` or ``/128`` for a single host, as every export has it),
  ``numeric(p,s)`` as Spark ``DECIMAL(p,s)``, ``timestamptz`` as a Spark ``TIMESTAMP``
  (an instant), ``char(n)`` as text (PostgreSQL's char-to-text cast drops trailing
  blanks; the codes are two letters). A schema column the live table lacks is read as a
  typed NULL and reported as ``missing_column``.
- Issues have the DuckDB path's kinds and texts: ``unreadable`` (with the GRANT to ask for)
  plus ``missing_table`` for a table the role may not SELECT, ``missing_table`` for one that
  does not exist, ``missing_column``/``extra_column`` per column, ``ignored_table`` for a
  table of the schema that is not in schema.sql.
- Partitioning (``read(..., partitions=n)``) splits on the leading integer column of the
  primary key (also of a compound key: ``message_deliveries``, the largest table, on
  ``message_id``) with bounds ``min``/``max`` read in the snapshot on the driver connection.
- Time limits: the ``PgTimeouts`` of the DuckDB source (connect, lock and statement
  timeouts, client connection check) apply to every JDBC connection too (pgjdbc
  ``connectTimeout`` and ``options``).
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.conninfo import make_conninfo

from auditlib.engines.spark.session import SparkUnavailable, jdbc_jar
from auditlib.schema import SCHEMA_NAME, Table, load_schema
from auditlib.source.base import ExtractionIssue, SourceError, SourceTable
from auditlib.source.postgres.conninfo import effective_target
from auditlib.source.postgres.source import (
    CATALOG_SQL,
    connection_error,
    normalise_pg_type,
    unreadable_issue,
)
from auditlib.source.postgres.timeouts import PgTimeouts
from auditlib.source.spec import SourceSpec, SourceSpecError, parse_source_spec

APPLICATION_NAME = "auditlib-snapshot-spark"
DRIVER_CLASS = "org.postgresql.Driver"
DEFAULT_FETCH_SIZE = 10_000  # rows per round trip (pgjdbc streams through a cursor)
ISOLATION_SQL = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
INTEGER_TYPES = ("bigint", "integer")
_SNAPSHOT_ID_RE = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")

_PIN_SQL = """
SELECT row_to_json(p)::text FROM (
  SELECT pg_export_snapshot() AS snapshot_id,
         extract(epoch FROM now())::numeric::text AS now_epoch,
         pg_current_snapshot()::text AS snapshot,
         current_setting('server_version') AS server_version,
         current_user::text AS user_name,
         current_database()::text AS dbname,
         current_setting('transaction_isolation') AS isolation,
         current_setting('transaction_read_only') AS read_only
) p
"""


def _qi(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_PSQL_RE = re.compile(r"PSQLException: ([^\n]*)")


def _java_message(exc: BaseException) -> str:
    """pgjdbc's / the server's text behind ``exc``: the innermost Java cause's message (a
    failed Spark task wraps the executor's PSQLException), else the first PSQLException line
    of the text, else ``str(exc)``. Never a JDBC option (pgjdbc does not echo them)."""
    java = getattr(exc, "java_exception", None) or getattr(exc, "_origin", None)
    with contextlib.suppress(Exception):
        while java is not None and java.getCause() is not None:
            java = java.getCause()
        if java is not None and java.getMessage():
            return str(java.getMessage())
    m = _PSQL_RE.search(str(exc))
    return m.group(1) if m else str(exc)


def column_expression(column: str, schema_type: str, present: bool) -> str:
    """The SELECT expression of one column, typed as schema.sql says (module docstring).

    >>> column_expression("ip", "inet", True)
    'abbrev(CAST("ip" AS inet)) AS "ip"'
    >>> column_expression("amount", "numeric(12,2)", False)
    'CAST(NULL AS numeric(12,2)) AS "amount"'
    """
    q = _qi(column)
    if not present:
        typ = "text" if schema_type == "inet" else schema_type
        return f"CAST(NULL AS {typ}) AS {q}"
    if schema_type == "inet":
        return f"abbrev(CAST({q} AS inet)) AS {q}"
    if schema_type.startswith("char("):
        return f"CAST(CAST({q} AS {schema_type}) AS text) AS {q}"
    return f"CAST({q} AS {schema_type}) AS {q}"


class JdbcSnapshotReader:
    """One consistent JDBC read of the live ``one2many`` schema (see the module docstring)."""

    def __init__(
        self, spark: Any, spec: SourceSpec | str, *, fetch_size: int = DEFAULT_FETCH_SIZE
    ) -> None:
        spec = spec if isinstance(spec, SourceSpec) else parse_source_spec(spec)
        if spec.kind != "postgres":
            raise SourceSpecError(f"not a PostgreSQL connection string (a {spec.kind} source)")
        self._spark = spark
        self._spec = spec
        self._fetch_size = fetch_size
        self._timeouts = PgTimeouts.from_env()
        self._target = effective_target(spec.conninfo)
        self._conn: Any = None  # java.sql.Connection while open
        self._password: str | None = None
        self._url = ""
        self._snapshot_id = ""
        self._pg_snapshot = ""
        self._snapshot_time: datetime | None = None
        self._server: dict[str, str] = {}
        self._tables: dict[str, list[tuple[str, str]]] = {}
        self._issues: list[ExtractionIssue] = []

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> JdbcSnapshotReader:
        jdbc_jar()  # SparkUnavailable with the install hint when the jar is missing
        self._resolve()
        try:
            self._open()
        except BaseException:
            self._close(commit=False)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close(commit=exc_type is None)

    # ------------------------------------------------------------------ API
    def tables(self) -> dict[str, list[tuple[str, str]]]:
        """Present, readable schema.sql tables: their live columns as (name, pg type)."""
        return {t: list(cols) for t, cols in self._tables.items()}

    def issues(self) -> list[ExtractionIssue]:
        """What was found opening the source (kinds as the DuckDB path's; module docstring)."""
        return list(self._issues)

    def snapshot_time(self) -> datetime:
        """PostgreSQL's ``now()`` in the snapshot transaction (UTC, tz-aware)."""
        if self._snapshot_time is None:
            raise SourceError("JdbcSnapshotReader.snapshot_time() before entering the reader")
        return self._snapshot_time

    @property
    def pg_snapshot(self) -> str:
        """``pg_current_snapshot()`` of the read (xmin:xmax:xip list)."""
        return self._pg_snapshot

    def describe(self) -> dict[str, Any]:
        """Where the data came from (never the password)."""
        d: dict[str, Any] = {
            "kind": "postgres",
            "engine": "spark-jdbc",
            "host": self._target["host"],
            "port": self._target["port"],
            "dbname": self._server.get("dbname", self._target["dbname"]),
            "user": self._server.get("user", self._target["user"]),
            "schema": SCHEMA_NAME,
        }
        if self._server:
            d["server_version"] = self._server["server_version"]
            d["isolation"] = "repeatable read, one exported snapshot for all tables and partitions"
            d["pg_snapshot"] = self._pg_snapshot
            d["snapshot_time"] = self.snapshot_time().isoformat()
        return d

    def read(self, table: str, columns: list[str], *, partitions: int = 1) -> Any:
        """A DataFrame of exactly ``columns`` of ``table`` (schema.sql types), in the snapshot.

        ``partitions > 1`` splits the read on the leading integer column of the table's
        primary key (bounds from the snapshot); a table without one, or an empty one, is read
        in one partition.
        Run the actions on it inside the ``with`` block.
        """
        if self._conn is None:
            raise SourceError(
                f"{self._where()}: read({table}) outside the reader's with block: the "
                "snapshot is only readable while the reader is open"
            )
        schema_table = load_schema().tables.get(table)
        if schema_table is None:
            raise ValueError(f"{table} is not a table of schema.sql")
        unknown = [c for c in columns if c not in schema_table.columns]
        if unknown:
            raise ValueError(f"{table}: {', '.join(unknown)} not column(s) of schema.sql")
        if table not in self._tables:
            why = [i.message for i in self._issues if i.table_name == table]
            raise SourceError(
                f"{self._where()}: {SCHEMA_NAME}.{table} cannot be read: "
                + ("; ".join(why) or "not in the catalog")
            )
        live = dict(self._tables[table])
        selected = list(columns)
        key = self._partition_key(schema_table, live) if partitions > 1 else None
        if key is not None and key not in selected:
            selected.append(key)
        exprs = ", ".join(
            column_expression(c, schema_table.columns[c].pg_type, c in live) for c in selected
        )
        reader = self._spark.read.format("jdbc")
        for k, v in self._options().items():
            reader = reader.option(k, v)
        reader = reader.option(
            "dbtable", f"(SELECT {exprs} FROM {SCHEMA_NAME}.{_qi(table)}) AS auditlib_src"
        )
        if key is not None:
            bounds = self._bounds(table, key)
            if bounds is not None and bounds[1] > bounds[0]:
                reader = (
                    reader.option("partitionColumn", key)
                    .option("lowerBound", str(bounds[0]))
                    .option("upperBound", str(bounds[1] + 1))
                    .option("numPartitions", str(partitions))
                )
        try:
            df = reader.load()
        except Exception as exc:
            raise connection_error(
                self._where(), self._timeouts, _java_message(exc), f"reading {SCHEMA_NAME}.{table}"
            ) from None
        return df.select(*columns)  # schema.sql names are plain identifiers

    def read_error(self, table: str, exc: BaseException) -> SourceError:
        """The ``SourceError`` for a failed Spark action on ``read(table, ...)``: host/port/
        dbname/user, the server's reason and what to do (lock or statement timeout, dropped
        connection, ...), never the password. Raise it ``from None``."""
        return connection_error(
            self._where(), self._timeouts, _java_message(exc), f"reading {SCHEMA_NAME}.{table}"
        )

    # ------------------------------------------------------------------ internals
    def _where(self) -> str:
        t = self._target
        return (
            f"PostgreSQL at host={t['host']} port={t['port']} dbname={t['dbname']} user={t['user']}"
        )

    def _resolve(self) -> None:
        """libpq's host/port/dbname/user and password (module docstring), or SourceError."""
        conninfo = self._timeouts.apply(
            make_conninfo(**self._spec.conninfo, application_name=APPLICATION_NAME)
        )
        try:
            with psycopg.connect(conninfo) as probe:
                info = probe.info
                host, port, dbname, user = info.host, info.port, info.dbname, info.user
                self._password = info.password or None
        except psycopg.Error as exc:
            raise connection_error(self._where(), self._timeouts, str(exc), "connecting") from None
        self._target = {"host": host, "port": str(port), "dbname": dbname, "user": user}
        if host.startswith("/"):
            raise SourceError(
                f"{self._where()}: the JDBC driver connects over TCP only, not through the "
                "Unix socket libpq chose; give host=<name or address> in the connection string"
            )
        url_host = f"[{host}]" if ":" in host else host
        self._url = f"jdbc:postgresql://{url_host}:{port}/{quote(dbname, safe='')}"

    def _properties(self) -> dict[str, str]:
        """JDBC connection properties (the password only here, never in the URL)."""
        given = self._spec.conninfo
        options = " ".join(x for x in (given.get("options"), self._timeouts.options()) if x)
        props = {
            "user": self._target["user"],
            "ApplicationName": APPLICATION_NAME,
            "connectTimeout": given.get("connect_timeout") or str(self._timeouts.connect),
            "options": options,
        }
        if given.get("sslmode"):
            props["sslmode"] = given["sslmode"]
        if self._password is not None:
            props["password"] = self._password
        return props

    def _options(self) -> dict[str, str]:
        if not _SNAPSHOT_ID_RE.match(self._snapshot_id):  # never paste anything else into SQL
            raise SourceError(f"unexpected exported snapshot id {self._snapshot_id!r}")
        return {
            **self._properties(),
            "url": self._url,
            "driver": DRIVER_CLASS,
            "fetchsize": str(self._fetch_size),
            "sessionInitStatement": (
                f"{ISOLATION_SQL}; SET TRANSACTION SNAPSHOT '{self._snapshot_id}'"
            ),
        }

    def _open(self) -> None:
        jvm = self._spark._jvm
        from py4j.java_gateway import JavaClass

        driver_class = jvm.org.postgresql.Driver
        if not isinstance(driver_class, JavaClass):
            raise SparkUnavailable(
                f"the Spark session has no PostgreSQL JDBC driver on its classpath (it was "
                f"created before {jdbc_jar()} was there, or without get_session()); restart it"
            )
        props = jvm.java.util.Properties()
        for k, v in self._properties().items():
            props.setProperty(k, v)
        try:
            self._conn = driver_class().connect(self._url, props)
        except Exception as exc:
            raise connection_error(
                self._where(), self._timeouts, _java_message(exc), "connecting (JDBC)"
            ) from None
        if self._conn is None:  # the driver did not accept the URL
            raise SourceError(f"{self._where()}: the JDBC driver refused the URL {self._url}")
        self._execute(ISOLATION_SQL, "starting the snapshot transaction")
        pin = json.loads(self._scalar(_PIN_SQL, "starting the snapshot transaction"))
        if pin["isolation"] != "repeatable read" or pin["read_only"] != "on":
            raise SourceError(
                f"{self._where()}: the snapshot transaction is '{pin['isolation']}', read only "
                f"{pin['read_only']}, not 'repeatable read' read only: refused"
            )
        self._snapshot_id = str(pin["snapshot_id"])
        self._pg_snapshot = str(pin["snapshot"])
        self._snapshot_time = datetime.fromtimestamp(float(Decimal(pin["now_epoch"])), UTC)
        self._server = {
            "server_version": str(pin["server_version"]),
            "user": str(pin["user_name"]),
            "dbname": str(pin["dbname"]),
        }
        catalog = json.loads(
            self._scalar(
                "SELECT coalesce(json_agg(c ORDER BY c.table_name, c.attnum), '[]')::text FROM ("
                + CATALOG_SQL.format(schema=SCHEMA_NAME)
                + ") c",
                "reading the catalog",
            )
        )
        self._build(catalog)

    def _build(self, catalog: list[dict[str, Any]]) -> None:
        schema = load_schema()
        found: dict[str, list[tuple[str, str]]] = {}
        selectable: dict[str, bool] = {}
        for row in catalog:
            t = row["table_name"]
            found.setdefault(t, []).append((row["column_name"], normalise_pg_type(row["pg_type"])))
            selectable[t] = bool(row["can_select"])
        tables: dict[str, list[tuple[str, str]]] = {}
        issues: list[ExtractionIssue] = []
        for name, table in schema.tables.items():
            if name not in found:
                issues.append(
                    ExtractionIssue(
                        "missing_table",
                        name,
                        f"{name}: table {SCHEMA_NAME}.{name} does not exist in the database; "
                        "no usable data in the source, rules that need it report error",
                    )
                )
                continue
            if not selectable[name]:
                issues.append(unreadable_issue(name, self._server.get("user")))
                issues.append(
                    ExtractionIssue(
                        "missing_table",
                        name,
                        f"{name}: no usable data in the source (unreadable: see that issue); "
                        "rules that need it report error",
                    )
                )
                continue
            tables[name] = found[name]
            live = {c for c, _ in found[name]}
            origin = f"{SCHEMA_NAME}.{name}"
            for c in sorted(live - set(table.columns)):
                issues.append(
                    ExtractionIssue(
                        "extra_column",
                        name,
                        f"{name}.{c}: column not in schema.sql; ignored (never copied)",
                        column_name=c,
                    )
                )
            for c in [c for c in table.columns if c not in live]:
                issues.append(
                    ExtractionIssue(
                        "missing_column",
                        name,
                        f"{name}.{c}: column missing in {origin}; it is all NULL in the "
                        "snapshot and rules that need it cannot be evaluated. Ask the DBA "
                        "whether the column was renamed or dropped.",
                        column_name=c,
                    )
                )
        for t in sorted(set(found) - set(schema.tables)):
            issues.append(
                ExtractionIssue(
                    kind="ignored_table",
                    table_name=None,
                    message=f"{SCHEMA_NAME}.{t}: ignored (not a table of schema.sql)",
                )
            )
        self._tables, self._issues = tables, issues

    def _partition_key(self, table: Table, live: dict[str, str]) -> str | None:
        """The leading column of the primary key when it is an integer (in schema.sql and
        live): its index serves the range predicates and ``min``/``max``. For a compound key
        (``message_deliveries``: message_id, recipient_id) the rows of one leading value land
        in one partition, which is all a range split needs."""
        if not table.primary_key:
            return None
        key = table.primary_key[0]
        if table.columns[key].pg_type in INTEGER_TYPES and live.get(key) in INTEGER_TYPES:
            return key
        return None

    def _bounds(self, table: str, key: str) -> tuple[int, int] | None:
        row = json.loads(
            self._scalar(
                f"SELECT json_build_array(min({_qi(key)}), max({_qi(key)}))::text "
                f"FROM {SCHEMA_NAME}.{_qi(table)}",
                f"reading {SCHEMA_NAME}.{table}",
            )
        )
        if row[0] is None:
            return None
        return int(row[0]), int(row[1])

    def _execute(self, sql: str, doing: str) -> None:
        try:
            st = self._conn.createStatement()
            try:
                st.execute(sql)
            finally:
                st.close()
        except Exception as exc:
            raise connection_error(
                self._where(), self._timeouts, _java_message(exc), doing
            ) from None

    def _scalar(self, sql: str, doing: str) -> str:
        """The first column of the one row ``sql`` returns, on the driver connection."""
        try:
            st = self._conn.createStatement()
            try:
                rs = st.executeQuery(sql)
                if not rs.next():
                    raise SourceError(f"{self._where()}: {doing}: the query returned no row")
                return str(rs.getString(1))
            finally:
                st.close()
        except SourceError:
            raise
        except Exception as exc:
            raise connection_error(
                self._where(), self._timeouts, _java_message(exc), doing
            ) from None

    def _close(self, *, commit: bool) -> None:
        """Verify the snapshot and commit (``commit``), else roll back; always close."""
        if self._conn is None:
            return
        try:
            if commit:
                now = self._scalar("SELECT pg_current_snapshot()::text", "verifying the snapshot")
                if now != self._pg_snapshot:
                    raise SourceError(
                        f"{self._where()}: the tables were not all read in one database "
                        f"snapshot (snapshot at open {self._pg_snapshot}, at the end {now}): the "
                        "snapshot transaction was ended while reading; nothing read is usable"
                    )
                self._execute("COMMIT", "committing the snapshot transaction")
        finally:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                if not commit:
                    st = conn.createStatement()
                    st.execute("ROLLBACK")
            with contextlib.suppress(Exception):
                conn.close()


class JdbcSource:
    """The live database as a source of the Spark snapshot builder
    (:class:`auditlib.engines.spark.snapshot.SparkSource`).

    The builder reads every table between :meth:`open` and :meth:`close`: one exported
    snapshot, verified on close (a changed snapshot refuses the whole extract). Issues are
    those of the DuckDB path's ``PostgresSource`` (``unreadable`` with the GRANT to ask for,
    ``ignored_table``); missing tables and columns are worded by the builder, from the same
    texts as on DuckDB. A failed read refuses the snapshot (a partial copy of a live
    database is not a consistent one).
    """

    kind = "postgres"
    partial_read_fails_snapshot = True
    _OWN_KINDS = frozenset({"unreadable", "ignored_table"})

    def __init__(self, spark: Any, spec: SourceSpec | str, *, partitions: int = 0) -> None:
        self.reader = JdbcSnapshotReader(spark, spec)
        # partitions per table read: 0 = Spark's default parallelism
        self.partitions = partitions or int(spark.sparkContext.defaultParallelism)
        self._open = False

    def open(self) -> None:
        self.reader.__enter__()
        self._open = True

    def close(self, ok: bool) -> None:
        if self._open:
            self._open = False
            if ok:
                self.reader.__exit__(None, None, None)
            else:
                self.reader.__exit__(RuntimeError, RuntimeError("aborted"), None)

    def tables(self) -> dict[str, SourceTable]:
        return {
            t: SourceTable(
                name=t,
                relation_sql="",
                columns=dict(cols),
                origin=f"{SCHEMA_NAME}.{t}",
                format="postgres",
            )
            for t, cols in self.reader.tables().items()
        }

    def issues(self) -> list[ExtractionIssue]:
        return [i for i in self.reader.issues() if i.kind in self._OWN_KINDS]

    def snapshot_time(self) -> datetime:
        return self.reader.snapshot_time()

    def describe(self) -> dict[str, Any]:
        return self.reader.describe()

    def manifest_state(self) -> dict[str, Any] | None:
        return None  # a live database has no export manifest: DQ-06 'skipped'

    def read_error_message(self, table: str, exc: BaseException) -> str:
        return str(self.reader.read_error(table, exc))

    def read_error(self, table: str, exc: BaseException) -> SourceError:
        return self.reader.read_error(table, exc)

    def read(self, spark: Any, st: SourceTable, columns: list[str]) -> Any:
        from pyspark.sql import functions as F

        from auditlib.engines.spark.snapshot import POS_FILE, POS_ROW

        df = self.reader.read(st.name, columns, partitions=self.partitions)
        return df.select(
            *[F.col(c) for c in columns],
            F.lit(0).alias(POS_FILE),
            F.monotonically_increasing_id().alias(POS_ROW),
        )
