"""What may reach a report: ids, dates and counts, never personal data.

The engine already refuses evidence keys that name personal data; the report
checks again (defence in depth: findings.jsonl may come from an older version
or another tool) and also scrubs *values* that look like an e-mail address, an
IP address, a phone number or a hash, and source descriptions that could carry
a secret (a password in a conninfo string or URL).
"""

from __future__ import annotations

import re
from typing import Any

# Keys whose values could be personal data (in clear or hashed), or free text that could hold it.
PERSONAL_KEY = re.compile(
    r"(e_?mail|name|phone|ip_?addr|\bip\b|^ip_|_ip$|hmac|hash|user_agent|body|password|"
    r"visitor|contact|address|subject_line|org_number)",
    re.I,
)
# Keys of a source description / parameters that could carry a secret.
SECRET_KEY = re.compile(r"(password|passwd|secret|token|credential|pgpass|api_?key|private)", re.I)

REDACTED = "[redacted]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# Full form (8 groups) or compressed with "::"; never a clock time like 20:00:00.
_IPV6 = re.compile(
    r"(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
    r"|(?:[0-9a-f]{1,4}:){0,6}(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?)"
    r"(?![\w:])",
    re.I,
)
_PHONE = re.compile(r"(?<![\w-])\+\d[\d ()-]{6,}\d")
_HEX_HASH = re.compile(r"\b[0-9a-f]{32,}\b", re.I)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
_KV_PASSWORD = re.compile(r"\b(password|passwd)\s*=\s*('[^']*'|\S+)", re.I)


# Every pattern below needs one of these; a text without any is returned as it is (one
# search instead of seven substitutions: reports scrub every message of 100,000 findings).
_MAYBE = re.compile(r"@|\d\.\d|:|\+|[0-9a-f]{32}|passw", re.I)


def scrub_personal(value: str) -> str:
    """Replace e-mail addresses, IPs, phone numbers and passwords; keep hashes.

    For texts that may legitimately carry file digests (a DQ-06 message names the
    sha256 a manifest expected), e.g. the gate messages the runner copies into
    summary.json.

    >>> scrub_personal("row user_id=7 of a@b.se from 10.0.0.1, sha256 " + "ab" * 32)[:44]
    'row user_id=7 of [redacted] from [redacted],'
    """
    if not _MAYBE.search(value):
        return value
    v = _URL_PASSWORD.sub(r"\1***@", value)
    v = _KV_PASSWORD.sub(r"\1=***", v)
    v = _EMAIL.sub(REDACTED, v)
    v = _IPV4.sub(REDACTED, v)
    v = _IPV6.sub(REDACTED, v)
    return _PHONE.sub(REDACTED, v)


def scrub_text(value: str) -> str:
    """Replace e-mail addresses, IPs, phone numbers, hashes and passwords in a string."""
    if not _MAYBE.search(value):
        return value
    return _HEX_HASH.sub(REDACTED, scrub_personal(value))


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list | tuple):
        return [_scrub_value(v) for v in value]
    if isinstance(value, dict):
        return safe_evidence(value)
    return value


def safe_evidence(evidence: dict[str, Any] | None) -> dict[str, Any]:
    """Evidence without keys that could name personal data, values scrubbed."""
    if not isinstance(evidence, dict):
        return {}
    return {
        str(k): _scrub_value(v)
        for k, v in evidence.items()
        if not PERSONAL_KEY.search(str(k))
    }


def safe_description(desc: dict[str, Any] | None) -> dict[str, Any]:
    """A source description or parameter mapping without secrets (hashes are fine here:
    fingerprints and sha256 of files are evidence, not personal data)."""
    if not isinstance(desc, dict):
        return {}
    out: dict[str, Any] = {}
    for k, v in desc.items():
        if SECRET_KEY.search(str(k)):
            continue
        if isinstance(v, str):
            v = _KV_PASSWORD.sub(r"\1=***", _URL_PASSWORD.sub(r"\1***@", v))
        elif isinstance(v, dict):
            v = safe_description(v)
        out[str(k)] = v
    return out
