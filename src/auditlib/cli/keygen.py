"""``auditlib keygen PATH``: a new Ed25519 signing key for run manifests.

Writes PATH (PEM, PKCS#8, unencrypted, mode 0600; refuses an existing file) and
PATH.pub (the public key, PEM) and prints the fingerprint auditors pin with
``auditlib verify --trusted-key``. Keep PATH outside the archive and point
``AUDITLIB_SIGNING_KEY`` at it.
"""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.command("keygen")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def command(path: Path) -> None:
    """Make an Ed25519 private key PATH (0600) and its public key PATH.pub."""
    from auditlib.report.signing import ENV_KEY, generate_key

    pub = path.with_name(path.name + ".pub")
    for p in (path, pub):
        if p.exists() or p.is_symlink():
            click.echo(f"error: {p} exists; a key is never overwritten", err=True)
            raise SystemExit(2)
    try:
        signer = generate_key(path)
    except OSError as exc:
        click.echo(f"error: cannot write {path}: {exc.strerror or exc}", err=True)
        raise SystemExit(2) from exc
    fd = os.open(pub, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(signer.public_pem)
    click.echo(f"private key: {path} (mode 0600; keep it outside the archive)")
    click.echo(f"public key:  {pub} (give it to the auditors)")
    click.echo(f"fingerprint: {signer.fingerprint}")
    click.echo(f"sign runs with: export {ENV_KEY}={path.resolve()}")
