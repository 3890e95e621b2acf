"""The demo export of an audit day, generated once into the cache directory and reused.

``auditlib run --source demo`` and the notebooks' defaults use it, so JupyterLab and cron
runs stay quick.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from auditlib.cache import cache_dir


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
