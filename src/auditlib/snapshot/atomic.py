"""Write a snapshot so that only a complete one ever carries the target name.

The file is built inside a private directory (mode 0700) next to the target, so
it is on the same file system and ``os.replace`` is atomic. DuckDB's write-ahead
log lives in that directory too, so no data is ever readable by others, even
before the file's own mode is set (the builder sets it, once, before writing data:
``FILE_MODE``). On success: checkpoint, fsync the file,
``os.replace`` onto the target, fsync the directory. On any failure (including
Ctrl-C) the private directory is removed and an older snapshot at the target is
left untouched. A build killed outright (``kill -9``) leaves only a hidden
``.<name>.building-<pid>-<rand>/`` directory, which never looks like a snapshot
and is removed by the next build of the same target once that pid is gone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600


@contextlib.contextmanager
def building(out_path: Path) -> Iterator[Path]:
    """Yield the path to build in; publish it at ``out_path`` when the block succeeds."""
    out_path = Path(out_path)
    if out_path.is_dir():
        raise IsADirectoryError(f"{out_path} is a directory; give a file name like snap.duckdb")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out_path)
    work = out_path.parent / f".{out_path.name}.building-{os.getpid()}-{secrets.token_hex(4)}"
    work.mkdir(mode=0o700)
    tmp = work / out_path.name
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, out_path)
        fsync_dir(out_path.parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def remove_stale(out_path: Path) -> list[Path]:
    """Remove build directories of ``out_path`` left by killed processes (kill -9, power loss)."""
    removed = []
    for d in out_path.parent.glob(f".{out_path.name}.building-*"):
        try:
            pid = int(d.name.rsplit("-", 2)[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def remove_stale_builds(directory: Path) -> list[Path]:
    """Remove every ``.<name>.building-<pid>-<rand>/`` in ``directory`` whose pid is gone
    (any target: a run's snapshot has a name of its own, so :func:`remove_stale` of the
    next build would never see it). A live pid, even a reused one, keeps its directory."""
    removed = []
    for d in Path(directory).glob(".*.building-*"):
        try:
            pid = int(d.name.rsplit("-", 2)[1])
        except (IndexError, ValueError):
            continue
        if d.is_dir() and not d.is_symlink() and pid != os.getpid() and not _alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
