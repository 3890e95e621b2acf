"""Mask the secret parts of anything that looks like a source string before it is shown.

A ``--source`` value is echoed in error messages, logs and summaries; a mistyped one
(``POSTGRESQL://auditor:PW@host/db``, ``postgresql:/auditor:PW@host/db``,
``host=db password=PW``) must not carry its password there. :func:`mask_secrets`
masks, in any text:

- the password of URL user info, whatever the scheme and its case, and with one or
  no slash after the colon (``scheme:[/[/]]user:PASSWORD@``);
- ``password=`` / ``passwd=`` / ``pwd=`` / ``sslpassword=`` / ``token=`` / ``secret=``
  values, as libpq ``key=value`` pairs (quoted or not) and as URL query parameters.

Decision: the user name and host stay visible (they say which database was meant and
are not secrets); only the secret is replaced by ``***``. Linear in the text (bounded
patterns, no nested quantifiers).
"""

from __future__ import annotations

import re

MASK = "***"

# A white-space delimited token that ends in '@' and holds a ':': after an optional scheme
# with slashes ("postgresql://", "POSTGRES:/"), the user, ':' and the password up to '@'.
# Matches start only at a token start (the look-behind) and each scan stops at white space
# or '@', so the work is linear in the text.
_USERINFO = re.compile(
    r"(?<![^\s@])((?:[A-Za-z][\w+.-]{0,30}:/{1,3}[^\s@:/]*:)|(?:[^\s@:/]*:(?!/)))[^\s@]*@")
_SECRET_KEYS = r"(?:password|passwd|pwd|sslpassword|pass|token|secret|api_?key)"
# key=value (libpq: optional spaces around '=', value quoted with '' or bare).
_KEYVALUE = re.compile(
    rf"(?<![\w])({_SECRET_KEYS})(\s{{0,8}}=\s{{0,8}})('(?:[^'\\]|\\.){{0,1024}}'|[^\s&;]{{1,1024}})",
    re.I,
)


def mask_secrets(text: str) -> str:
    """``text`` with URL passwords and ``password=...`` values replaced by ``***``.

    >>> mask_secrets("POSTGRESQL://auditor:PW@db/x")
    'POSTGRESQL://auditor:***@db/x'
    >>> mask_secrets("postgresql:/auditor:PW@db/x")
    'postgresql:/auditor:***@db/x'
    >>> mask_secrets("host=db user=a password = 'p w' dbname=x")
    'host=db user=a password = *** dbname=x'
    >>> mask_secrets("postgresql://a@db/x?sslmode=require&password=PW")
    'postgresql://a@db/x?sslmode=require&password=***'
    """
    if not text:
        return text
    out = _USERINFO.sub(rf"\1{MASK}@", text) if "@" in text else text
    if "=" in out:
        out = _KEYVALUE.sub(rf"\1\2{MASK}", out)
    return out


def looks_like_connection_string(text: str) -> bool:
    """True when ``text`` could be a (mistyped) URL or a libpq ``key=value`` string."""
    return bool(re.search(r"[A-Za-z][\w+.-]*:/|@|\w\s*=", text))

