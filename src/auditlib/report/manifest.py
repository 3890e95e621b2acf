"""Evidence: the run directory's ``manifest.json``, its verification, and sealing.

``manifest.json`` lists every other file of the run directory (recursively, POSIX
relative paths) with its SHA-256 and size, and names the algorithm so a reader
can re-check it with any tool (``sha256sum``). It is written last: after it, the
files are made read-only (0444) and the directory is moved into the archive by
:func:`publish_run`, which refuses to replace an existing run (runs are immutable).

Format 2 (this version) adds what makes the manifest more than a list of sums anyone
could recompute (docs/ARCHITECTURE.md "Evidence"):

- ``run_id``: must equal the run directory's name and summary.json's ``run_id``;
- ``chain``: ``{"sequence": n, "previous": {"sequence", "run_id", "manifest_sha256"} | null}``
  linking the run to the manifest published before it in the same archive
  (:mod:`auditlib.report.chain`);
- ``signing``: ``{"algorithm": "Ed25519", "public_key": PEM, "fingerprint"}`` or ``null``
  (unsigned); the signature over the exact bytes of ``manifest.json`` is in
  ``manifest.sig`` (:mod:`auditlib.report.signing`).

Decisions:
- Directories keep their mode: sealing the files is enough for ``verify`` to be
  meaningful, and read-only directories would make moving/deleting old runs a
  chore for every non-root operator. An added file is caught by ``verify``.
- Symbolic links and special files (FIFOs, sockets, devices) are refused when writing
  the manifest and make ``verify`` fail: a link's target could lie outside the run and
  change without the run changing. They are never followed.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditlib.hashing import sha256_file

if TYPE_CHECKING:
    from auditlib.report.signing import Signer

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
ALGORITHM = "sha256"
FORMAT = 2
# top-level files of a run that the manifest does not list (itself and its signature)
_NOT_LISTED = (MANIFEST_NAME, SIGNATURE_NAME)


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
    irregular: list[str] = field(default_factory=list)  # symlinks, special files
    problems: list[str] = field(default_factory=list)  # identity and signature
    notes: list[str] = field(default_factory=list)  # unsigned, key not pinned
    key_fingerprint: str | None = None  # of the key that signed the manifest

    def lines(self) -> list[str]:
        out: list[str] = []
        for label, names in (
            ("changed", self.changed),
            ("missing", self.missing),
            ("added", self.added),
            ("not a regular file", self.irregular),
            ("problem", self.problems),
        ):
            out.extend(f"{label}: {n}" for n in names)
        return out

    def describe(self) -> str:
        if self.ok:
            return "intact: every file matches manifest.json"
        return "\n".join(self.lines())


def scan_run(run_dir: Path) -> tuple[list[str], list[str]]:
    """``(files, irregular)``: relative POSIX paths of the regular files of ``run_dir``
    (except the top-level manifest and signature) and of every symbolic link or special
    file, described. Symbolic links are never followed."""
    run_dir = Path(run_dir)
    files: list[str] = []
    odd: list[str] = []
    stack = [run_dir]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for e in entries:
                rel = Path(e.path).relative_to(run_dir).as_posix()
                if e.is_symlink():
                    odd.append(f"{rel} (symbolic link to {os.readlink(e.path)})")
                elif e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                elif e.is_file(follow_symlinks=False):
                    if rel not in _NOT_LISTED:
                        files.append(rel)
                else:
                    odd.append(f"{rel} (special file)")
    return sorted(files), sorted(odd)


def write_manifest(
    run_dir: Path,
    seal: bool = True,
    *,
    chain: dict[str, Any] | None = None,
    signer: Signer | None = None,
) -> Path:
    """Hash every file of ``run_dir`` into ``manifest.json``, sign it (``signer``: into
    ``manifest.sig``), then (``seal``) make the files 0444.

    ``chain`` is the run's link in the archive (:func:`auditlib.report.chain.seal_and_publish`
    passes it); ``None`` writes an unchained manifest (a run outside any archive).
    """
    run_dir = Path(run_dir)
    names, odd = scan_run(run_dir)
    if odd:
        raise ManifestError(
            f"{run_dir}: symbolic links and special files are not allowed in "
            f"a run directory: {', '.join(odd)}"
        )
    files: dict[str, dict[str, Any]] = {}
    for rel in names:
        p = run_dir / rel
        files[rel] = {"sha256": sha256_file(p), "size": p.stat().st_size}
    run_id = run_dir.name.removeprefix(".tmp-")
    # the directory name is the run id by construction; summary.json says it explicitly
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        run_id = str(json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["run_id"])
    manifest = {
        "algorithm": ALGORITHM,
        "format": FORMAT,
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
        "chain": chain,
        "signing": signer.describe() if signer else None,
    }
    out = run_dir / MANIFEST_NAME
    if out.exists() or (run_dir / SIGNATURE_NAME).exists():
        raise ManifestError(f"{out} already exists: a sealed run is never re-hashed")
    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    out.write_bytes(data)
    if signer is not None:
        (run_dir / SIGNATURE_NAME).write_text(signer.sign(data) + "\n", encoding="ascii")
    if seal:
        seal_files(run_dir)
    return out


def seal_files(run_dir: Path) -> None:
    """Make every file of the run read-only for everyone (0444)."""
    for root, _dirs, names in os.walk(run_dir):
        for name in names:
            p = Path(root) / name
            if not p.is_symlink():
                os.chmod(p, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def manifest_bytes(run_dir: Path) -> bytes:
    path = Path(run_dir) / MANIFEST_NAME
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ManifestError(f"{path} is not a regular file")
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ManifestError(f"{path} is missing: this run was never sealed") from exc
    except OSError as exc:
        raise ManifestError(f"{path} is unreadable: {exc}") from exc


def parse_manifest(data: bytes, where: str) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{where} is unreadable: {exc}") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ManifestError(f"{where} has no 'files' object")
    if manifest.get("algorithm") != ALGORITHM:
        raise ManifestError(
            f"{where} names algorithm {manifest.get('algorithm')!r}; only {ALGORITHM!r} is "
            "supported"
        )
    return manifest


def _summary_run_id(run_dir: Path) -> tuple[str | None, str | None]:
    try:
        return str(
            json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["run_id"]
        ), None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"summary.json names no run_id ({type(exc).__name__})"


def _check_identity(run_dir: Path, manifest: dict[str, Any], result: VerifyResult) -> None:
    """run_id of the manifest and of summary.json must both be the directory's name."""
    name = run_dir.name
    if manifest.get("run_id") != name:
        result.problems.append(
            f"manifest.json names run {manifest.get('run_id')!r} but the "
            f"directory is {name!r} (renamed or forged)"
        )
    if "summary.json" in manifest["files"]:
        sid, why = _summary_run_id(run_dir)
        if why:
            result.problems.append(why)
        elif sid != name:
            result.problems.append(
                f"summary.json names run {sid!r} but the directory is {name!r} (renamed or forged)"
            )


def _check_signature(
    run_dir: Path,
    data: bytes,
    manifest: dict[str, Any],
    trusted: frozenset[str] | None,
    result: VerifyResult,
) -> None:
    from auditlib.report.signing import SigningError, fingerprint, load_public_key, verify_signature

    signing = manifest.get("signing")
    sig_path = run_dir / SIGNATURE_NAME
    if not signing:
        if sig_path.exists() or sig_path.is_symlink():
            result.problems.append(f"{SIGNATURE_NAME} is present but manifest.json names no key")
        if trusted:
            result.problems.append(
                "the run is not signed, but a trusted key was given: "
                "a signature may have been stripped"
            )
        else:
            result.notes.append(
                "unsigned: the manifest is hashed and chained, not signed "
                "(no AUDITLIB_SIGNING_KEY when the run was sealed)"
            )
        return
    try:
        key = load_public_key(str(signing.get("public_key") or ""))
    except (SigningError, TypeError, AttributeError) as exc:
        result.problems.append(f"manifest.json holds no usable public key: {exc}")
        return
    fp = fingerprint(key)
    result.key_fingerprint = fp
    if signing.get("fingerprint") != fp:
        result.problems.append(
            "manifest.json: the recorded key fingerprint does not match its public key"
        )
    if sig_path.is_symlink() or not sig_path.is_file():
        result.problems.append(
            f"{SIGNATURE_NAME} is missing: the manifest names a signing "
            "key but carries no signature"
        )
        return
    try:
        sig = sig_path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        result.problems.append(f"{SIGNATURE_NAME} is unreadable: {exc}")
        return
    if not verify_signature(key, data, sig):
        result.problems.append(
            f"{SIGNATURE_NAME}: the signature does not match manifest.json (key {fp})"
        )
        return
    if trusted is not None and fp not in trusted:
        result.problems.append(
            f"signed by key {fp}, which is not a trusted key (re-signed by someone else?)"
        )
    elif trusted is None:
        result.notes.append(
            f"signed (Ed25519) by key {fp}; pin it with --trusted-key to check whose key this is"
        )


def _check_evidence_claim(run_dir: Path, manifest: dict[str, Any], result: VerifyResult) -> None:
    """summary.json's ``evidence`` (written before sealing) must agree with the manifest:
    a run that says it was signed by key K carries K's signature, not none or another."""
    try:
        evidence = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))["evidence"]
        claimed, fp = bool(evidence["signed"]), evidence.get("key_fingerprint")
    except (OSError, ValueError, KeyError, TypeError):
        return  # runs sealed before summary.json recorded it
    signing = manifest.get("signing")
    if claimed and not signing:
        result.problems.append(
            f"summary.json says the run was signed by key {fp}, but the "
            "manifest carries no signature (stripped?)"
        )
    elif claimed and result.key_fingerprint and fp != result.key_fingerprint:
        result.problems.append(
            f"summary.json says the run was signed by key {fp}, but the "
            f"manifest is signed by {result.key_fingerprint} (re-signed?)"
        )
    elif not claimed and signing:
        result.problems.append("summary.json says the run is unsigned, but the manifest is signed")


def verify_run(run_dir: Path, trusted_keys: frozenset[str] | None = None) -> VerifyResult:
    """Re-hash ``run_dir`` against its manifest; check the run id, that there are no links
    or special files, and the signature (against ``trusted_keys`` fingerprints when given).

    Raises :class:`ManifestError` when there is no readable manifest (cannot verify).
    """
    run_dir = Path(run_dir)
    data = manifest_bytes(run_dir)
    manifest = parse_manifest(data, str(run_dir / MANIFEST_NAME))
    listed: dict[str, dict[str, Any]] = manifest["files"]
    names, odd = scan_run(run_dir)
    present = set(names)
    changed, missing = [], []
    for rel, meta in sorted(listed.items()):
        p = run_dir / rel
        if rel not in present:
            if not any(o.startswith(f"{rel} (") for o in odd):
                missing.append(rel)
        elif p.stat().st_size != meta.get("size") or sha256_file(p) != meta.get("sha256"):
            changed.append(rel)
    added = sorted(present - set(listed))
    result = VerifyResult(False, changed, missing, added, odd)
    if Path(run_dir).is_symlink():
        result.problems.append(f"{run_dir} is a symbolic link, not a run directory")
    _check_identity(run_dir, manifest, result)
    _check_signature(run_dir, data, manifest, trusted_keys, result)
    _check_evidence_claim(run_dir, manifest, result)
    result.ok = not (changed or missing or added or odd or result.problems)
    return result


def verify_snapshot(run_dir: Path) -> tuple[str, str]:
    """Check the run's snapshot (kept outside the run dir) against summary.json's sha256.

    Returns ``(state, detail)`` with state ``match`` | ``differs`` | ``absent`` | ``unknown``.
    The snapshot holds pseudonymised personal data and may have been deleted on
    purpose, so ``absent`` is not a failure; ``differs`` is.
    """
    run_dir = Path(run_dir)
    try:
        path, expected = snapshot_location(run_dir)
    except ManifestError as exc:
        return "unknown", str(exc)
    if not (path.is_file() or path.is_dir()) or path.is_symlink():
        return "absent", f"{path} is not present (deleted or kept elsewhere)"
    from auditlib.snapshot.store import snapshot_sha256

    actual = snapshot_sha256(path)
    if actual != expected:
        return "differs", f"{path}: sha256 {actual} but summary.json records {expected}"
    return "match", f"{path} matches summary.json"


def snapshot_location(run_dir: Path) -> tuple[Path, str]:
    """``(path, sha256)`` of the run's snapshot as summary.json records them.

    The path must lie in ``<archive>/.snapshots/``: a summary naming any other file
    (``../``, absolute) is refused rather than followed.
    """
    run_dir = Path(run_dir)
    try:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        snap = summary["snapshot"]
        expected, rel = str(snap["sha256"]), str(snap["file"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ManifestError("summary.json names no snapshot file and sha256") from exc
    if snap["sha256"] is None:
        raise ManifestError(
            "summary.json records no snapshot sha256 (the snapshot step wrote no file)"
        )
    archive = run_dir.absolute().parent
    path = archive / rel
    if Path(rel).is_absolute() or ".." in Path(rel).parts or Path(rel).parts[:1] != (".snapshots",):
        raise ManifestError(
            f"summary.json names snapshot file {rel!r}, which is not in <archive>/.snapshots/"
        )
    return path, expected


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
