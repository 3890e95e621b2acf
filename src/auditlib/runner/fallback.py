"""Manifest and publishing when ``auditlib.report`` is not importable (a partial install).

Same contract as :mod:`auditlib.report.manifest`: every file's sha256, written last,
and a rename that never replaces an existing run.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def write_manifest(run_dir: Path) -> Path:
    files = {}
    for p in sorted(q for q in run_dir.rglob("*") if q.is_file()):
        rel = p.relative_to(run_dir).as_posix()
        if rel != "manifest.json":
            files[rel] = {"sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
                          "size": p.stat().st_size}
    out = run_dir / "manifest.json"
    out.write_text(json.dumps({"algorithm": "sha256", "files": files}, indent=2,
                              sort_keys=True) + "\n", encoding="utf-8")
    return out


def publish_run(tmp_dir: Path, final_dir: Path) -> Path:
    if final_dir.exists():
        raise FileExistsError(f"run directory {final_dir} already exists; runs are immutable")
    os.rename(tmp_dir, final_dir)
    return final_dir
