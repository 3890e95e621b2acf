"""HMAC-SHA256 pseudonyms and e-mail normalisation as Spark Column expressions.

The same HMAC as :mod:`auditlib.snapshot.pseudonym` (DuckDB macros), built from the same
padded keys (``_padded``): ``sha2((K' xor opad) || unhex(sha2((K' xor ipad) || m)))``, with
Spark's ``sha2`` on BINARY. The padded keys enter the plan as literals of this session's
query only; nothing is written anywhere. NULL stays NULL.

Regular expressions are Java's here: ``\\v`` in Java is a *class* of vertical white space
(it would also strip U+0085, U+2028, U+2029), so the vertical tab is spelled ``\\x0B`` to
trim exactly what DuckDB and :func:`auditlib.snapshot.pseudonym.normalise_email` trim.
"""

from __future__ import annotations

from typing import Any

from auditlib.snapshot.pseudonym import _padded

# space, tab, CR, LF, FF, VT at either end (normalise_email's _WS)
_EDGE_WS = r"^[ \t\r\n\f\x0B]+|[ \t\r\n\f\x0B]+$"
# a character that is not white space (Java: \s includes VT; \p{Z} = Unicode separators)
NOT_BLANK = r"[^\s\x0B\p{Z}]"


def hmac_column(value: Any, key: bytes) -> Any:
    """HMAC-SHA256 hex (lower case) of the UTF-8 bytes of the string Column ``value``."""
    from pyspark.sql import functions as F

    ipad, opad = _padded(key)
    inner = F.sha2(F.concat(F.unhex(F.lit(ipad.hex())), F.encode(value, "UTF-8")), 256)
    return F.sha2(F.concat(F.unhex(F.lit(opad.hex())), F.unhex(inner)), 256)


def email_norm_column(value: Any) -> Any:
    """Trimmed (space, tab, CR, LF, FF, VT), lower-cased; empty after that = NULL."""
    from pyspark.sql import functions as F

    v = F.lower(F.regexp_replace(value, _EDGE_WS, ""))
    return F.when(v != F.lit(""), v)
