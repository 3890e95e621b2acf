"""``auditlib pg``: PostgreSQL helpers (load an export, run a throwaway sandbox cluster).

A thin shell over :mod:`auditlib.pg.load` and :mod:`auditlib.pg.cluster`. Errors
become one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from pathlib import Path

import click

from auditlib.dates import today_stockholm

_CTX = {"help_option_names": ["-h", "--help"]}
_PASSWORD_NOTE = (
    "The password is never accepted inside --conninfo: libpq takes it from PGPASSWORD, "
    "~/.pgpass or a service file (PGSERVICEFILE)."
)


@click.group("pg", context_settings=_CTX)
def command() -> None:
    """PostgreSQL helpers: load an export into a database, or try the live path in a sandbox.

    `auditlib pg sandbox` starts a private PostgreSQL 15 on 127.0.0.1 with demo data and
    prints the connection string to give `auditlib snapshot --source` / `auditlib run`.
    """


@command.command("load", context_settings=_CTX, epilog=_PASSWORD_NOTE)
@click.option(
    "--export",
    "export_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help="Export directory: one <table>.parquet / .csv / .csv.gz per table (as written by "
    "`auditlib demo-data`), optional manifest.json (row counts are checked).",
)
@click.option(
    "--conninfo",
    required=True,
    metavar="CONNINFO",
    help="Target database: postgresql://user@host:port/db or 'host=... dbname=... user=...' "
    "(no password). The role needs CREATE on the database.",
)
@click.option("--replace", is_flag=True, help="Drop and re-create schema one2many if it exists.")
@click.option(
    "--grant-select-to",
    default="auditor",
    show_default=True,
    metavar="ROLE",
    help="Role that gets USAGE on the schema and SELECT on its tables; '' for none.",
)
@click.option(
    "--no-fk-checks",
    is_flag=True,
    help="Load rows that break FOREIGN KEYs (orphans) too, to try the data-quality gates "
    "on the live path. Needs a superuser.",
)
def load_cmd(
    export_dir: Path, conninfo: str, replace: bool, grant_select_to: str, no_fk_checks: bool
) -> None:
    """Create schema one2many from schema.sql and COPY an export into it (one transaction).

    Tables are loaded parents first (FOREIGN KEY order), streamed in batches, so
    memory stays flat at any scale. Prints the rows loaded per table.
    """
    from auditlib.pg.load import LoadError, load_export_detailed
    from auditlib.source.postgres.conninfo import PasswordInConninfoError

    try:
        result = load_export_detailed(
            export_dir,
            conninfo,
            replace=replace,
            grant_select_to=grant_select_to or None,
            fk_checks=not no_fk_checks,
        )
    except (LoadError, PasswordInConninfoError, ValueError) as exc:
        raise _fail(str(exc)) from None
    _print_result(result.rows, result.missing_tables, result.ignored_files, result.ignored_columns)


@command.command("sandbox", context_settings=_CTX)
@click.option(
    "--export",
    "export_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help="Load this export. Without it, demo data is generated (--scale, --as-of, --seed).",
)
@click.option(
    "--scale", type=float, default=0.01, show_default=True, help="Demo data scale (1 = ~3.5M rows)."
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Audit day the demo data is planted around (default: today in Europe/Stockholm, as `auditlib run`).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Demo data random seed.")
@click.option(
    "--no-fk-checks",
    is_flag=True,
    help="Also load rows of --export that break FOREIGN KEYs (always on for generated demo "
    "data, which plants orphans for the data-quality gates).",
)
def sandbox_cmd(
    export_dir: Path | None, scale: float, as_of: object, seed: int, no_fk_checks: bool
) -> None:
    """Start a throwaway PostgreSQL 15, load data, print how to connect; Ctrl-C removes it all.

    The cluster listens on 127.0.0.1 only, on a free port, with password
    authentication; its data directory is a temp dir deleted on exit. The read-only
    role `auditor` is what an audit should use. Needs the PostgreSQL 15 server
    binaries (/usr/lib/postgresql/15/bin or AUDITLIB_PG_BINDIR).
    """
    from auditlib.pg.cluster import ClusterError, ThrowawayCluster
    from auditlib.pg.load import LoadError, load_export_detailed

    prog = click.get_current_context().find_root().info_name or "auditlib"
    try:
        with (
            tempfile.TemporaryDirectory(prefix="auditlib-sandbox-") as tmp,
            ThrowawayCluster() as cluster,
        ):
            fk_checks = not no_fk_checks
            if export_dir is None:
                export_dir = _generate_demo(Path(tmp) / "export", scale, seed, as_of)
                fk_checks = False  # the demo plants orphan rows for the data-quality gates
            click.echo(f"loading {export_dir} into a throwaway PostgreSQL ...", err=True)
            saved = os.environ.get("PGPASSWORD")
            os.environ["PGPASSWORD"] = cluster.password  # our own process only, for libpq
            try:
                result = load_export_detailed(export_dir, cluster.conninfo, fk_checks=fk_checks)
            finally:
                if saved is None:
                    os.environ.pop("PGPASSWORD", None)
                else:
                    os.environ["PGPASSWORD"] = saved
            _print_result(
                result.rows, result.missing_tables, result.ignored_files, result.ignored_columns
            )
            click.echo(
                "\nPostgreSQL sandbox is running. In another shell:\n\n"
                f"  export PGPASSWORD='{cluster.auditor_password}'\n"
                f"  {prog} snapshot --source '{cluster.auditor_conninfo}' --out snapshot.duckdb\n\n"
                f"conninfo (read-only role): {cluster.auditor_conninfo}\n"
                f"superuser (for experiments): {cluster.conninfo}  "
                f"(PGPASSWORD='{cluster.password}')\n\n"
                "Press Ctrl-C to stop the server and delete its data."
            )
            _wait_for_interrupt()
            click.echo("stopping ...", err=True)
    except (ClusterError, LoadError, ValueError) as exc:
        raise _fail(str(exc)) from None
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    click.echo("sandbox stopped, data removed.", err=True)


def _generate_demo(out_dir: Path, scale: float, seed: int, as_of: object) -> Path:
    try:
        from auditlib.demo import generate_export
    except ImportError as exc:
        raise _fail(
            f"the demo data generator is not available ({exc}); pass --export DIR"
        ) from None
    day = as_of.date() if hasattr(as_of, "date") else today_stockholm()  # type: ignore[union-attr]
    click.echo(f"generating demo data (scale {scale}, as of {day}) ...", err=True)
    demo = generate_export(out_dir, scale=scale, seed=seed, as_of=day, fmt="parquet")
    return Path(demo.out_dir)


def _wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM; the ``with`` blocks then stop and clean up."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C stops the sandbox even when SIGINT was ignored by whoever started it (a shell
    # without job control ignores it for '&' jobs; Python then never raises KeyboardInterrupt)
    previous_int = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        # A second Ctrl-C during shutdown must not leave a running server behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _print_result(
    rows: dict[str, int],
    missing: list[str],
    ignored_files: list[str],
    ignored_columns: dict[str, list[str]],
) -> None:
    width = max(len(t) for t in rows) if rows else 0
    for table, n in rows.items():
        note = "  (no file in the export: empty)" if table in missing else ""
        click.echo(f"{table:<{width}}  {n:>12,}{note}")
    click.echo(f"{'total':<{width}}  {sum(rows.values()):>12,}")
    for f in ignored_files:
        click.echo(f"ignored file: {f}", err=True)
    for t, cols in ignored_columns.items():
        click.echo(f"ignored columns of {t}: {', '.join(cols)}", err=True)


def _fail(message: str) -> click.exceptions.Exit:
    click.echo(f"error: {message}", err=True)
    return click.exceptions.Exit(2)
