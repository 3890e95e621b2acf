"""``auditlib verify RUN_DIR``: re-hash a run directory against its manifest.

Exit status: 0 intact; 1 some file changed, is missing or was added (or the
snapshot beside the archive no longer matches the sha256 in summary.json); 2 the
manifest is missing or unreadable (the run cannot be verified at all).
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("verify")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--snapshot/--no-snapshot", default=True, show_default=True,
              help="Also check <archive>/.snapshots/<run_id>.duckdb against summary.json.")
def command(run_dir: Path, snapshot: bool) -> None:
    """Check every file of RUN_DIR against RUN_DIR/manifest.json (SHA-256)."""
    from auditlib.report.manifest import ManifestError, verify_run, verify_snapshot

    if not run_dir.is_dir():
        click.echo(f"error: {run_dir} is not a directory", err=True)
        raise SystemExit(2)
    try:
        result = verify_run(run_dir)
    except ManifestError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from exc
    snap_state, snap_detail = verify_snapshot(run_dir) if snapshot else ("skipped", "")
    if result.ok:
        click.echo(f"OK {run_dir}: every file matches manifest.json")
    else:
        click.echo(f"FAILED {run_dir}: the run differs from its manifest")
        for label, names in (("changed", result.changed), ("missing", result.missing),
                             ("added", result.added)):
            for name in names:
                click.echo(f"  {label}: {name}")
    if snapshot:
        click.echo(f"snapshot: {snap_state}: {snap_detail}")
    if not result.ok or snap_state == "differs":
        raise SystemExit(1)
