"""POL-10 (rights stated more narrowly than the GDPR allows) and POL-11 (vague retention)."""

from __future__ import annotations

from auditlib.config import Params
from auditlib.policy.checklist import Checklist, any_match
from auditlib.policy.document import PolicyDocument
from auditlib.policy.findings import PolicyFinding, on_sentence

RETENTION_PARAMS = ("support_ticket_retention_months", "cookie_consent_retention_months",
                    "login_event_retention_months", "accounting_retention_years")


def check_narrowing(doc: PolicyDocument, cl: Checklist) -> list[PolicyFinding]:
    out = []
    for s in doc.sentences:
        hits = [n for n in cl.narrowings if n.matches(s.norm)]
        if not hits:
            continue
        arts = "; ".join(dict.fromkeys(n.article for n in hits))
        out.append(on_sentence(
            "POL-10", s,
            f"for legal review ({arts}): " + " ".join(n.point_en for n in hits),
            points=[{"point": n.id, "article": n.article, "review": n.point_en} for n in hits]))
    return out


def check_vague_retention(doc: PolicyDocument, cl: Checklist,
                          params: Params) -> list[PolicyFinding]:
    out = []
    plan = {k: getattr(params, k) for k in RETENTION_PARAMS}
    for s in doc.sentences:
        n = s.norm
        if (any_match(cl.retention_context, n) and any_match(cl.retention_vague, n)
                and not any_match(cl.retention_concrete, n)):
            out.append(on_sentence(
                "POL-11", s,
                f"retention is given only as 'as long as necessary' ({cl.retention_article}); "
                "state the period or the specific criterion per category of data "
                f"(the audit already tests {', '.join(f'{k} = {v}' for k, v in plan.items())})",
                article=cl.retention_article, audited_periods=plan))
    return out
