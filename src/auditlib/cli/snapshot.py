"""``auditlib snapshot``: extract a minimised, pseudonymised DuckDB snapshot.

A thin shell over :func:`auditlib.quality.build_gated_snapshot`: progress with rich,
a one-line message and exit status 2 when the source cannot be read, the gate
summary at the end. Exit 0 when the snapshot was written (even with failed
gates: they are facts about the data, reported, and the rules turn blocked
tables into ``error``), 2 when no snapshot was written, and 2 when a blocking gate
(registry) could not be evaluated (status ``error``, e.g. the suites were not found):
the snapshot is written but nothing about its data can be trusted (fail closed;
until issue 13 this exited 0).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console

    from auditlib.snapshot.builder import SnapshotInfo
    from auditlib.source.spec import SourceSpec


@click.command(
    "snapshot",
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=(
        "The pseudonymisation key comes from the environment variable AUDITLIB_PSEUDONYM_KEY "
        "(at least 16 bytes; e.g. export AUDITLIB_PSEUDONYM_KEY=$(openssl rand -hex 32)). "
        "Without it a random key is used and pseudonyms match only within this snapshot. "
        "A PostgreSQL password is never accepted in --source: use PGPASSWORD, ~/.pgpass "
        "or a service file. See docs/data-minimisation.md for what the snapshot keeps."
    ),
)
@click.option(
    "--source",
    "source_spec",
    required=True,
    metavar="SRC",
    help="An export directory (users.parquet / users.csv / users.csv.gz ..., optional "
    "manifest.json), a PostgreSQL URL / libpq string without a password, or 'demo' "
    "(today's generated demo export).",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(path_type=Path),
    metavar="FILE.duckdb|DIR",
    help="Snapshot file to write (mode 0600); with --engine spark a directory of Parquet "
    "tables. Replaced atomically only when complete.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="Who reads the source and builds the snapshot: DuckDB (a .duckdb file) or Spark "
    "(Parquet, one directory per table, plus its metadata tables; an export directory, or "
    "PostgreSQL through JDBC; needs 'auditlib[spark]'). Both record the same issues and run "
    "the same gates DQ-01..06.",
)
@click.option(
    "--spark-master",
    "spark_master",
    default=None,
    metavar="URL",
    help="Spark master for --engine spark (default local[2] or $AUDITLIB_SPARK_MASTER).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; only the summary.")
@click.option(
    "--gates-backend",
    type=click.Choice(["auto", "duckdb", "gx"]),
    default="auto",
    show_default=True,
    help="Where the expectation suites run: auto = Great Expectations on tables under "
    "100,000 rows and compiled DuckDB SQL on larger ones; duckdb = compiled SQL only "
    "(no GX import, ~5 s faster); gx = Great Expectations everywhere (slow, pandas).",
)
def command(
    source_spec: str,
    out_path: Path,
    quiet: bool,
    gates_backend: str,
    engine: str,
    spark_master: str | None,
) -> None:
    """Extract a minimised, pseudonymised DuckDB snapshot of the service database.

    Copies only the columns of data/minimisation.toml, pseudonymises e-mail
    addresses with HMAC-SHA256, records every extraction issue and runs the
    data-quality gates DQ-01..06 on the result.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.text import Text

    from auditlib.quality import build_gated_snapshot
    from auditlib.redaction import redact
    from auditlib.snapshot import KEY_ENV, SnapshotError
    from auditlib.source import SourceError, open_source, parse_source_spec

    err = Console(stderr=True)
    # The library logs the random-key warning; here the notice below says it once, in colour.
    logging.getLogger("auditlib.snapshot.pseudonym").addHandler(logging.NullHandler())
    logging.getLogger("auditlib.snapshot.pseudonym").propagate = False
    try:
        spec = parse_source_spec(source_spec)
        if spec.kind == "demo":  # generated (once per day) into the cache, as `auditlib run`
            from auditlib.dates import today_stockholm
            from auditlib.runner.sources import resolve_source

            spec = parse_source_spec(resolve_source(source_spec, today_stockholm()).spec)
        if engine == "spark":
            _spark_snapshot(spec, out_path, spark_master, err)
            return
        if out_path.is_dir():
            raise SnapshotError(f"{out_path} is a directory; --out takes a .duckdb file path")
        source = open_source(spec)
        if not os.environ.get(KEY_ENV):
            err.print(
                f"[yellow]notice:[/] {KEY_ENV} is not set: a random key is used for this "
                "snapshot. Pseudonyms will not match those of other snapshots.",
                soft_wrap=True,
            )
        if quiet:
            info = build_gated_snapshot(source, out_path, gates_backend=gates_backend)
        else:
            with Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as bar:
                task = bar.add_task("snapshot", total=None)

                def progress(message: str, done: int, total: int) -> None:
                    bar.update(task, description=redact(message, 200), completed=done, total=total)

                info = build_gated_snapshot(
                    source, out_path, progress=progress, gates_backend=gates_backend
                )
    except (SourceError, SnapshotError) as exc:
        # plain text: the message may quote data (no markup, control characters escaped)
        err.print(
            Text.assemble(("error:", "red"), " ", redact(str(exc))), highlight=False, soft_wrap=True
        )
        raise SystemExit(2) from None

    _print_info(info, err)


def _print_info(info: SnapshotInfo, err: Console, on: str = "") -> None:
    """What a built snapshot says on the terminal (either engine); exit 2 when a blocking
    gate could not be evaluated."""
    from rich.console import Console
    from rich.text import Text

    from auditlib.redaction import redact

    out = Console()
    total_rows = sum(info.rows.values())
    out.print(
        f"snapshot {info.path} written{on}: {total_rows} rows in {len(info.rows)} tables, "
        f"{info.seconds:.1f} s, sha256 {info.sha256[:16]}..., key {info.key_source} "
        f"(fingerprint {info.key_fingerprint}), {info.issues} extraction issue(s)",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for gate_id in sorted(info.gates):
        counts = ", ".join(f"{n} {status}" for status, n in sorted(info.gates[gate_id].items()))
        out.print(f"  {gate_id}: {counts}", highlight=False)
    for line in info.gate_problems[:30]:
        out.print(
            Text.assemble("  ", ("-", "red"), " ", redact(line)), highlight=False, soft_wrap=True
        )
    if len(info.gate_problems) > 30:
        out.print(f"  ... and {len(info.gate_problems) - 30} more (see the snapshot's gate table)")
    if info.blocked:
        out.print(
            "[yellow]blocking gates failed:[/] rules reading those tables will report error.",
            highlight=False,
        )
    from auditlib.gate_registry import blocking_unevaluated

    unevaluated = blocking_unevaluated(info.gate_rows)
    if unevaluated:
        gates = sorted({r.gate_id for r in unevaluated})
        err.print(
            f"[red]error:[/] blocking gate(s) {', '.join(gates)} could not be evaluated on "
            f"{len(unevaluated)} table(s) (see above); the snapshot at {info.path} cannot be "
            "trusted until they run",
            highlight=False,
            soft_wrap=True,
        )
        raise SystemExit(2)


def _spark_snapshot(
    spec: SourceSpec, out_path: Path, spark_master: str | None, err: Console
) -> None:
    """``--engine spark``: export directory -> Parquet snapshot; exit 2 on any refusal."""
    from rich.text import Text

    from auditlib.redaction import redact
    from auditlib.snapshot import KEY_ENV
    from auditlib.source import SourceError

    def fail(message: str) -> None:
        err.print(
            Text.assemble(("error:", "red"), " ", redact(message)), highlight=False, soft_wrap=True
        )
        raise SystemExit(2)

    from auditlib.engines.spark.session import SparkUnavailable, get_session
    from auditlib.engines.spark.snapshot import (
        SparkSnapshotError,
        build_spark_snapshot,
        open_spark_source,
    )

    if not os.environ.get(KEY_ENV):
        err.print(
            f"[yellow]notice:[/] {KEY_ENV} is not set: a random key is used for this "
            "snapshot. Pseudonyms will not match those of other snapshots.",
            soft_wrap=True,
        )
    try:
        spark = get_session(spark_master)
        source = open_spark_source(spec, spark)
        info = build_spark_snapshot(spark, source, out_path)
    except (SparkUnavailable, SparkSnapshotError, SourceError, ValueError) as exc:
        fail(str(exc))
        return
    _print_info(info, err, on=f" on Spark {spark.version} (Parquet)")
