"""Streamed sha256 of files: export inputs, snapshots, manifests all use this one function."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def sha256_file(path: Path | str) -> str:
    """sha256 hex digest of a file, read in 1 MiB chunks (exports and snapshots can be many GB)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()
