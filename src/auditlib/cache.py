"""The user's cache directory: generated demo exports, demo snapshots, the holiday list.

``$AUDITLIB_CACHE``, else ``~/.cache/auditlib`` (mode 0700: demo snapshots hold
pseudonymised rows). Everything in it can be deleted; it is rebuilt on the next use.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Where generated demo data, default notebook snapshots and the calendar live."""
    env = os.environ.get("AUDITLIB_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "auditlib"
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return base
