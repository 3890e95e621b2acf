"""Importing the Jupyter stack without the cost of an unused ``jsonschema`` format checker.

``nbformat`` imports ``jsonschema`` for notebook validation, and ``jsonschema`` imports
the optional ``rfc3987_syntax`` (pulled in by ``jupyter-events``), which compiles a Lark
grammar at import: about 2 CPU-seconds in every process that reads or writes a notebook
(each notebook worker and the report). That package only serves the ``iri`` and
``iri-reference`` string formats, and format checks are off in nbformat's validation
(no format checker is passed; the notebook schema names no such format), so nothing
that runs here uses it.

:func:`skip_unused_format_checker` marks it as absent (``sys.modules[name] = None``, the
documented way to make an import fail) before the first ``jsonschema`` import; a process
that already imported it is left alone. Validation itself is unchanged: every notebook
is still validated against the nbformat schema.
"""

from __future__ import annotations

import sys

UNUSED = ("rfc3987_syntax",)


def skip_unused_format_checker() -> None:
    if "jsonschema" in sys.modules:
        return
    for name in UNUSED:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
