"""Signals and leftovers: SIGINT/SIGTERM end a run cleanly; the next run removes what a
crashed one left behind, but never what a run still going owns.

- :func:`interrupt_handlers` turns the first SIGINT or SIGTERM into
  :class:`RunInterrupted` (exit status ``128 + signal``: 130 for Ctrl-C, 143 for
  SIGTERM, documented in the README next to 0/1/2); further signals while the run is
  cleaning up are ignored, so the clean-up itself is not interrupted.
- :class:`RunLock`: each run holds an exclusive ``flock`` on
  ``<archive>/.work/<run_id>.lock`` for its whole life (the lock file also records the
  owner's pid and host, for a human). The kernel releases it when the process dies,
  however it dies, so a lock that can be taken belongs to a run that is gone.
- :func:`remove_stale` (called when a run starts): for every such abandoned lock it
  removes that run's ``.tmp-<id>/``, ``.work/<id>/`` (kernel connection files live
  there), its partial snapshot builds and its unpublished snapshot; and every
  ``.snapshots/.*.building-<pid>-*`` whose pid is gone
  (:func:`auditlib.snapshot.atomic.remove_stale_builds`). Leftovers without a lock
  file (written by an older version) are only reported.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from auditlib.snapshot.store import SUFFIXES

log = logging.getLogger("auditlib.runner")

SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "SIGINT (Ctrl-C)", signal.SIGTERM: "SIGTERM"}


class RunInterrupted(BaseException):
    """The run got SIGINT or SIGTERM. A BaseException, like KeyboardInterrupt, so that
    ``except Exception`` blocks on the way do not swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(SIGNAL_NAMES.get(signum, f"signal {signum}"))
        self.signum = signum
        self.where = "the run while preparing it (plan, source)"  # the runner says more

    @property
    def exit_status(self) -> int:
        return 128 + self.signum

    @property
    def signal_name(self) -> str:
        return SIGNAL_NAMES.get(self.signum, f"signal {self.signum}")


@contextlib.contextmanager
def interrupt_handlers() -> Iterator[None]:
    """Within the block, the first SIGINT/SIGTERM raises :class:`RunInterrupted`;
    later ones are ignored (the clean-up runs to its end). Outside the main thread
    (signals cannot be handled there) the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if fired:
            return
        fired.append(signum)
        raise RunInterrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class RunLock:
    """An exclusive flock on ``<work_root>/<run_id>.lock`` held while the run lives."""

    def __init__(self, work_root: Path, run_id: str) -> None:
        work_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = work_root / f"{run_id}.lock"
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"pid {os.getpid()} host {socket.gethostname()}\n".encode())

    def release(self, remove: bool = True) -> None:
        if self._fd < 0:
            return
        if remove:
            self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = -1


def _abandoned(lock: Path) -> bool:
    """True when nobody holds ``lock`` (its run is gone). Never blocks."""
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: a run still going
    finally:
        os.close(fd)
    return True


def run_leftovers(out: Path, run_id: str) -> list[Path]:
    """Everything an unpublished run ``run_id`` may have written under the archive ``out``."""
    snaps = out / ".snapshots"
    paths = [out / f".tmp-{run_id}", out / ".work" / run_id]
    if not (out / run_id).exists():  # the snapshot of a run that was never published
        paths += [snaps / f"{run_id}{suffix}" for suffix in SUFFIXES.values()]
    for suffix in SUFFIXES.values():
        paths += sorted(snaps.glob(f".{run_id}{suffix}.building-*")) if snaps.is_dir() else []
    return _kernel_dirs(out / ".work" / run_id) + paths


def _kernel_dirs(work: Path) -> list[Path]:
    """The private kernel socket directories (outside the archive, in the temp dir) that
    the run's notebook jobs name in their job files: a runner killed with SIGKILL cannot
    remove them itself. Only directories of the runner's own making are returned
    (``auditlib-kernel-*``, owned by this user)."""
    found = []
    for job_file in sorted(work.glob("*.job.json")) if work.is_dir() else []:
        try:
            named = json.loads(job_file.read_text(encoding="utf-8")).get("kernel_dir")
        except (OSError, ValueError, AttributeError):
            continue
        path = Path(named) if isinstance(named, str) else None
        if (
            path is not None
            and path.name.startswith("auditlib-kernel-")
            and path.is_dir()
            and not path.is_symlink()
            and path.stat().st_uid == os.getuid()
        ):
            found.append(path)
    return found


def remove_paths(paths: list[Path]) -> list[Path]:
    removed = []
    for p in paths:
        if p.is_symlink() or p.is_file():
            p.unlink(missing_ok=True)
            removed.append(p)
        elif p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def remove_stale(out: Path) -> list[Path]:
    """Remove what crashed runs left in the archive ``out``; see the module doc."""
    from auditlib.snapshot.atomic import remove_stale_builds

    removed: list[Path] = []
    work_root = out / ".work"
    if work_root.is_dir():
        for lock in sorted(work_root.glob("*.lock")):
            if not _abandoned(lock):
                continue
            run_id = lock.name[: -len(".lock")]
            gone = remove_paths(run_leftovers(out, run_id))
            lock.unlink(missing_ok=True)
            if gone:
                log.warning(
                    "removed what the interrupted run %s left behind: %s",
                    run_id,
                    ", ".join(
                        str(p.relative_to(out) if p.is_relative_to(out) else p) for p in gone
                    ),
                )
            removed += gone
    snaps = out / ".snapshots"
    if snaps.is_dir() and not snaps.is_symlink():
        removed += remove_stale_builds(snaps)
    locked = (
        {p.name[: -len(".lock")] for p in work_root.glob("*.lock")} if work_root.is_dir() else set()
    )
    for tmp in out.glob(".tmp-*"):
        if tmp.name[len(".tmp-") :] not in locked:
            log.warning(
                "%s was left by a run of an older version (no lock file); remove it "
                "by hand once no such run is going",
                tmp,
            )
    return removed
