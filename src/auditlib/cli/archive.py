"""``auditlib archive [--dir DIR]``: rebuild the archive's index.html from its runs."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("archive")
@click.option(
    "--dir",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("audits/runs"),
    show_default=True,
    help="The archive directory holding one directory per run.",
)
def command(archive_dir: Path) -> None:
    """List every run in the archive (newest first) in DIR/index.html."""
    from auditlib.report.archive_index import archive_rows, update_archive_index

    if not archive_dir.is_dir():
        click.echo(f"error: archive directory {archive_dir} does not exist", err=True)
        raise SystemExit(2)
    out = update_archive_index(archive_dir)
    click.echo(f"wrote {out} ({len(archive_rows(archive_dir))} runs)")
