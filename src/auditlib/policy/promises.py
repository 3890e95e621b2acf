"""POL-08, POL-09: the audit's promises against the text.

POL-08: each catalogue rule's ``policy_sv`` must still be in the text.
POL-09: numbers and scopes of the text against the plan's parameters
(``offboarding_grace_months``, ``allowed_countries``) and DSR-03's free-access window
(the ``policy_terms`` of ``rules/catalogue/DSR-03.toml``).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from auditlib.config import EEA_EXTRA, EU27, Params
from auditlib.policy.document import PolicyDocument, Sentence, normalise
from auditlib.policy.findings import PolicyFinding, cited, on_sentence

SIMILAR = 0.5

NUMBERS = {
    "en": 1,
    "ett": 1,
    "ena": 1,
    "två": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "åtta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
    "arton": 18,
    "tjugofyra": 24,
    "trettio": 30,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "thirty": 30,
    "a": 1,
    "an": 1,
}
_NUM = r"(\d{1,3}|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + ")"
_DURATION = re.compile(
    r"\b" + _NUM + r"[ -]?(kalender)?(dagar|dag|dygn|veckor|vecka|"
    r"månaders|månader|månad|års|år|days?|weeks?|months?|years?)\b"
)
_UNIT_MONTHS = {
    "år": 12,
    "års": 12,
    "year": 12,
    "years": 12,
    "månad": 1,
    "månader": 1,
    "månaders": 1,
    "month": 1,
    "months": 1,
}

_END = re.compile(
    r"\b(upphör\w{0,4}|uppsägning\w{0,2}|sägs upp|avslut\w{0,4}|löper ut|"
    r"terminat\w{0,5}|expir\w{0,3}|(agreement|contract|subscription|relationship) "
    r"(ends|has ended|end)|end of the (agreement|contract|subscription))\b"
)
_DELETE = re.compile(
    r"\b(radera\w{0,3}|raderas|tas bort|ta bort|tar bort|gallra\w{0,2}|"
    r"förstör\w{0,3}|delete\w{0,1}|deleted|eras\w{0,3}|remove\w{0,1}|destroy\w{0,2})\b"
)

_SCOPE_CONTEXT = re.compile(
    r"\b(dela\w{0,3}|underleverantör\w{0,4}|leverantör\w{0,4}|lagr\w{0,4}|"
    r"behandl\w{0,4}|server\w{0,3}|datacenter|datahall\w{0,3}|överför\w{0,4}|"
    r"hosted|hosting|stored?|process\w{0,3}|shar\w{0,3}|sub-?processors?|"
    r"suppliers?|transfer\w{0,3})\b"
)
_OUTSIDE = re.compile(r"\b(utanför|outside|tredje ?land\w{0,3}|third countr\w{0,3})\b")
_NORDIC = frozenset({"SE", "DK", "FI", "NO", "IS"})
_SCOPES: tuple[tuple[re.Pattern[str], frozenset[str], str], ...] = (
    (
        re.compile(
            r"\beu ?/ ?ee[sa]\b|\beu (och|eller|samt|and|or) ee[sa]\b|\bee[sa]\b|"
            r"europeiska ekonomiska samarbetsområdet|european economic area"
        ),
        EU27 | EEA_EXTRA,
        "EU/EEA",
    ),
    (re.compile(r"\beu\b|\beu-\w{1,8}|europeiska unionen|european union"), EU27, "EU"),
    (
        re.compile(
            r"\b(i|inom|within|in) (sverige|sweden)\b|\bsvenska (servrar|datacenter|datahallar)\b"
        ),
        frozenset({"SE"}),
        "Sweden",
    ),
    (
        re.compile(r"\b(norden|nordiska länder\w{0,2}|nordic countries|the nordics)\b"),
        _NORDIC,
        "the Nordic countries",
    ),
)

_ACCESS = re.compile(
    r"\b(registerutdrag\w{0,3}|utdrag|kopia av|tillgång till|ta del av|access|copy)\b"
)
_FREE = re.compile(
    r"\b(kostnadsfri\w{0,3}|gratis|utan (kostnad|avgift)|avgiftsfri\w{0,2}|"
    r"free of charge|free|at no cost|without charge)\b"
)
_FREQ = re.compile(
    r"\b(en|ett|1|två|2|tre|3|fyra|4|one|two|three|four|once|twice) ?"
    r"(gång|gånger|times?)? ?(per|om|i|varje|a|each|every|/) ?"
    r"(kalenderåret|kalenderår|året|år|halvåret|halvår|kvartal|månad|"
    r"calendar year|year|half-year|quarter|month)\b"
)
_EVERY_N = re.compile(
    r"\b(var|every) (\d{1,2}|tolfte|sjätte|tredje|andra|twelve|six|three) "
    r"(månad|months?)\b"
)
_ANNUAL = re.compile(r"\b(årligen|annually|yearly)\b")
# "the first copy is free" is the GDPR's own wording (Art. 15(3)), not a frequency promise
_FIRST_COPY = re.compile(r"\b(första (kopia|kopian|utdrag|utdraget|registerutdraget)|first copy)\b")
_PERIOD_MONTHS = {
    "år": 12,
    "året": 12,
    "kalenderår": 12,
    "kalenderåret": 12,
    "year": 12,
    "calendar year": 12,
    "halvår": 6,
    "halvåret": 6,
    "half-year": 6,
    "kvartal": 3,
    "quarter": 3,
    "månad": 1,
    "month": 1,
}
_ORDINAL = {"tolfte": 12, "sjätte": 6, "tredje": 3, "andra": 2, "twelve": 12, "six": 6, "three": 3}


def _count(word: str) -> int:
    return {"once": 1, "twice": 2}.get(word) or NUMBERS.get(word) or int(word)


# --------------------------------------------------------------------------- POL-08
def inline_text(markdown: str) -> str:
    from markdown_it import MarkdownIt

    from auditlib.policy.document import _inline

    tokens = MarkdownIt("commonmark").parseInline(markdown)
    return _inline(tokens[0].children or [])[0] if tokens else markdown


def check_rule_sentences(doc: PolicyDocument, catalogue: dict[str, Any]) -> list[PolicyFinding]:
    text = doc.norm_text
    out = []
    for rid, rule in catalogue.items():
        if not rule.policy_sv:
            continue
        expected = normalise(inline_text(rule.policy_sv))
        if expected in text:
            continue
        best, ratio = _closest(expected, doc.sentences)
        ev: dict[str, Any] = {
            "rule": rid,
            "rule_title": rule.title,
            "expected_sv": rule.policy_sv,
            "params": list(rule.params),
        }
        if best is not None and ratio >= SIMILAR:
            ev.update({"closest": cited(best), "similarity": round(ratio, 2)})
            msg = (
                f"rule {rid} ({rule.title}) tests the promise '{rule.policy_sv}', which the "
                f"text no longer makes as written; the closest sentence is {best.ref}"
            )
        else:
            msg = (
                f"rule {rid} ({rule.title}) tests the promise '{rule.policy_sv}', which the "
                "text no longer makes"
            )
        out.append(PolicyFinding("POL-08", "policy_sentence", f"rule:{rid}", msg, ev))
    return out


def _closest(expected: str, sentences: list[Sentence]) -> tuple[Sentence | None, float]:
    best, ratio = None, 0.0
    limit = 3 * len(expected) + 200  # difflib is quadratic: a far longer text is no rewording
    for s in sentences:
        if len(s.norm) > limit:
            continue
        sm = difflib.SequenceMatcher(None, expected, s.norm, autojunk=False)
        if sm.real_quick_ratio() <= ratio or sm.quick_ratio() <= ratio:
            continue
        r = sm.ratio()
        if r > ratio:
            best, ratio = s, r
    return best, ratio


# --------------------------------------------------------------------------- POL-09
def durations(norm: str) -> list[tuple[str, int | None]]:
    """(as written, months or None when not a whole number of months) in a sentence."""
    out = []
    for m in _DURATION.finditer(norm):
        n = _count(m.group(1))
        months = _UNIT_MONTHS.get(m.group(3))
        out.append((m.group(0), n * months if months else None))
    return out


def check_grace(doc: PolicyDocument, params: Params) -> list[PolicyFinding]:
    want = params.offboarding_grace_months
    stated = [
        (s, durations(s.norm))
        for s in doc.sentences
        if _END.search(s.norm) and _DELETE.search(s.norm)
    ]
    stated = [(s, d) for s, d in stated if d]
    if not stated:
        return [
            PolicyFinding(
                "POL-09",
                "policy_sentence",
                "parameter:offboarding_grace_months",
                f"the plan audits deletion {want} month(s) after the agreement ends "
                "(offboarding_grace_months), but the text states no such period",
                {"parameter": "offboarding_grace_months", "plan_value": want, "text_value": None},
            )
        ]
    out = []
    for s, ds in stated:
        if any(months == want for _, months in ds):
            continue
        written = ", ".join(w for w, _ in ds)
        out.append(
            on_sentence(
                "POL-09",
                s,
                f"the text promises deletion after {written} when the agreement ends; "
                f"the plan audits offboarding_grace_months = {want}",
                parameter="offboarding_grace_months",
                plan_value=want,
                text_value=written,
                text_months=[m for _, m in ds],
            )
        )
    return out


def promised_scope(doc: PolicyDocument) -> list[tuple[Sentence, str, frozenset[str]]]:
    out = []
    for s in doc.sentences:
        n = s.norm
        if not _SCOPE_CONTEXT.search(n) or _OUTSIDE.search(n):
            continue
        for pattern, countries, label in _SCOPES:
            if pattern.search(n):
                out.append((s, label, countries))
                break
    return out


def check_countries(doc: PolicyDocument, params: Params) -> list[PolicyFinding]:
    plan = frozenset(params.allowed_countries)
    scopes = promised_scope(doc)
    if not scopes:
        return [
            PolicyFinding(
                "POL-09",
                "policy_sentence",
                "parameter:allowed_countries",
                "the plan audits locations against allowed_countries, but the text promises no "
                "place of processing (such as 'inom EU/EES')",
                {"parameter": "allowed_countries", "plan_value": sorted(plan), "text_value": None},
            )
        ]
    promised = frozenset().union(*(c for _, _, c in scopes))
    if promised == plan:
        return []
    s, label, _ = scopes[0]
    extra, missing = sorted(plan - promised), sorted(promised - plan)
    parts = []
    if extra:
        parts.append(f"the plan also accepts {', '.join(extra)}, which the text does not promise")
    if missing:
        parts.append(f"the plan flags {', '.join(missing)}, which the text allows")
    labels = sorted({lb for _, lb, _ in scopes})
    return [
        on_sentence(
            "POL-09",
            s,
            f"the text promises processing within {' and '.join(labels)}; "
            + "; ".join(parts)
            + " (allowed_countries)",
            parameter="allowed_countries",
            plan_value=sorted(plan),
            text_value=labels,
            plan_only=extra,
            text_only=missing,
            scope_refs=[x.ref for x, _, _ in scopes],
        )
    ]


def free_access_terms(norm: str) -> tuple[int, int, bool] | None:
    """(requests, per months, calendar period) of a free-access promise, None if unbounded."""
    m = _FREQ.search(norm)
    if m:
        period = m.group(4)
        return (
            _count(m.group(1)),
            _PERIOD_MONTHS[period],
            "kalender" in period or "calendar" in period,
        )
    m2 = _EVERY_N.search(norm)
    if m2:
        w = m2.group(2)
        return 1, int(w) if w.isdigit() else _ORDINAL[w], False
    if _ANNUAL.search(norm):
        return 1, 12, False
    return None


def check_free_access(doc: PolicyDocument, terms: dict[str, Any]) -> list[PolicyFinding]:
    want_n = int(terms.get("free_access_requests", 1))
    want_m = int(terms.get("free_access_window_months", 12))
    rolling = terms.get("free_access_window", "rolling") == "rolling"
    out = []
    for s in doc.sentences:
        n = s.norm
        if not (_ACCESS.search(n) and _FREE.search(n)) or _FIRST_COPY.search(n):
            continue
        got = free_access_terms(n)
        if got is None:
            problem = (
                f"the text promises access free of charge without a limit, while DSR-03 "
                f"accepts a fee for more than {want_n} request(s) in {want_m} months"
            )
            text_value: Any = "free, no limit stated"
        else:
            k, months, calendar = got
            if (k, months) == (want_n, want_m) and not (calendar and rolling):
                continue
            text_value = {"requests": k, "months": months, "calendar_period": calendar}
            problem = (
                f"the text promises {k} free access request(s) per {months} months"
                + (" (calendar period)" if calendar else "")
                + f", while DSR-03 allows {want_n} per rolling {want_m} months"
            )
        out.append(
            on_sentence(
                "POL-09",
                s,
                problem + " (DSR-03 free_access_window_months)",
                parameter="DSR-03 free_access_window_months",
                plan_value={
                    "requests": want_n,
                    "months": want_m,
                    "window": "rolling" if rolling else "calendar",
                },
                text_value=text_value,
            )
        )
    return out


def check_parameters(
    doc: PolicyDocument, params: Params, dsr03_terms: dict[str, Any]
) -> list[PolicyFinding]:
    return (
        check_grace(doc, params)
        + check_countries(doc, params)
        + check_free_access(doc, dsr03_terms)
    )
