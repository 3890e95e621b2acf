"""Lazy package exports (PEP 562), one definition for every package that uses them.

A package lists ``name -> submodule`` and gets a module ``__getattr__`` that imports the
submodule on first use and caches the value in the package namespace. This keeps
``import auditlib.runner`` (and ``auditlib.steps``, ``auditlib.report``) cheap in the
notebook workers and kernels, and stops runpy's warning about a package whose ``__init__``
already imported the module run with ``python -m``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package`` for ``exports`` (name -> submodule).

    >>> ns: dict[str, Any] = {}
    >>> get = lazy_getattr("json", {"JSONDecoder": "decoder"}, ns)
    >>> get("JSONDecoder").__name__, "JSONDecoder" in ns
    ('JSONDecoder', True)
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
