"""``auditlib demo-data``: write a generated demo export of the service database.

A thin shell over ``auditlib.demo.generate_export``. The export (one file or,
with ``--part-rows``, one directory of part files per table, plus ``manifest.json``) goes to ``--out``; ``ground_truth.json`` (the
planted findings the rules must produce) goes beside it, never inside.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from auditlib.cli.options import day_or_none


@click.command("demo-data")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Export directory to create (must not exist or be empty, unless --force).",
)
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.0001),
    help="Size: 1 = ~1,000 customers, 2M deliveries, 1M login events; 0.01 for tests.",
)
@click.option(
    "--format",
    "fmt",
    default="parquet",
    show_default=True,
    type=click.Choice(["parquet", "csv", "csv.gz", "mixed"]),
    help="File format of the tables; 'mixed' alternates csv and csv.gz.",
)
@click.option(
    "--seed",
    default=7,
    show_default=True,
    type=int,
    help="Random seed: same seed and arguments give byte-identical files.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    callback=day_or_none,
    metavar="YYYY-MM-DD",
    help="Audit day the data is consistent with (default: today in Europe/Stockholm).",
)
@click.option(
    "--ground-truth",
    "ground_truth",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write ground_truth.json (default: beside the export, OUT/../ground_truth.json).",
)
@click.option(
    "--part-rows",
    "part_rows",
    default=None,
    type=click.IntRange(min=1),
    metavar="N",
    help="Write every table as a directory of part files (TABLE/part-00000.EXT, ...) of at most N "
    "rows each, as Spark/Hive/Trino exports do; default: one file per table.",
)
@click.option("--force", is_flag=True, help="Replace an existing export directory.")
def command(
    out: Path,
    scale: float,
    fmt: str,
    seed: int,
    as_of: date | None,
    ground_truth: Path | None,
    part_rows: int | None,
    force: bool,
) -> None:
    """Write a demo export of all 18 tables with planted audit cases.

    Every rule id of the catalogue (RET, SUB, DSR and the data-quality findings
    DQ-03..05) has true cases, edge cases and near misses relative to --as-of;
    the rest of the data is clean at that day. ground_truth.json lists them.
    Tables are generated and written in chunks: memory stays flat at any --scale
    (scale 100 is about 340 million rows).

    Example: auditlib demo-data --out /tmp/demo/export --scale 0.1 --as-of 2026-06-30
    """
    from auditlib.demo import generate_export

    try:
        result = generate_export(
            out,
            scale=scale,
            seed=seed,
            as_of=as_of,
            fmt=fmt,
            ground_truth_path=ground_truth,
            overwrite=force,
            part_rows=part_rows,
        )
    except (FileExistsError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
    total = sum(result.rows.values())
    click.echo(
        f"wrote {result.out_dir} ({len(result.rows)} tables, {total:,} rows, {fmt}) "
        f"for as_of {result.as_of} in {result.seconds:.1f} s"
        + (f", parts of at most {part_rows:,} rows" if part_rows else "")
    )
    click.echo(f"ground truth: {result.ground_truth_path}")
