"""The one redaction function at the boundary where data leaves the snapshot.

Everything that can quote data and leaves the snapshot (finding messages and evidence,
rule and notebook errors, gate messages, results/*.json, summary.json, run.log, the
report, the terminal) goes through :func:`redact` (or :func:`redact_data` for nested
values) where it is *created*: the rule engine's ``Finding``/``RuleResult``, the gate
rows of the quality package, the runner's notebook outcomes and its log formatter.
It returns the text

1. with passwords of anything that looks like a URL or conninfo masked
   (:func:`mask_secrets`);
2. with e-mail addresses, phone numbers (``+46 70 123 45 67``, ``070-123 45 67``,
   ``0046...``) and IPv4/IPv6 addresses replaced by ``[redacted]``, also when glued to
   other text (``10.66.77.88line1``, ``tel0701234567``, ``xanna@example.se``);
3. with control and invisible format characters escaped (``\\x1b``, ``\\x00``, ``\\u202e``
   for BIDI overrides, lone surrogates), so nothing raw reaches a terminal or log;
4. cut to ``limit`` characters with the original length shown.

Every step is linear in the input: the patterns have bounded quantifiers and start only
at an anchor (``@``, a token start, a digit after a non-digit), so a 2 MB value costs
milliseconds, not hours (issue 12: the old e-mail pattern backtracked quadratically).
Long values are first cut to ``limit`` plus a margin larger than any address, redacted,
then cut to ``limit``, so a cut never leaves half an address readable.

Decisions: file digests (a run of 32 or more hex digits standing alone) are kept
(``keep_hashes=True``, the default): DQ-06 messages name the sha256 a manifest expected,
and a digest is not personal data; the report removes them too (``keep_hashes=False``).
Phone numbers are recognised only with a leading ``+`` or ``0`` and 7 to 15 digits, so
ids, counts and ISO dates are left alone. In source strings (a mistyped ``--source``:
``POSTGRESQL://auditor:PW@host/db``, ``postgresql:/auditor:PW@...``, ``password=PW``)
only the secret is masked: user and host say which database was meant.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"
_NEEDS_WORK = re.compile(r"[\d@:=]")
MESSAGE_LIMIT = 2000  # characters of one message / error / value that are kept
_MARGIN = 512  # longer than any address the patterns below can match

# ---- secrets in source strings (URL user info, key=value) ------------------------------
MASK = "***"

# A white-space delimited token that ends in '@' and holds a ':': after an optional scheme
# with slashes ("postgresql://", "POSTGRES:/"), the user, ':' and the password up to '@'.
# Matches start only at a token start (the look-behind) and each scan stops at white space
# or '@', so the work is linear in the text.
_USERINFO = re.compile(
    r"(?<![^\s@])((?:[A-Za-z][\w+.-]{0,30}:/{1,3}[^\s@:/]*:)|(?:[^\s@:/]*:(?!/)))[^\s@]*@"
)
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


# ---- e-mail: the domain is found from each '@'; the local part by scanning back.
_DOMAIN = re.compile(r"@[\w\\-]{1,63}(?:\.[\w\\-]{1,63}){1,8}")
_LOCAL_REV = re.compile(r"[\w.+\\-]{0,128}")  # matched on the reversed text before '@'
# ---- IPv4: not preceded by a digit or dot; glued letters after it are fine.
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}")
# ---- IPv6: full form or '::' compressed with at least one group; starts only where the
# previous character is not hex or ":" (so a run is tried once), not followed by ":"
# (glued hex letters after it are cut off, not a reason to keep the address).
_H = r"[0-9A-Fa-f]{1,4}"
_IPV6 = re.compile(
    rf"(?<![0-9A-Fa-f:])(?:(?:{_H}:){{7}}{_H}|(?:{_H}:){{1,6}}:{_H}(?::{_H}){{0,5}}"
    rf"|(?:{_H}:){{2,7}}:|::{_H}(?::{_H}){{0,6}})(?!:)"
)
# ---- phones: "+", "00" or "0", a non-zero digit, then 6..14 digits, up to two
# separators between digits.
_PHONE = re.compile(r"(?<![\d+:./-])(?:\+|00|0)[1-9](?:[ ()/-]{0,2}\d){6,14}")
# ---- digests kept as they are (whole tokens of >= 32 hex digits).
_HEX_HASH = re.compile(r"(?<![0-9A-Za-z@._+-])[0-9A-Fa-f]{32,}(?![0-9A-Za-z@._+-])")


def _escape_table() -> dict[int, str]:
    cps = [
        *range(0x00, 0x20),
        *range(0x7F, 0xA0),
        0xAD,
        *range(0x600, 0x606),
        0x61C,
        0x6DD,
        0x70F,
        0x180E,
        *range(0x200B, 0x2010),
        *range(0x2028, 0x202F),
        *range(0x2060, 0x2065),
        *range(0x2066, 0x2070),
        0xFEFF,
        *range(0xFFF9, 0xFFFC),
        *range(0xD800, 0xE000),
        0xE0001,
        *range(0xE0020, 0xE0080),
    ]
    return {
        cp: (f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}")
        for cp in cps
    }


_ESCAPES = _escape_table()


def escape_controls(text: str) -> str:
    """Control, BIDI/format characters and lone surrogates as visible escapes.

    >>> escape_controls("SE\\x1b[2J\\u202eOK\\n")
    'SE\\\\x1b[2J\\\\u202eOK\\\\x0a'
    """
    return text.translate(_ESCAPES)


def _redact_emails(text: str) -> str:
    if "@" not in text:
        return text
    out: list[str] = []
    last = 0
    for m in _DOMAIN.finditer(text):
        at = m.start()
        window = text[max(last, at - 128) : at]
        local = _LOCAL_REV.match(window[::-1])
        start = at - (local.end() if local else 0)
        out.append(text[last:start])
        out.append(REDACTED)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _redact_personal(text: str) -> str:
    text = _redact_emails(text)
    if "." in text:
        text = _IPV4.sub(REDACTED, text)
    if ":" in text:
        text = _IPV6.sub(REDACTED, text)
    return _PHONE.sub(REDACTED, text)


def redact(value: Any, limit: int | None = MESSAGE_LIMIT, keep_hashes: bool = True) -> str:
    """``value`` as text fit to leave the snapshot (see the module doc).

    >>> redact("user_id=7 anna@example.se from 10.66.77.88line1 tel +46 70-123 45 67")
    'user_id=7 [redacted] from [redacted]line1 tel [redacted]'
    >>> redact("x" * 5000, limit=10)
    'xxxxxxxxxx... [truncated: 5000 characters]'
    """
    text = value if isinstance(value, str) else str(value)
    n = len(text)
    # Fast path (reports pass every message of 100,000 findings): every pattern needs a
    # digit, '@', ':' or '='; escapes need a non-printable character.
    if (limit is None or n <= limit) and text.isprintable() and not _NEEDS_WORK.search(text):
        return text
    if limit is not None and n > limit:
        text = text[: limit + _MARGIN]
    text = mask_secrets(text)
    if keep_hashes and len(text) >= 32:
        parts, last = [], 0
        for m in _HEX_HASH.finditer(text):
            parts += [_redact_personal(text[last : m.start()]), m.group()]
            last = m.end()
        parts.append(_redact_personal(text[last:]))
        text = "".join(parts)
    else:
        text = _redact_personal(text)
        if not keep_hashes:
            text = _HEX_HASH.sub(REDACTED, text)
    text = escape_controls(text)
    if limit is not None and n > limit:
        text = f"{text[:limit]}... [truncated: {n} characters]"
    return text


def redact_data(value: Any, limit: int | None = MESSAGE_LIMIT) -> Any:
    """:func:`redact` every string (keys included) in nested dicts, lists and tuples."""
    if isinstance(value, str):
        return redact(value, limit)
    if isinstance(value, dict):
        return {
            redact(k, limit) if isinstance(k, str) else k: redact_data(v, limit)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_data(v, limit) for v in value]
    return value


class RedactingFormatter(logging.Formatter):
    """A log formatter for run.log and the terminal: the data parts of a record (its
    arguments, or a message built without arguments) and every traceback line go
    through :func:`redact`, so logs carry no personal data and no raw control characters
    (a newline inside a value cannot forge a log line)."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(a if isinstance(a, int | float) else redact(a) for a in args)
        else:
            record.msg = redact(record.msg, limit=None)
        return super().format(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return "\n".join(redact(line) for line in super().formatException(ei).splitlines())

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return "\n".join(redact(line) for line in stack_info.splitlines())
