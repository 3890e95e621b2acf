"""The archive's chain of runs: publication order, the ledger, and checking the whole archive.

Each run's ``manifest.json`` records ``chain = {"sequence": n, "previous": {"sequence": n-1,
"run_id", "manifest_sha256"}}``: the sha256 of the manifest published before it in the same
archive (``previous`` is ``null`` for the first). Manifests are signed
(:mod:`auditlib.report.signing`), so a link cannot be rewritten without the key.

"Previous" is the publication order, recorded by the archive itself, never directory
mtimes or start times (runs of different plans overlap; a copy resets mtimes):

- ``<archive>/chain.jsonl`` (the ledger): one JSON line per published run, appended when
  the run is moved into place: ``sequence, run_id, manifest_sha256,
  previous_manifest_sha256, published_at, key_fingerprint``. Its last line is the head the
  next run links to; it is what shows that the newest run was deleted.
- ``<archive>/.chain.lock``: an exclusive ``flock`` held from reading the head through
  writing the manifest, the rename and the ledger line, so two runs finishing at the same
  time never link to the same predecessor.

The first chained run of an archive that already holds older (unchained) runs lists them
in ``chain.unchained_runs`` (run id and manifest sha256), so they stay verifiable and a run
slipped in later without a link is not mistaken for one of them.

:func:`verify_archive` checks every run (:func:`auditlib.report.manifest.verify_run`) and
the chain: a deleted run (a gap in the sequence or a ledger line without its run), a
replaced or rewritten run (its manifest sha256 differs from its successor's link and
from the ledger), an inserted run (a sequence claimed twice, a run outside the chain), a
back-dated run (a manifest older than its predecessor's, or sealed before the run
finished) and a change of signing key. What it cannot see by itself: the newest run
deleted together with its ledger line, or the whole archive re-signed with another key.
Against those the auditor pins the key (``--trusted-key``) and records the head it
printed last time (``--known-head``).

Decision: "back-dated" compares the manifests' ``created_at`` (taken under the lock, so in
publication order) and each run's ``finished_at``; hosts sharing one archive must keep
their clocks in sync (NTP), or a late clock shows as a back-dated run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditlib.report.manifest import (
    MANIFEST_NAME,
    ManifestError,
    VerifyResult,
    parse_manifest,
    publish_run,
    verify_run,
    write_manifest,
)

if TYPE_CHECKING:
    from auditlib.report.signing import Signer

log = logging.getLogger("auditlib.report")

LEDGER_NAME = "chain.jsonl"
LOCK_NAME = ".chain.lock"


@dataclass(frozen=True)
class Link:
    sequence: int
    run_id: str
    manifest_sha256: str

    def ref(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "run_id": self.run_id,
            "manifest_sha256": self.manifest_sha256,
        }


@dataclass
class RunEntry:
    """A run directory of the archive as the chain check sees it."""

    name: str
    path: Path
    manifest: dict[str, Any] | None = None
    manifest_sha256: str | None = None
    error: str | None = None  # no readable manifest

    @property
    def chain(self) -> dict[str, Any] | None:
        c = (self.manifest or {}).get("chain")
        return c if isinstance(c, dict) else None

    @property
    def sequence(self) -> int | None:
        s = (self.chain or {}).get("sequence")
        return s if isinstance(s, int) and not isinstance(s, bool) else None


@contextlib.contextmanager
def archive_lock(archive_dir: Path) -> Iterator[None]:
    """Exclusive lock on the archive's chain (blocks until the other publisher is done)."""
    fd = os.open(Path(archive_dir) / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_ledger(archive_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """``(entries, problems)`` of ``chain.jsonl``; unreadable lines are problems."""
    path = Path(archive_dir) / LEDGER_NAME
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    if path.is_symlink():
        return [], [f"{LEDGER_NAME} is a symbolic link"]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{LEDGER_NAME} is unreadable: {exc}"]
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            e = json.loads(line)
            if not isinstance(e, dict) or not isinstance(e.get("sequence"), int):
                raise ValueError("no sequence")
            entries.append(e)
        except ValueError as exc:
            problems.append(f"{LEDGER_NAME} line {i} is unreadable: {exc}")
    return entries, problems


def _load_entry(path: Path) -> RunEntry:
    entry = RunEntry(path.name, path)
    try:
        data = (path / MANIFEST_NAME).read_bytes()
        entry.manifest = parse_manifest(data, f"{path.name}/{MANIFEST_NAME}")
        entry.manifest_sha256 = hashlib.sha256(data).hexdigest()
    except FileNotFoundError:
        entry.error = f"run {path.name} has no {MANIFEST_NAME} (never sealed, or it was removed)"
    except (OSError, ManifestError) as exc:
        entry.error = f"run {path.name}: {exc}"
    return entry


def run_entries(archive_dir: Path) -> tuple[list[RunEntry], list[str]]:
    """Run directories of the archive (not ``.``-names) and problems with other entries."""
    runs: list[RunEntry] = []
    problems: list[str] = []
    for p in sorted(Path(archive_dir).iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_symlink():
            problems.append(f"{p.name} is a symbolic link in the archive, not a run directory")
        elif p.is_dir():
            runs.append(_load_entry(p))
    return runs, problems


def chain_head(archive_dir: Path) -> Link | None:
    """The last published run: the ledger's last line, or a chained run with a higher
    sequence (published, then interrupted before its ledger line was written)."""
    entries, _ = read_ledger(archive_dir)
    head: Link | None = None
    if entries:
        e = max(entries, key=lambda x: x["sequence"])
        head = Link(int(e["sequence"]), str(e.get("run_id")), str(e.get("manifest_sha256")))
    listed = {str(e.get("run_id")) for e in entries}
    runs = [
        _load_entry(p)
        for p in sorted(Path(archive_dir).iterdir())
        if not p.name.startswith(".") and p.name not in listed and p.is_dir() and not p.is_symlink()
    ]  # only runs the ledger does not know are read
    for r in runs:
        if (
            r.sequence is not None
            and r.manifest_sha256
            and (head is None or r.sequence > head.sequence)
        ):
            head = Link(r.sequence, r.name, r.manifest_sha256)
            log.warning(
                "run %s (sequence %d) is not in %s: it is linked to anyway",
                r.name,
                r.sequence,
                LEDGER_NAME,
            )
    return head


def _unchained(archive_dir: Path) -> list[dict[str, Any]]:
    runs, _ = run_entries(archive_dir)
    return [
        {"run_id": r.name, "manifest_sha256": r.manifest_sha256} for r in runs if r.chain is None
    ]


def seal_and_publish(tmp_dir: Path, final_dir: Path, signer: Signer | None = None) -> Path:
    """Write the signed, chained manifest of ``tmp_dir``, seal it, move it to ``final_dir``
    and append its ledger line, all under the archive lock. Returns ``final_dir``."""
    tmp_dir, final_dir = Path(tmp_dir), Path(final_dir)
    archive = final_dir.parent
    with archive_lock(archive):
        head = chain_head(archive)
        chain: dict[str, Any] = {
            "sequence": head.sequence + 1 if head else 1,
            "previous": head.ref() if head else None,
        }
        if head is None:
            chain["unchained_runs"] = _unchained(archive)
        manifest = write_manifest(tmp_dir, chain=chain, signer=signer)
        digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
        final = publish_run(tmp_dir, final_dir)
        line = {
            "sequence": chain["sequence"],
            "run_id": final.name,
            "manifest_sha256": digest,
            "previous_manifest_sha256": head.manifest_sha256 if head else None,
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "key_fingerprint": signer.fingerprint if signer else None,
        }
        fd = os.open(archive / LEDGER_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(line, sort_keys=True) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    return final


# ------------------------------------------------------------------ verification


@dataclass
class ArchiveReport:
    runs: dict[str, VerifyResult | None] = field(default_factory=dict)  # None: no manifest
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    head: Link | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and all(r is not None and r.ok for r in self.runs.values())


def _instant(value: Any) -> datetime | None:
    try:
        ts = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _summary(path: Path) -> dict[str, Any]:
    try:
        data = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _check_times(run: RunEntry, prev: RunEntry | None, problems: list[str]) -> None:
    created = _instant((run.manifest or {}).get("created_at"))
    if created is None:
        problems.append(f"run {run.name}: manifest.json has no valid created_at")
        return
    s = _summary(run.path)
    started, finished = _instant(s.get("started_at")), _instant(s.get("finished_at"))
    if started and finished and started > finished:
        problems.append(
            f"run {run.name}: started_at {s['started_at']} is after finished_at {s['finished_at']}"
        )
    if finished and finished > created:
        problems.append(
            f"run {run.name}: sealed at {created.isoformat()} before it finished "
            f"({s['finished_at']}): back-dated"
        )
    if prev is not None and prev.manifest:
        before = _instant(prev.manifest.get("created_at"))
        if before and created < before:
            problems.append(
                f"run {run.name}: sealed at {created.isoformat()}, before its "
                f"predecessor {prev.name} ({before.isoformat()}): back-dated"
            )


def verify_archive(
    archive_dir: Path, trusted_keys: frozenset[str] | None = None, known_heads: tuple[str, ...] = ()
) -> ArchiveReport:
    """Check every run of ``archive_dir`` and the chain that links them."""
    archive_dir = Path(archive_dir)
    rep = ArchiveReport()
    runs, rep.problems = run_entries(archive_dir)
    for r in runs:
        if r.error:
            rep.problems.append(r.error)
            rep.runs[r.name] = None
            continue
        try:
            rep.runs[r.name] = verify_run(r.path, trusted_keys)
        except ManifestError as exc:
            rep.problems.append(f"run {r.name}: {exc}")
            rep.runs[r.name] = None
    pending = sorted(p.name for p in archive_dir.glob(".tmp-*"))
    if pending:
        rep.notes.append(
            f"unpublished temp dirs (running or interrupted, not checked): {', '.join(pending)}"
        )

    ledger, ledger_problems = read_ledger(archive_dir)
    rep.problems.extend(ledger_problems)
    by_ledger: dict[int, dict[str, Any]] = {}
    for e in ledger:
        if e["sequence"] in by_ledger:
            rep.problems.append(f"{LEDGER_NAME}: sequence {e['sequence']} appears twice")
        by_ledger[e["sequence"]] = e
    by_seq: dict[int, RunEntry] = {}
    chained = [r for r in runs if r.chain is not None]
    for r in chained:
        if r.sequence is None or r.sequence < 1:
            rep.problems.append(f"run {r.name}: manifest.json has a chain without a valid sequence")
            continue
        if r.sequence in by_seq:
            rep.problems.append(
                f"runs {by_seq[r.sequence].name} and {r.name} both claim "
                f"sequence {r.sequence}: a run was inserted or replaced"
            )
            continue
        by_seq[r.sequence] = r
    last = max([*by_seq, *by_ledger], default=0)
    if not last:
        if runs:
            rep.notes.append(
                "the archive is not chained (its runs were sealed before "
                "chaining): each run is checked on its own"
            )
        _check_keys(runs, rep, trusted_keys)
        _check_known(known_heads, {}, rep)
        return rep

    seen_shas: dict[str, str] = {}
    for seq in range(1, last + 1):
        run, led = by_seq.get(seq), by_ledger.get(seq)
        prev = by_seq.get(seq - 1)
        if run is None:
            succ = by_seq.get(seq + 1)
            named = (led or {}).get("run_id")
            if not named and succ is not None:
                named = ((succ.chain or {}).get("previous") or {}).get("run_id")
            rep.problems.append(
                f"sequence {seq} (run {named or 'unknown'}) is missing from the "
                "archive: a run was deleted or moved"
            )
            continue
        assert run.manifest_sha256 is not None
        seen_shas[run.manifest_sha256] = run.name
        if led is None:
            rep.problems.append(
                f"run {run.name} (sequence {seq}) is not in {LEDGER_NAME}: "
                "inserted, or the ledger was cut"
            )
        elif led.get("manifest_sha256") == run.manifest_sha256 and led.get("run_id") != run.name:
            rep.problems.append(
                f"run {led.get('run_id')} (sequence {seq}) was renamed to {run.name}"
            )
        elif led.get("run_id") != run.name or led.get("manifest_sha256") != run.manifest_sha256:
            rep.problems.append(
                f"run {run.name} (sequence {seq}): {LEDGER_NAME} records run "
                f"{led.get('run_id')} with manifest {led.get('manifest_sha256')}, the archive "
                f"holds manifest {run.manifest_sha256}: the run was replaced or rewritten"
            )
        link = (run.chain or {}).get("previous")
        if seq == 1:
            if link is not None:
                rep.problems.append(f"run {run.name} is sequence 1 but links to a predecessor")
        else:
            expected_sha = (
                prev.manifest_sha256
                if prev
                else (by_ledger.get(seq - 1) or {}).get("manifest_sha256")
            )
            expected_id = prev.name if prev else (by_ledger.get(seq - 1) or {}).get("run_id")
            if not isinstance(link, dict) or link.get("sequence") != seq - 1:
                rep.problems.append(
                    f"run {run.name} (sequence {seq}) has no link to sequence {seq - 1}"
                )
            elif link.get("manifest_sha256") != expected_sha:
                rep.problems.append(
                    f"run {run.name} links to run {link.get('run_id')} with manifest "
                    f"{link.get('manifest_sha256')}, but sequence {seq - 1} is run "
                    f"{expected_id} with manifest {expected_sha}: a run was replaced, "
                    "rewritten or inserted"
                )
        _check_times(run, prev, rep.problems)
    rep.head = (
        Link(last, by_seq[last].name, by_seq[last].manifest_sha256 or "")
        if last in by_seq
        else None
    )

    genesis = by_seq.get(1)
    allowed = {
        (u.get("run_id"), u.get("manifest_sha256"))
        for u in ((genesis.chain or {}).get("unchained_runs") or [] if genesis else [])
        if isinstance(u, dict)
    }
    for r in runs:
        if r.chain is None and r.error is None and (r.name, r.manifest_sha256) not in allowed:
            rep.problems.append(
                f"run {r.name} is outside the chain and was not in the archive "
                "when chaining began: inserted, or its manifest was replaced"
            )
    _check_keys([by_seq[s] for s in sorted(by_seq)], rep, trusted_keys)
    _check_known(known_heads, {**seen_shas}, rep)
    return rep


def _check_keys(
    runs: list[RunEntry], rep: ArchiveReport, trusted_keys: frozenset[str] | None
) -> None:
    """Without pinned keys, one key for the whole chain and no unsigned run after a signed
    one: otherwise someone re-signed or stripped a signature."""
    if trusted_keys is not None:
        return  # verify_run checked every signature against the pinned keys
    keys: dict[str, list[str]] = {}
    signed_before: str | None = None
    for r in runs:
        res = rep.runs.get(r.name)
        if res is None:
            continue
        if res.key_fingerprint:
            keys.setdefault(res.key_fingerprint, []).append(r.name)
            signed_before = signed_before or r.name
        elif signed_before and r.chain is not None:
            rep.problems.append(
                f"run {r.name} is unsigned although run {signed_before} before "
                "it is signed: a signature may have been stripped"
            )
    if len(keys) > 1:
        desc = "; ".join(f"{fp}: {', '.join(names)}" for fp, names in keys.items())
        rep.problems.append(
            f"the runs are signed by {len(keys)} different keys ({desc}); if "
            "the key was rotated, pin every legitimate key with --trusted-key"
        )
    elif keys:
        rep.notes.append(
            f"every signed run is signed by key {next(iter(keys))} (not pinned: "
            "pass --trusted-key to check whose key it is)"
        )


def _check_known(known: tuple[str, ...], present: dict[str, str], rep: ArchiveReport) -> None:
    for sha in known:
        if sha.lower() not in present:
            rep.problems.append(
                f"the manifest {sha} you recorded earlier is no longer in the "
                "archive's chain: runs were deleted or rewritten"
            )


def check_links(run_dir: Path) -> tuple[list[str], list[str]]:
    """The chain checks one run can make on its own: ``(problems, notes)``.

    Problems concern this run: its ledger line and its successor's link must name its
    manifest. Notes concern its neighbours: a predecessor that no longer has the manifest
    this run links to (``verify --archive`` says which run is at fault).
    """
    run_dir = Path(run_dir)
    entry = _load_entry(run_dir)
    if entry.error or entry.chain is None or entry.sequence is None:
        return [], []
    archive = run_dir.absolute().parent
    ledger, problems = read_ledger(archive)
    notes: list[str] = []
    seq, sha = entry.sequence, entry.manifest_sha256
    mine = [e for e in ledger if e["sequence"] == seq]
    if not (archive / LEDGER_NAME).exists():
        # a run handed over on its own (copied out of the archive) is still checked by its
        # hashes and signature; a ledger deleted inside the archive fails verify --archive
        notes.append(
            f"no {LEDGER_NAME} beside the run: its place in the chain (sequence "
            f"{seq}) is not checked here; check the archive with --archive"
        )
    elif not mine:
        problems.append(
            f"{LEDGER_NAME} has no line for sequence {seq}: inserted run, or the ledger was cut"
        )
    elif mine[-1].get("run_id") != run_dir.name or mine[-1].get("manifest_sha256") != sha:
        problems.append(
            f"{LEDGER_NAME} records run {mine[-1].get('run_id')} with manifest "
            f"{mine[-1].get('manifest_sha256')} as sequence {seq}; this run's "
            f"manifest is {sha}: the run was replaced or rewritten"
        )
    for e in ledger:
        if e["sequence"] == seq + 1 and e.get("previous_manifest_sha256") != sha:
            problems.append(
                f"the next run ({e.get('run_id')}) links to manifest "
                f"{e.get('previous_manifest_sha256')}, not to this run's {sha}: "
                "the run was replaced or rewritten"
            )
    link = entry.chain.get("previous")
    if isinstance(link, dict) and link.get("run_id"):
        prev_dir = archive / str(link["run_id"])
        if not prev_dir.is_dir() or prev_dir.is_symlink():
            notes.append(f"the previous run {link['run_id']} is not in the archive")
        else:
            prev = _load_entry(prev_dir)
            if prev.manifest_sha256 != link.get("manifest_sha256"):
                notes.append(
                    f"the previous run {prev_dir.name} no longer has the manifest "
                    "this run links to: check the archive with --archive"
                )
    return problems, notes
