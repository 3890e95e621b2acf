"""Quoting the policy in findings without personal data.

A policy may print the company's e-mail address or phone number, or a sole trader's
personal identity number as organisation number. Quotes in findings redact e-mail
addresses, phone numbers, IP addresses and personal identity numbers (the findings
contract: no e-mail, phone or IP in clear), and are cut to a readable length.
"""

from __future__ import annotations

import re

from auditlib.redaction import REDACTED
from auditlib.redaction import redact as redact_personal

QUOTE_MAX = 400
# Swedish phone numbers written nationally: 08-123 456 78, 070 123 45 67, 0771-123 123.
_NATIONAL_PHONE = re.compile(r"(?<![\w+-])0\d{1,3}[- ]?\d{2,4}(?:[ -]?\d{2,3}){1,3}(?![\w-])")
# YYMMDD-NNNN / YYYYMMDD-NNNN with a month digit 0/1: the form of a personal identity number.
_PERSONNUMMER = re.compile(r"(?<!\d)(?:19|20)?\d{2}[01]\d[0-3]\d[-+ ]?\d{4}(?!\d)")


def redact(text: str) -> str:
    t = redact_personal(text, limit=None)
    t = _PERSONNUMMER.sub(REDACTED, t)
    return _NATIONAL_PHONE.sub(REDACTED, t)


def quote(text: str) -> str:
    t = redact(text)
    return t if len(t) <= QUOTE_MAX else t[: QUOTE_MAX - 1] + "…"
