"""POL-01: the information of GDPR Art. 13/14, element by element (data/policy_checklist.toml)."""

from __future__ import annotations

from auditlib.policy.checklist import Checklist, Element, any_match
from auditlib.policy.document import PolicyDocument, Sentence
from auditlib.policy.findings import PolicyFinding, cited


def dead_delegation(s: Sentence, doc: PolicyDocument, cl: Checklist) -> bool:
    """The sentence only points to a link without a target for its information."""
    dead = [lk for lk in s.links if not lk.has_target(doc.anchors)]
    return bool(dead) and any_match(cl.delegation, s.norm) is not None


def _matches_all(e: Element, sentences: list[Sentence]) -> bool:
    if e.scope == "sentence":
        return any(all(any_match(g, s.norm) for g in e.groups) for s in sentences)
    return all(any(any_match(g, s.norm) for s in sentences) for g in e.groups)


def element_present(e: Element, doc: PolicyDocument, cl: Checklist) -> bool:
    usable = [s for s in doc.sentences if not dead_delegation(s, doc, cl)]
    if e.scope == "section":
        return any(
            _matches_all(e, [s for s in usable if s.section == sec.ref]) for sec in doc.sections
        )
    return _matches_all(e, usable)


def triggered(e: Element, doc: PolicyDocument) -> list[Sentence]:
    if not e.trigger:
        return []
    return [
        s
        for s in doc.sentences
        if any_match(e.trigger, s.norm) and not any_match(e.trigger_unless, s.norm)
    ]


def check_completeness(doc: PolicyDocument, cl: Checklist) -> list[PolicyFinding]:
    out = []
    for e in cl.elements:
        because = triggered(e, doc)
        if e.trigger and not because:
            continue  # not required by this text (no DPO named, no transfer mentioned)
        if element_present(e, doc, cl):
            continue
        delegated = [
            s
            for s in doc.sentences
            if dead_delegation(s, doc, cl)
            and (
                all(any_match(g, s.norm) for g in e.groups)
                or any(any_match(g, s.norm) for g in e.groups[:1])
            )
        ]
        msg = f"{e.title_en} ({e.article}) is missing"
        if delegated:
            links = sorted(
                {lk.text for s in delegated for lk in s.links if not lk.has_target(doc.anchors)}
            )
            msg += (
                ": the text only refers to a link without a target ("
                + ", ".join(f"'{t}'" for t in links)
                + ")"
            )
        evidence = {
            "element": e.id,
            "article": e.article,
            "element_sv": e.title_sv,
            "element_severity": e.severity,
            "delegated_to_dead_link": [cited(s) for s in delegated],
        }
        if because:
            evidence["required_because"] = [cited(s) for s in because[:3]]
        out.append(PolicyFinding("POL-01", "policy_section", f"element:{e.id}", msg, evidence))
    return out
