"""Spark's errors in one line, without the data they quote.

Spark's messages carry a JVM stack trace and often the record a task failed on (a malformed
CSV row, a value that could not be cast): text that must not reach an issue, a gate or rule
message, a log or the terminal. What is kept is Spark's error class
(``UNABLE_TO_ACQUIRE_MEMORY``, ``MALFORMED_CSV_RECORD``), which says what went wrong.
"""

from __future__ import annotations

import re


def spark_error_text(exc: BaseException) -> str:
    """A Spark error reduced to its error classes (``MALFORMED_CSV_RECORD``, ...): Spark's
    messages quote the record they failed on, which may be personal data, so no free text
    of the message is kept.

    >>> spark_error_text(RuntimeError("[FAILED_READ_FILE.NO_HINT] x\\n[MALFORMED_CSV_RECORD] a@b.se"))
    'Spark error FAILED_READ_FILE.NO_HINT, MALFORMED_CSV_RECORD'
    """

    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - py4j's str() fails when the JVM is gone
        text = ""
    classes = list(dict.fromkeys(re.findall(r"\[([A-Z][A-Z0-9_]+(?:\.[A-Z0-9_]+)*)\]", text)))
    if not classes:
        lost = "the Spark JVM is gone" if not text else type(exc).__name__
        return f"Spark error ({lost})"
    return "Spark error " + ", ".join(classes[:4])


class SparkQueryError(RuntimeError):
    """A Spark query failed; the message is :func:`spark_error_text` of Spark's error."""
