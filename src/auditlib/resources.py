"""Files shipped inside the package, found one way: ``importlib.resources``.

The notebooks and the expectation suites live once in git (``notebooks/``,
``expectations/``); ``src/auditlib/notebooks`` and ``src/auditlib/expectations`` are
relative symlinks to them, which setuptools follows into the wheel (package-data). So
``resources.files("auditlib") / <name>`` is the checkout's folder in an editable install
and the packaged copy in a wheel, whatever the working directory. An environment variable
overrides each (``AUDITLIB_NOTEBOOKS``, ``AUDITLIB_EXPECTATIONS_DIR``: review copies, tests).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

NOTEBOOKS_ENV = "AUDITLIB_NOTEBOOKS"
EXPECTATIONS_ENV = "AUDITLIB_EXPECTATIONS_DIR"


class ResourceError(FileNotFoundError):
    """A packaged folder (or its override) is not there; the message says what to set."""


def packaged_dir(name: str) -> Path:
    """``auditlib/<name>`` of the installed package, resolved (a symlink in a checkout)."""
    return Path(str(resources.files("auditlib").joinpath(name))).resolve()


def _folder(env: str, name: str) -> Path:
    override = os.environ.get(env)
    if override:
        p = Path(override)
        if not p.is_dir():
            raise ResourceError(
                f"{env}={override} is not a directory; point it at the {name}/ folder"
            )
        return p
    p = packaged_dir(name)
    if not p.is_dir():
        raise ResourceError(
            f"the installed auditlib package has no {name}/ folder ({p}); "
            f"reinstall it, or set {env} to the folder of the checkout"
        )
    return p


def notebooks_dir() -> Path:
    """``$AUDITLIB_NOTEBOOKS``, else the package's ``notebooks/``."""
    return _folder(NOTEBOOKS_ENV, "notebooks")


def expectations_dir() -> Path:
    """``$AUDITLIB_EXPECTATIONS_DIR``, else the package's ``expectations/`` (the gate suites)."""
    return _folder(EXPECTATIONS_ENV, "expectations")
