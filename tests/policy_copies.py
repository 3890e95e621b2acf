"""Edited copies of the published policy for the POL tests: defects mended, added, promises changed.

Each edit is a list of (old, new) replacements of the published text; :func:`edited`
fails loudly when an ``old`` is not in the text, so an edit can never silently do nothing.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PUBLISHED = REPO.parent / "shared" / "policy" / "integritetspolicy.txt"
COPY = REPO / "audits" / "policy" / "integritetspolicy.txt"


def published_text() -> str:
    """The published policy (``../shared/policy``), else the project's copy of it."""
    return (PUBLISHED if PUBLISHED.is_file() else COPY).read_text(encoding="utf-8")


def edited(text: str, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        assert old in text, f"edit does not apply: {old!r}"
        text = text.replace(old, new, 1)
    return text


# The DPO's findings on the published text (docs/policy-audit.md justifies each).
PUBLISHED_FINDINGS = {
    ("POL-01", "element:legal_basis"),
    ("POL-01", "element:legitimate_interests"),
    ("POL-02", "Vilka personuppgifter behandlar vi om dig? #4"),
    ("POL-02", "Vilka personuppgifter behandlar vi om dig? #5"),
    ("POL-02", "Vilka delar vi personuppgifter med? #2"),
    ("POL-03", "Integritetspolicy #1"),
    ("POL-03", "Ändringar i personuppgiftspolicy #1"),
    ("POL-04", "Vilka rättigheter har du? #10"),
    ("POL-05", "Varför behandlar vi dina personuppgifter? (2) #6"),
    ("POL-05", "Vilka rättigheter har du? #10"),
    ("POL-06", "Varför behandlar vi dina personuppgifter? (2)"),
    ("POL-07", "document:version_date"),
    ("POL-10", "Vilka rättigheter har du? #1"),
    ("POL-10", "Vilka rättigheter har du? #2"),
    ("POL-10", "Vilka rättigheter har du? #4"),
    ("POL-10", "Vilka rättigheter har du? #5"),
    ("POL-11", "Hur länge sparar vi dina personuppgifter? #3"),
}

# Mending one defect: the finding it names disappears (and nothing else changes, except
# POL-08 findings where the mended sentence is a rule's policy_sv: see MEND_ALSO).
MENDS: dict[str, tuple[list[tuple[str, str]], tuple[str, str]]] = {
    "org number": ([("556723–5685", "556721–5685")], ("POL-03", "Integritetspolicy #1")),
    "document name": (
        [("denna personuppgiftspolicy", "denna integritetspolicy")],
        ("POL-03", "Ändringar i personuppgiftspolicy #1"),
    ),
    "IMY": (
        [("till Datainspektionen", "till Integritetsskyddsmyndigheten (IMY)")],
        ("POL-04", "Vilka rättigheter har du? #10"),
    ),
    "dead cookie link": (
        [("[Cookie Policy sida](#)", "[Cookie Policy sida](https://www.netdialog.se/cookies)")],
        ("POL-02", "Vilka personuppgifter behandlar vi om dig? #5"),
    ),
    "duplicate heading": (
        [
            (
                "Varför behandlar vi dina personuppgifter?\n\nWebbsidans",
                "Hur skyddar vi dina personuppgifter?\n\nWebbsidans",
            )
        ],
        ("POL-06", "Varför behandlar vi dina personuppgifter? (2)"),
    ),
    "version date": (
        [
            (
                "Integritetspolicy\n\nI denna",
                "Integritetspolicy (senast uppdaterad 2026-11-01)\n\nI denna",
            )
        ],
        ("POL-07", "document:version_date"),
    ),
    "legitimate interests": (
        [
            (
                "Alla användares personuppgifter behövs",
                "Statistiken bygger på vårt berättigade intresse av att förbättra Tjänsten. Alla användares personuppgifter behövs",
            )
        ],
        ("POL-01", "element:legitimate_interests"),
    ),
    "vague retention": (
        [
            (
                "under så lång tid som är nödvändig med hänsyn till ändamålet med behandlingen",
                "i 24 månader efter att ärendet avslutats",
            )
        ],
        ("POL-11", "Hur länge sparar vi dina personuppgifter? #3"),
    ),
    "restriction": (
        [
            (
                "rätt att begränsa behandlingen av personuppgifter tills de blir ändrade",
                "rätt att begränsa behandlingen av personuppgifter",
            )
        ],
        ("POL-10", "Vilka rättigheter har du? #4"),
    ),
}

# Rewording a promise the rules quote: POL-08 names those rules.
MEND_ALSO = {
    "vague retention": {
        ("POL-08", "rule:RET-05"),
        ("POL-08", "rule:RET-07"),
        ("POL-08", "rule:RET-08"),
    }
}

# Adding one defect: a finding appears.
DEFECTS: dict[str, tuple[list[tuple[str, str]], str]] = {
    "third country without safeguards": (
        [("Leverantörerna har", "Viss support sköts från USA. Leverantörerna har")],
        "POL-01:element:transfer_safeguards",
    ),
    "DPO without contact": (
        [("Kontaktinformation\n", "Kontaktinformation\n\nVi har utsett ett dataskyddsombud.\n")],
        "POL-01:element:dpo_contact",
    ),
    "complaint removed": (
        [("lämna klagomål om behandlingen till Datainspektionen, ", "")],
        "POL-01:element:right_complaint",
    ),
    "withdrawal removed": (
        [("dra in ett samtycke, ", "")],
        "POL-01:element:right_withdraw_consent",
    ),
    "portability removed": (
        [("Du har i vissa fall även rätt till dataportabilitet av personuppgifterna. ", "")],
        "POL-01:element:right_portability",
    ),
    "controller address removed": (
        [("Cylindervägen 18, 134 62 Nacka Strand, ", "")],
        "POL-01:element:controller_contact",
    ),
    "Privacy Shield": (
        [("Leverantörerna har", "Överföring sker enligt EU-US Privacy Shield. Leverantörerna har")],
        "POL-04",
    ),
    "PuL": (
        [("Leverantörerna har", "Vi följer personuppgiftslagen (PuL). Leverantörerna har")],
        "POL-04",
    ),
    "dead anchor": (
        [("Leverantörerna har", "Se [listan](#underleverantorer). Leverantörerna har")],
        "POL-02",
    ),
    "sentence cut": (
        [
            (
                "om inte annan svensk eller europeisk lag, domstol eller myndighet säger något annat.\n",
                "om inte annan svensk eller\n",
            )
        ],
        "POL-05",
    ),
    "heading repeated": ([("Kontaktinformation\n", "Vilka rättigheter har du?\n")], "POL-06"),
    "company name two ways": ([("Netdialog AB, Org.", "NetDialog AB, Org.")], "POL-03"),
    "erasure never": (
        [
            (
                "Om du vill radera ditt konto",
                "Vi raderar aldrig personuppgifter. Om du vill radera ditt konto",
            )
        ],
        "POL-10",
    ),
    "access fee": (
        [
            (
                "Om du vill radera ditt konto",
                "Ett registerutdrag kostar 200 kr. Om du vill radera ditt konto",
            )
        ],
        "POL-10",
    ),
    "slow answer": (
        [
            (
                "Om du vill radera ditt konto",
                "Vi besvarar din begäran inom tre månader. Om du vill radera ditt konto",
            )
        ],
        "POL-10",
    ),
    "kept forever": ([("Det innebär att", "Loggar sparas för alltid. Det innebär att")], "POL-11"),
    "automated decisions without logic": (
        [
            (
                "Leverantörerna har",
                "Vi använder automatiserat beslutsfattande vid kreditprövning. Leverantörerna har",
            )
        ],
        "POL-01:element:automated_decisions_logic",
    ),
    "company name another entity": (
        [("Netdialog AB, Org.", "Netdialog Sverige AB, Org.")],
        "POL-03",
    ),
    "placeholder": (
        [("Leverantörerna har", "TODO: lägg till listan. Leverantörerna har")],
        "POL-05",
    ),
    "complaint conditional": (
        [
            (
                "lämna klagomål om behandlingen till Datainspektionen",
                "lämna klagomål till IMY, men först efter att du kontaktat oss",
            )
        ],
        "POL-10",
    ),
}

# Every defect of the published text mended (and the legal-review points rewritten): what
# remains are POL-08 findings for the rules whose quoted sentences were rewritten.
CLEAN_EDITS: list[tuple[str, str]] = [
    *(r for name in sorted(MENDS) for r in MENDS[name][0] if name != "IMY"),
    (
        "lämna klagomål om behandlingen till Datainspektionen, motsätta dig automatiskt "
        "beslutsfattande,",
        "lämna klagomål om behandlingen till Integritetsskyddsmyndigheten "
        "(IMY) och motsätta dig automatiskt beslutsfattande.",
    ),
    (" Besöker du hemsidan\n", "\n"),
    ("[Hantering av personuppgifter](#) .", "[Hantering av personuppgifter](#hantering)."),
    ("[Hantering av personuppgifter](#).", "[Hantering av personuppgifter](#hantering)."),
    (
        "Kontaktinformation\n",
        "Hantering\n\nVi behandlar uppgifterna för att fullgöra avtalet "
        "med stöd av avtal (artikel 6.1 b).\n\nKontaktinformation\n",
    ),
    ("Du som registrerad kund hos Netdialog har flera", "Du som är registrerad har flera"),
    (
        "Du har rätt att kostnadsfritt en gång per år, förutsatt att du har berättigade skäl, "
        "begära ett registerutdrag över vilken information som finns registrerad om dig.",
        "Du har rätt att begära ett registerutdrag över vilken information som finns "
        "registrerad om dig; den första kopian är gratis.",
    ),
    (", samt om det baseras på intresseavvägning", ""),
]
