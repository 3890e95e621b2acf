"""Evidence: the run directory's ``manifest.json``, its verification, and sealing.

``manifest.json`` lists every other file of the run directory (recursively, POSIX
relative paths) with its SHA-256 and size, and names the algorithm so a reader
can re-check it with any tool (``sha256sum``). It is written last: after it, the
files are made read-only (0444) and the directory is moved into the archive by
:func:`publish_run`, which refuses to replace an existing run (runs are immutable).

Decisions:
- Directories keep their mode: sealing the files is enough for ``verify`` to be
  meaningful, and read-only directories would make moving/deleting old runs a
  chore for every non-root operator. An added file is caught by ``verify``.
- Symbolic links are refused when writing the manifest: their target could lie
  outside the run and change without the run changing.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditlib.hashing import sha256_file

MANIFEST_NAME = "manifest.json"
ALGORITHM = "sha256"


class ManifestError(Exception):
    """The manifest is missing, unreadable or not one this version understands."""


class RunExistsError(FileExistsError):
    """A run directory with this id already exists: runs are never overwritten."""


@dataclass
class VerifyResult:
    ok: bool
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.ok:
            return "intact: every file matches manifest.json"
        parts: list[str] = []
        for label, names in (("changed", self.changed), ("missing", self.missing),
                             ("added", self.added)):
            parts.extend(f"{label}: {n}" for n in names)
        return "\n".join(parts)


def _run_files(run_dir: Path) -> list[str]:
    """Relative POSIX paths of every file in ``run_dir`` except the top-level manifest."""
    out = []
    for root, dirs, files in os.walk(run_dir):
        dirs.sort()
        for name in files:
            p = Path(root) / name
            rel = p.relative_to(run_dir).as_posix()
            if rel == MANIFEST_NAME:
                continue
            out.append(rel)
        for d in dirs:
            if (Path(root) / d).is_symlink():
                raise ManifestError(f"{Path(root) / d}: symbolic links are not allowed in a run")
    return sorted(out)


def write_manifest(run_dir: Path, seal: bool = True) -> Path:
    """Hash every file of ``run_dir`` into ``manifest.json``; then (``seal``) make files 0444."""
    run_dir = Path(run_dir)
    files: dict[str, dict[str, Any]] = {}
    for rel in _run_files(run_dir):
        p = run_dir / rel
        if p.is_symlink():
            raise ManifestError(f"{p}: symbolic links are not allowed in a run directory")
        files[rel] = {"sha256": sha256_file(p), "size": p.stat().st_size}
    run_id = run_dir.name.removeprefix(".tmp-")
    # the directory name is the run id by construction; summary.json says it explicitly
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        run_id = str(json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["run_id"])
    manifest = {
        "algorithm": ALGORITHM,
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
    }
    out = run_dir / MANIFEST_NAME
    if out.exists():
        raise ManifestError(f"{out} already exists: a sealed run is never re-hashed")
    out.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if seal:
        seal_files(run_dir)
    return out


def seal_files(run_dir: Path) -> None:
    """Make every file of the run read-only for everyone (0444)."""
    for root, _dirs, names in os.walk(run_dir):
        for name in names:
            os.chmod(Path(root) / name, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"{path} is missing: this run was never sealed") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path} is unreadable: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise ManifestError(f"{path} has no 'files' object")
    if data.get("algorithm") != ALGORITHM:
        raise ManifestError(
            f"{path} names algorithm {data.get('algorithm')!r}; only {ALGORITHM!r} is supported"
        )
    return data


def verify_run(run_dir: Path) -> VerifyResult:
    """Re-hash ``run_dir`` against its manifest. Raises :class:`ManifestError` without one."""
    run_dir = Path(run_dir)
    listed: dict[str, dict[str, Any]] = read_manifest(run_dir)["files"]
    present = set(_run_files(run_dir))
    changed, missing = [], []
    for rel, meta in sorted(listed.items()):
        p = run_dir / rel
        if rel not in present:
            missing.append(rel)
        elif p.stat().st_size != meta.get("size") or sha256_file(p) != meta.get("sha256"):
            changed.append(rel)
    added = sorted(present - set(listed))
    return VerifyResult(not (changed or missing or added), changed, missing, added)


def verify_snapshot(run_dir: Path) -> tuple[str, str]:
    """Check the run's snapshot (kept outside the run dir) against summary.json's sha256.

    Returns ``(state, detail)`` with state ``match`` | ``differs`` | ``absent`` | ``unknown``.
    The snapshot holds pseudonymised personal data and may have been deleted on
    purpose, so ``absent`` is not a failure; ``differs`` is.
    """
    run_dir = Path(run_dir)
    try:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        snap = summary["snapshot"]
        expected, rel = str(snap["sha256"]), str(snap["file"])
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown", "summary.json names no snapshot file and sha256"
    path = run_dir.parent / rel
    if not path.is_file():
        return "absent", f"{path} is not present (deleted or kept elsewhere)"
    actual = sha256_file(path)
    if actual != expected:
        return "differs", f"{path}: sha256 {actual} but summary.json records {expected}"
    return "match", f"{path} matches summary.json"


def publish_run(tmp_dir: Path, final_dir: Path) -> Path:
    """Move a finished run from its temp dir into place; never replace an existing run.

    ``os.rename`` on Linux silently replaces an *empty* target directory, so the
    target is checked first (the archive has one writer per run id: the id carries
    the start time to the second).
    """
    tmp_dir, final_dir = Path(tmp_dir), Path(final_dir)
    if final_dir.exists() or final_dir.is_symlink():
        raise RunExistsError(
            f"run directory {final_dir} already exists; runs are immutable. "
            f"The new run stays in {tmp_dir}: start a new run (it gets a new id)."
        )
    os.rename(tmp_dir, final_dir)
    return final_dir
