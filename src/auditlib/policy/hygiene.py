"""POL-02..07: links, identifiers, obsolete names, truncation, headings, version date."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Any

from auditlib.policy.checklist import Checklist, any_match
from auditlib.policy.document import PolicyDocument, Sentence, normalise
from auditlib.policy.findings import PolicyFinding, cited, on_sentence
from auditlib.policy.quote import REDACTED


# --------------------------------------------------------------------------- POL-02
def check_links(doc: PolicyDocument, cl: Checklist) -> list[PolicyFinding]:
    by_sentence: dict[str, tuple[Sentence, list[Any]]] = {}
    for s, lk in doc.dead_links():
        by_sentence.setdefault(s.ref, (s, []))[1].append(lk)
    out = []
    for s, links in by_sentence.values():
        texts = ", ".join(f"'{lk.text}'" for lk in links)
        out.append(
            on_sentence(
                "POL-02",
                s,
                f"link {texts} has no target: the reader cannot reach what it promises",
                links=[{"text": lk.text, "target": lk.target} for lk in links],
            )
        )
    return out


# --------------------------------------------------------------------------- POL-03
_ORGNR = re.compile(r"(?<![\d-])(\d{6}) ?(-?) ?(\d{4})(?![\d-])")
_ORG_CONTEXT = re.compile(
    r"\b(org\w{0,16}|organisationsnummer|registration|corporate identity|"
    r"reg\.? ?(no|nr)|company (no|number))\b"
)
_VAT = re.compile(r"\bse ?(\d{10}) ?01\b")
_COMPANY = re.compile(r"\b([A-ZÅÄÖ][\w&-]{1,30}(?: [A-ZÅÄÖ][\w&-]{1,30}){0,2}) (AB|Aktiebolag)\b")
_DOC_NAME = re.compile(
    r"\b(?:denna|detta|this|these) ([a-zåäö-]{3,30}polic(?:y|yn|ies))\b|"
    r"\b(?:this|these) ((?:privacy|data protection) (?:policy|notice|statement))\b"
)
_TITLE_NAME = re.compile(r"^([a-zåäö-]{3,30}policy(?:n)?)$")


def luhn_ok(digits: str) -> bool:
    """Luhn check digit over a Swedish organisation (or identity) number's ten digits."""
    total = 0
    for i, ch in enumerate(digits[:-1]):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10 == int(digits[-1])


def _org_numbers(s: Sentence) -> list[str]:
    t = s.norm
    found = []
    for m in _ORGNR.finditer(t):
        digits = m.group(1) + m.group(3)
        ctx = t[max(0, m.start() - 30) : m.start()]
        if _ORG_CONTEXT.search(ctx) or (m.group(2) and int(digits[2]) >= 2):
            found.append(digits)
    found += [m.group(1) for m in _VAT.finditer(t)]
    return found


def _show(digits: str) -> str:
    """An organisation number as text; the form of a personal identity number is redacted."""
    return f"{digits[:6]}-{digits[6:]}" if int(digits[2]) >= 2 else REDACTED


def check_identifiers(doc: PolicyDocument, cl: Checklist) -> list[PolicyFinding]:
    points: dict[str, list[str]] = defaultdict(list)
    variants: dict[str, list[dict[str, Any]]] = defaultdict(list)
    sentences = {s.ref: s for s in doc.sentences}

    occ = [(s, d) for s in doc.sentences for d in _org_numbers(s)]
    distinct = list(dict.fromkeys(d for _, d in occ))
    if distinct:
        valid = {d: luhn_ok(d) for d in distinct}
        if len(distinct) > 1:
            good = [d for d in distinct if valid[d]]
            deviating = [d for d in distinct if not valid[d]] if len(good) == 1 else distinct[1:]
        else:
            deviating = [d for d in distinct if not valid[d]]
        listing = [
            {
                "value": _show(d),
                "valid_check_digit": valid[d],
                "refs": [s.ref for s, x in occ if x == d],
            }
            for d in distinct
        ]
        for d in deviating:
            s = next(s for s, x in occ if x == d)
            why = (
                "written differently from " + ", ".join(_show(x) for x in distinct if x != d)
                if len(distinct) > 1
                else "the only organisation number of the text"
            )
            check = "fails" if not valid[d] else "passes"
            points[s.ref].append(
                f"organisation number {_show(d)} {check} the Luhn check digit and is {why}"
            )
            variants[s.ref] = listing

    for label, found in (
        ("company name", _companies(doc)),
        ("name of this document", _doc_names(doc)),
    ):
        by_key: dict[str, list[tuple[Sentence, str]]] = defaultdict(list)
        for s, surface, key in found:
            by_key[key].append((s, surface))
        for items in by_key.values():
            forms = list(dict.fromkeys(x for _, x in items))
            if len(forms) < 2:
                continue
            counts = {f: sum(1 for _, x in items if x == f) for f in forms}
            main = max(forms, key=lambda f: (counts[f], -forms.index(f)))
            for f in forms:
                if f == main:
                    continue
                s = next(s for s, x in items if x == f)
                points[s.ref].append(f"{label} written '{f}' here and '{main}' elsewhere")
                variants[s.ref] = variants[s.ref] or [
                    {"value": x, "refs": sorted({s2.ref for s2, y in items if y == x})}
                    for x in forms
                ]
    return [
        on_sentence(
            "POL-03",
            sentences[ref],
            "; ".join(p) + ": one identifier must be written one way",
            points=p,
            variants=variants[ref],
        )
        for ref, p in points.items()
    ]


def _companies(doc: PolicyDocument) -> list[tuple[Sentence, str, str]]:
    out = []
    for s in doc.sentences:
        for m in _COMPANY.finditer(s.text):
            surface = f"{m.group(1)} {m.group(2)}"
            first = re.sub(r"[\s-]", "", m.group(1).split()[0].casefold())
            out.append((s, surface.replace("Aktiebolag", "AB"), "company:" + first))
    return out


def _doc_names(doc: PolicyDocument) -> list[tuple[Sentence, str, str]]:
    out: list[tuple[Sentence, str, str]] = []
    title = doc.headings[0].heading if doc.headings else ""
    tm = _TITLE_NAME.match(normalise(title))
    first = doc.headings[0].sentences[0] if doc.headings and doc.headings[0].sentences else None
    if tm and first is not None:
        out.append((first, tm.group(1).removesuffix("n"), "document"))
    for s in doc.sentences:
        for m in _DOC_NAME.finditer(s.norm):
            name = (m.group(1) or m.group(2) or "").removesuffix("n")
            if name.startswith("cookie"):
                continue
            out.append((s, name, "document"))
    return out


# --------------------------------------------------------------------------- POL-04
_FORMER = re.compile(
    r"\b(tidigare|f\.d\.?|före detta|numera|formerly|previously|now called|"
    r"bytte namn|renamed|ersatt\w{0,2}|replaced)\b"
)


def check_superseded(doc: PolicyDocument, cl: Checklist, as_of: date) -> list[PolicyFinding]:
    out = []
    for s in doc.sentences:
        hits = [
            x
            for x in cl.superseded
            if x.since <= as_of
            and any_match(x.patterns, s.norm)
            and not any_match(x.successor, s.norm)
            and not _FORMER.search(s.norm)
        ]
        if hits:
            msg = "; ".join(
                f"{x.name} ({x.kind}) no longer exists since {x.since}: {x.replaced_by}"
                for x in hits
            )
            out.append(
                on_sentence(
                    "POL-04",
                    s,
                    msg,
                    superseded=[
                        {
                            "superseded": x.name,
                            "kind": x.kind,
                            "replaced_by": x.replaced_by,
                            "since": x.since.isoformat(),
                        }
                        for x in hits
                    ],
                )
            )
    return out


# --------------------------------------------------------------------------- POL-05
_ADDRESS_END = re.compile(r"(www\.|https?://|@)\S{1,200}$|\.[a-z]{2,6}/?$")


def truncated_reason(s: Sentence, nxt: Sentence | None, cl: Checklist) -> str | None:
    placeholder = any_match(cl.placeholders, s.norm)
    if placeholder:
        return f"holds the placeholder '{placeholder.group(0)}'"
    if s.kind != "paragraph" or s.short_lines:
        return None
    t = s.text.rstrip()
    if t.endswith((",", ";")):
        return f"ends with '{t[-1]}'"
    if t.endswith(":"):
        follows_list = nxt is not None and nxt.kind == "list_item" and nxt.section == s.section
        return None if follows_list else "ends with ':' but no list follows"
    if s.terminated:
        return None
    last = re.sub(r"[\"')\]]", "", t.split()[-1]).casefold() if t.split() else ""
    if last in cl.dangling:
        return f"ends on '{last}', a word that cannot end a sentence"
    if s.last_in_block and s.block_sentences > 1:
        return "the paragraph's last sentence has no end, unlike the sentences before it"
    if (
        s.block_sentences == 1
        and len(t.split()) >= 6
        and not t[-1].isdigit()
        and not _ADDRESS_END.search(normalise(t))
    ):
        return "the paragraph has no end punctuation"
    return None


def check_truncation(doc: PolicyDocument, cl: Checklist) -> list[PolicyFinding]:
    sents = doc.sentences
    out = []
    for i, s in enumerate(sents):
        reason = truncated_reason(s, sents[i + 1] if i + 1 < len(sents) else None, cl)
        if reason:
            out.append(
                on_sentence("POL-05", s, f"the text stops mid-sentence ({reason})", reason=reason)
            )
    return out


# --------------------------------------------------------------------------- POL-06
def check_headings(doc: PolicyDocument, cl: Checklist) -> list[PolicyFinding]:
    first: dict[str, Any] = {}
    out = []
    for sec in doc.headings:
        key = normalise(sec.heading)
        if key not in first:
            first[key] = sec
            continue
        orig = first[key]
        out.append(
            PolicyFinding(
                "POL-06",
                "policy_section",
                sec.ref,
                f"heading '{sec.heading}' appears again (first as '{orig.ref}')",
                {
                    "heading": sec.heading,
                    "first_ref": orig.ref,
                    "repeat_ref": sec.ref,
                    "first_sentence_under_first": cited(orig.sentences[0])
                    if orig.sentences
                    else None,
                    "first_sentence_under_repeat": cited(sec.sentences[0])
                    if sec.sentences
                    else None,
                },
            )
        )
    return out


# --------------------------------------------------------------------------- POL-07
def version_dates(doc: PolicyDocument, cl: Checklist) -> list[str]:
    found = []
    for sec in doc.headings:
        m = any_match(cl.version_dates, normalise(sec.heading))
        if m:
            found.append(f"heading '{sec.heading}'")
    for s in doc.sentences:
        if any_match(cl.version_keywords, s.norm) and any_match(cl.version_dates, s.norm):
            found.append(s.ref)
    return found


def check_version_date(doc: PolicyDocument, cl: Checklist) -> list[PolicyFinding]:
    if version_dates(doc, cl):
        return []
    return [
        PolicyFinding(
            "POL-07",
            "policy_section",
            "document:version_date",
            "the policy states no version date (when it was last changed or from when it applies)",
            {"article": "Art. 12(1), 5(2)", "headings": [h.ref for h in doc.headings][:20]},
        )
    ]
