"""What a text value must look like to be read as a schema type (CSV columns, text columns).

DuckDB's and Spark's casts from text differ at the edges: DuckDB reads ``'42.5'`` as the
BIGINT 43, ``'0x10'`` as 16, ``'1_000'`` as 1000, ``'2024/03/01'`` as a date and
``'24:00:00'`` as the next midnight; Spark refuses all of these but accepts a blank before a
time zone offset and ``'false '`` as a boolean. An audit must not depend on the engine, and
silently rounding an id or guessing a date is not reading it. So a text value is cast only
when it has the plain shape of its type below (decision, both engines, no guessing):
integers are digits with an optional sign; dates ``YYYY-M-D``; booleans ``true/false/t/f/
yes/no/y/n/1/0`` in any case; timestamps a date, ``T`` or a blank, a time of day with hour
00-23 and an offset (``Z``, ``+01``, ``+0100``, ``+01:00``: the export format promises ISO
8601 with offset, and a time zone is never guessed). Leading and trailing blanks are allowed
(both engines trim them; not around a boolean, which DuckDB refuses). Anything else is a ``cast_failure`` (NULL in the snapshot, DQ-01
fails). Decimals and doubles cast alike on both engines and need no shape.

The patterns use only constructs RE2 (DuckDB) and java.util.regex (Spark) read alike.

>>> import re
>>> [bool(re.fullmatch(shape("BIGINT"), v)) for v in ("42", " -7 ", "42.5", "0x10", "1_000")]
[True, True, False, False, False]
>>> [bool(re.fullmatch(shape("TIMESTAMPTZ"), v)) for v in (
...     "2024-03-01T10:00:00+00:00", "2024-03-01 10:00:00.5Z", "2024-03-01T10:00:00",
...     "2024-03-01T24:00:00+00:00", "2024-03-01T10:00:00 +01:00")]
[True, True, False, False, False]
"""

from __future__ import annotations

_B = " *"  # the blanks both engines trim
_DATE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
_INT = rf"^{_B}[+-]?[0-9]+{_B}$"
SHAPES: dict[str, str] = {
    "BIGINT": _INT,
    "INTEGER": _INT,
    "SMALLINT": _INT,
    "DATE": rf"^{_B}{_DATE}{_B}$",
    "BOOLEAN": r"^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[TtFfYyNn01]|[Yy][Ee][Ss]|[Nn][Oo])$",
    "TIMESTAMPTZ": (
        rf"^{_B}{_DATE}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?"
        rf"([Zz]|[+-][0-9]{{2}}(:?[0-9]{{2}})?){_B}$"
    ),
}


def shape(duck_type: str) -> str | None:
    """The shape a text value must have to be cast to ``duck_type`` (None: any text)."""
    t = duck_type.upper().strip()
    return SHAPES.get("TIMESTAMPTZ" if t == "TIMESTAMP WITH TIME ZONE" else t)
