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

from auditlib.redaction import REDACTED, mask_secrets, redact

# Keys whose values could be personal data (in clear or hashed), or free text that could hold it.
PERSONAL_KEY = re.compile(
    r"(e_?mail|name|phone|ip_?addr|\bip\b|^ip_|_ip$|hmac|hash|user_agent|body|password|"
    r"visitor|contact|address|subject_line|org_number)",
    re.I,
)
# Keys of a source description / parameters that could carry a secret.
SECRET_KEY = re.compile(r"(password|passwd|secret|token|credential|pgpass|api_?key|private)", re.I)
__all__ = [
    "PERSONAL_KEY",
    "REDACTED",
    "SECRET_KEY",
    "safe_description",
    "safe_evidence",
    "scrub_personal",
    "scrub_text",
]


def scrub_personal(value: str) -> str:
    """Replace e-mail addresses, IPs, phone numbers and passwords; keep hashes.

    For texts that may legitimately carry file digests (a DQ-06 message names the
    sha256 a manifest expected), e.g. the gate messages the runner copies into
    summary.json. The work is :func:`auditlib.redaction.redact` (linear in the text).

    >>> scrub_personal("row user_id=7 of a@b.se from 10.0.0.1, sha256 " + "ab" * 32)[:44]
    'row user_id=7 of [redacted] from [redacted],'
    """
    return redact(value, keep_hashes=True)


def scrub_text(value: str) -> str:
    """Replace e-mail addresses, IPs, phone numbers, hashes and passwords in a string."""
    return redact(value, keep_hashes=False)


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
    return {str(k): _scrub_value(v) for k, v in evidence.items() if not PERSONAL_KEY.search(str(k))}


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
            v = mask_secrets(v)
        elif isinstance(v, dict):
            v = safe_description(v)
        out[str(k)] = v
    return out
