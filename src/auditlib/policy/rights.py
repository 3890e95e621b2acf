"""POL-10 (rights stated more narrowly than the GDPR allows) and POL-11 (vague retention)."""

from __future__ import annotations

import re

from auditlib.config import Params
from auditlib.policy.checklist import Checklist, any_match
from auditlib.policy.document import PolicyDocument
from auditlib.policy.findings import PolicyFinding, on_sentence
from auditlib.policy.promises import durations

RETENTION_PARAMS = (
    "support_ticket_retention_months",
    "cookie_consent_retention_months",
    "login_event_retention_months",
    "accounting_retention_years",
)


_REQUEST = re.compile(r"\b(begäran|förfrågan|förfrågningar|requests?)\b")
_ANSWER = re.compile(r"\b(besvar\w{0,4}|svar\w{0,3}|respond\w{0,3}|answer\w{0,3}|reply)\b")
_EXTENSION = re.compile(r"\b(förläng\w{0,4}|extend\w{0,3}|extension)\b")
RESPONSE = {
    "id": "response_time",
    "article": "Art. 12(3)",
    "review": "The answer time promised is longer than the GDPR's one month (Art. "
    "12(3)); two more months are allowed only as an extension, with reasons, "
    "notified within the first month.",
}


def _slow_answer(norm: str) -> bool:
    """A data-subject request answered 'within N' with N longer than one month, no extension."""
    if not (_REQUEST.search(norm) and _ANSWER.search(norm)) or _EXTENSION.search(norm):
        return False
    for written, months in durations(norm):
        if months is not None and months > 1:
            return True
        n = re.match(r"\d{1,3}", written)
        if months is None and n and ("dag" in written or "day" in written) and int(n.group(0)) > 31:
            return True
    return False


def check_narrowing(doc: PolicyDocument, cl: Checklist) -> list[PolicyFinding]:
    out = []
    for s in doc.sentences:
        points = [
            {"point": n.id, "article": n.article, "review": n.point_en}
            for n in cl.narrowings
            if n.matches(s.norm)
        ]
        if _slow_answer(s.norm):
            points.append(dict(RESPONSE))
        if not points:
            continue
        arts = "; ".join(dict.fromkeys(p["article"] for p in points))
        out.append(
            on_sentence(
                "POL-10",
                s,
                f"for legal review ({arts}): " + " ".join(p["review"] for p in points),
                points=points,
            )
        )
    return out


def check_vague_retention(
    doc: PolicyDocument, cl: Checklist, params: Params
) -> list[PolicyFinding]:
    out = []
    plan = {k: getattr(params, k) for k in RETENTION_PARAMS}
    for s in doc.sentences:
        n = s.norm
        vague = any_match(cl.retention_vague, n)
        if vague and any_match(cl.retention_context, n) and not any_match(cl.retention_concrete, n):
            out.append(
                on_sentence(
                    "POL-11",
                    s,
                    f"retention is given without a period ('{vague.group(0)}'"
                    f"; {cl.retention_article}); "
                    "state the period or the specific criterion per category of data "
                    f"(the audit already tests {', '.join(f'{k} = {v}' for k, v in plan.items())})",
                    article=cl.retention_article,
                    audited_periods=plan,
                )
            )
    return out
