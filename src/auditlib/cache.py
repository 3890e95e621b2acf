"""The user's cache directory: generated demo exports, demo snapshots, the holiday calendar.

``$AUDITLIB_CACHE``, else ``~/.cache/auditlib`` (mode 0700: demo snapshots hold
pseudonymised rows). Everything in it can be deleted; it is rebuilt on the next use.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path


def cache_dir() -> Path:
    """Where generated demo data, default notebook snapshots and the calendar live."""
    env = os.environ.get("AUDITLIB_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "auditlib"
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return base


def demo_export(as_of: date, scale: float = 0.05, seed: int = 7) -> Path:
    """The demo export for ``as_of`` (generated once per day, scale and seed; then reused).

    ``generate_export`` writes atomically (temp dir + rename) and puts
    ``ground_truth.json`` beside the export, so a half-written export is never reused.
    """
    from auditlib.demo import generate_export

    base = cache_dir() / "demo" / f"{as_of.isoformat()}-scale{scale:g}-seed{seed}"
    export = base / "export"
    if (export / "manifest.json").exists() and (base / "ground_truth.json").exists():
        return export
    generate_export(export, scale=scale, seed=seed, as_of=as_of, fmt="parquet", overwrite=True)
    return export
