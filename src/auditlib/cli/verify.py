"""``auditlib verify RUN_DIR`` / ``auditlib verify --archive DIR``: check the evidence.

For a run: every file against ``manifest.json`` (SHA-256), no added, missing, linked or
special files, ``run_id`` of the manifest and of summary.json equal to the directory's
name, the Ed25519 signature in ``manifest.sig`` (against the pinned keys when given),
the run's place in the archive's chain (ledger line, successor's link) and the snapshot
beside the archive against summary.json.
For an archive: every run, and the chain that links them (a deleted, replaced, inserted
or back-dated run; a change of signing key); it prints the head to record.

Exit status: 0 intact; 1 something changed, is missing, was added, or a signature or
link does not match (or a kept snapshot no longer matches summary.json); 2 there is
nothing to verify (no manifest, unreadable manifest, no archive).
"""

from __future__ import annotations

from pathlib import Path

import click


def _trusted(public_keys: tuple[Path, ...], fingerprints: tuple[str, ...]) -> frozenset[str] | None:
    from auditlib.report.signing import SigningError, fingerprint, load_public_key

    out = {f.strip().lower() for f in fingerprints}
    for path in public_keys:
        try:
            out.add(fingerprint(load_public_key(path.read_bytes())))
        except (OSError, SigningError) as exc:
            click.echo(f"error: --public-key {path}: {exc}", err=True)
            raise SystemExit(2) from exc
    bad = [f for f in out if len(f) != 64 or any(c not in "0123456789abcdef" for c in f)]
    if bad:
        click.echo(
            f"error: --trusted-key {bad[0]!r} is not a sha256 fingerprint (64 hex)", err=True
        )
        raise SystemExit(2)
    return frozenset(out) if out else None


@click.command("verify")
@click.argument("run_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Check every run of this archive and the chain linking them.",
)
@click.option(
    "--public-key",
    "public_keys",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Trust only signatures by this public key (PEM); repeatable.",
)
@click.option(
    "--trusted-key",
    "fingerprints",
    multiple=True,
    metavar="SHA256",
    help="Trust only signatures by the key with this fingerprint; repeatable.",
)
@click.option(
    "--known-head",
    "known_heads",
    multiple=True,
    metavar="SHA256",
    help="(--archive) A manifest sha256 printed by an earlier check: it must still "
    "be in the chain; repeatable.",
)
@click.option(
    "--snapshot/--no-snapshot",
    default=True,
    show_default=True,
    help="Also check <archive>/.snapshots/<run_id>.duckdb against summary.json.",
)
def command(
    run_dir: Path | None,
    archive_dir: Path | None,
    public_keys: tuple[Path, ...],
    fingerprints: tuple[str, ...],
    known_heads: tuple[str, ...],
    snapshot: bool,
) -> None:
    """Check RUN_DIR (or every run of --archive DIR) against its signed manifest."""
    if (run_dir is None) == (archive_dir is None):
        click.echo("error: give either RUN_DIR or --archive DIR", err=True)
        raise SystemExit(2)
    trusted = _trusted(public_keys, fingerprints)
    if archive_dir is not None:
        raise SystemExit(_verify_archive(archive_dir, trusted, known_heads, snapshot))
    assert run_dir is not None
    raise SystemExit(_verify_one(run_dir, trusted, snapshot))


def _verify_one(run_dir: Path, trusted: frozenset[str] | None, snapshot: bool) -> int:
    from auditlib.report.chain import check_links
    from auditlib.report.manifest import ManifestError, verify_run, verify_snapshot

    if not run_dir.is_dir():
        click.echo(f"error: {run_dir} is not a directory", err=True)
        return 2
    try:
        result = verify_run(run_dir, trusted)
    except ManifestError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    link_problems, link_notes = check_links(run_dir)
    result.problems.extend(link_problems)
    result.notes.extend(link_notes)
    result.ok = result.ok and not link_problems
    if result.ok:
        click.echo(f"OK {run_dir}: every file matches manifest.json")
    else:
        click.echo(f"FAILED {run_dir}: the run differs from its manifest")
        for line in result.lines():
            click.echo(f"  {line}")
    for note in result.notes:
        click.echo(f"note: {note}")
    snap_state = "skipped"
    if snapshot:
        snap_state, snap_detail = verify_snapshot(run_dir)
        click.echo(f"snapshot: {snap_state}: {snap_detail}")
    return 1 if not result.ok or snap_state == "differs" else 0


def _verify_archive(
    archive_dir: Path, trusted: frozenset[str] | None, known_heads: tuple[str, ...], snapshot: bool
) -> int:
    from auditlib.report.chain import LEDGER_NAME, verify_archive
    from auditlib.report.manifest import verify_snapshot

    if not archive_dir.is_dir():
        click.echo(f"error: archive {archive_dir} is not a directory", err=True)
        return 2
    rep = verify_archive(archive_dir, trusted, known_heads)
    if not rep.runs and not (archive_dir / LEDGER_NAME).exists() and not rep.problems:
        click.echo(f"error: {archive_dir} holds no runs", err=True)
        return 2
    differs = False
    for name, res in sorted(rep.runs.items()):
        snap = ""
        if snapshot and res is not None:
            state, detail = verify_snapshot(archive_dir / name)
            snap = f"; snapshot {state}"
            if state == "differs":
                differs = True
                snap += f" ({detail})"
        if res is None:
            click.echo(f"FAILED {name}: no readable manifest")
        elif res.ok:
            click.echo(f"OK {name}{snap}")
        else:
            click.echo(f"FAILED {name}{snap}")
            for line in res.lines():
                click.echo(f"  {line}")
    for p in rep.problems:
        click.echo(f"chain: {p}")
    for n in rep.notes:
        click.echo(f"note: {n}")
    if rep.head:
        click.echo(
            f"head: sequence {rep.head.sequence}, run {rep.head.run_id}, manifest "
            f"sha256 {rep.head.manifest_sha256} (record it; check later with "
            f"--known-head {rep.head.manifest_sha256})"
        )
    ok = rep.ok and not differs
    click.echo(
        f"{'OK' if ok else 'FAILED'} archive {archive_dir}: {len(rep.runs)} runs"
        + ("" if ok else "; see the lines above")
    )
    return 0 if ok else 1
