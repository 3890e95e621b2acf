"""POL rules on the published policy and on edited copies: what a DPO marks, nothing else."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from auditlib.config import Params
from auditlib.policy import audit_document, parse_policy
from policy_copies import DEFECTS, MEND_ALSO, MENDS, PUBLISHED_FINDINGS, edited, published_text

AS_OF = date(2026, 12, 1)


def _pairs(text: str, fmt: str = "text", params: Params | None = None) -> set[tuple[str, str]]:
    audit = audit_document(parse_policy(text, fmt), params or Params(), AS_OF)
    assert {o.status for o in audit.outcomes.values()} <= {"pass", "fail"}, [
        o.error for o in audit.outcomes.values() if o.error
    ]
    return {(f["rule_id"], f["entity_id"]) for f in audit.findings}


@pytest.fixture(scope="module")
def baseline() -> set[tuple[str, str]]:
    return _pairs(published_text())


def test_published_policy_gets_exactly_the_dpo_findings(baseline: set[tuple[str, str]]) -> None:
    assert baseline == PUBLISHED_FINDINGS


def test_published_findings_quote_the_sentence_and_name_the_article() -> None:
    audit = audit_document(parse_policy(published_text()), Params(), AS_OF)
    by = {(f["rule_id"], f["entity_id"]): f for f in audit.findings}
    org = by[("POL-03", "Integritetspolicy #1")]
    assert "556723-5685" in org["message"] and "Luhn" in org["message"]
    assert {v["value"]: v["valid_check_digit"] for v in org["evidence"]["variants"]} == {
        "556723-5685": False,
        "556721-5685": True,
    }
    imy = by[("POL-04", "Vilka rättigheter har du? #10")]
    assert "Datainspektionen" in imy["evidence"]["quote"] and "2021-01-01" in imy["message"]
    basis = by[("POL-01", "element:legal_basis")]
    assert "Art. 13(1)(c)" in basis["message"] and "link without a target" in basis["message"]
    assert basis["evidence"]["delegated_to_dead_link"][0]["ref"] == (
        "Vilka personuppgifter behandlar vi om dig? #4"
    )
    access = by[("POL-10", "Vilka rättigheter har du? #2")]
    assert "legal review" in access["message"]
    assert {p["point"] for p in access["evidence"]["points"]} == {
        "access_condition",
        "access_once_a_year",
    }
    for f in audit.findings:
        assert f["entity_type"] in ("policy_section", "policy_sentence")
        assert f["severity"] in ("critical", "high", "medium", "low", "info")


def test_markdown_and_html_give_the_same_findings(baseline: set[tuple[str, str]]) -> None:
    text = published_text()
    doc = parse_policy(text)
    headings = {s.heading for s in doc.headings}
    md, html = [], ["<!DOCTYPE html><html><body>"]
    for para in text.strip().split("\n\n"):
        lines = [ln.strip() for ln in para.strip().splitlines() if ln.strip()]
        if len(lines) == 1 and lines[0] in headings:
            md.append("## " + lines[0])
            html.append(f"<h2>{lines[0]}</h2>")
        elif all(ln.startswith("- ") for ln in lines):
            md.append("\n".join(f"* *{ln[2:]}*" for ln in lines))
            html.append("<ul>" + "".join(f"<li>{ln[2:]}</li>" for ln in lines) + "</ul>")
        else:
            p = " ".join(lines)
            md.append(p.replace("Netdialog AB", "**Netdialog AB**"))
            html.append(
                "<p>"
                + p.replace(
                    "[Hantering av personuppgifter](#)",
                    '<a href="#">Hantering av\n personuppgifter</a>',
                ).replace("[Cookie Policy sida](#)", "<a>Cookie Policy sida</a>")
                + "</p>"
            )
    html.append("</body></html>")
    assert _pairs("\n\n".join(md), "markdown") == baseline
    assert _pairs("\n".join(html), "html") == baseline


@pytest.mark.parametrize("name", sorted(MENDS))
def test_a_mended_defect_loses_its_finding(name: str, baseline: set[tuple[str, str]]) -> None:
    replacements, finding = MENDS[name]
    got = _pairs(edited(published_text(), replacements))
    assert finding in baseline and finding not in got
    # nothing else changes: one finding fewer of that rule, the same number of the others
    # (a renamed heading renames the references of its sentences, hence counts per rule)
    also = MEND_ALSO.get(name, set())
    assert also <= got
    want = Counter(r for r, _ in baseline | also)
    want[finding[0]] -= 1
    assert Counter(r for r, _ in got) == +want


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_an_added_defect_gets_a_finding(name: str, baseline: set[tuple[str, str]]) -> None:
    replacements, expected = DEFECTS[name]
    got = _pairs(edited(published_text(), replacements))
    added = {f"{r}:{e}" for r, e in got - baseline} | {r for r, _ in got - baseline}
    assert expected in added, sorted(got - baseline)


def test_a_changed_promise_names_the_rules_and_the_parameter() -> None:
    text = edited(published_text(), [("efter 1 månad", "efter tre månader")])
    got = _pairs(text)
    assert {("POL-08", f"rule:RET-0{i}") for i in (1, 2, 3, 4)} <= got
    assert ("POL-09", "Hur länge sparar vi dina personuppgifter? #2") in got
    audit = audit_document(parse_policy(text), Params(), AS_OF)
    f = next(f for f in audit.findings if f["rule_id"] == "POL-09")
    assert f["evidence"]["parameter"] == "offboarding_grace_months"
    assert f["evidence"]["plan_value"] == 1 and "tre månader" in f["evidence"]["text_value"]
    r1 = next(f for f in audit.findings if f["entity_id"] == "rule:RET-01")
    assert r1["evidence"]["closest"]["ref"] == "Hur länge sparar vi dina personuppgifter? #2"


@pytest.mark.parametrize(
    ("old", "new", "parameter"),
    [
        ("inom EU/EES", "inom EU", "allowed_countries"),
        ("inom EU/EES", "i Sverige", "allowed_countries"),
        ("en gång per år", "en gång per kalenderår", "DSR-03 free_access_window_months"),
        ("en gång per år", "två gånger per år", "DSR-03 free_access_window_months"),
        ("efter 1 månad", "efter 30 dagar", "offboarding_grace_months"),
    ],
)
def test_text_scope_against_plan(old: str, new: str, parameter: str) -> None:
    audit = audit_document(parse_policy(edited(published_text(), [(old, new)])), Params(), AS_OF)
    pol9 = [f for f in audit.findings if f["rule_id"] == "POL-09"]
    assert [f["evidence"]["parameter"] for f in pol9] == [parameter]


def test_plan_parameters_against_unchanged_text(baseline: set[tuple[str, str]]) -> None:
    grace = _pairs(published_text(), params=Params(offboarding_grace_months=2)) - baseline
    assert grace == {("POL-09", "Hur länge sparar vi dina personuppgifter? #2")}
    wider = Params(allowed_countries=(*Params().allowed_countries, "GB", "CH"))
    got = audit_document(parse_policy(published_text()), wider, AS_OF)
    (f,) = [f for f in got.findings if f["rule_id"] == "POL-09"]
    assert f["evidence"]["plan_only"] == ["CH", "GB"] and f["evidence"]["text_only"] == []


def test_renaming_not_yet_in_force_is_not_a_finding() -> None:
    audit = audit_document(parse_policy(published_text()), Params(), date(2020, 12, 31))
    assert not [f for f in audit.findings if f["rule_id"] == "POL-04"]


def test_a_former_name_explained_is_not_a_finding(baseline: set[tuple[str, str]]) -> None:
    got = _pairs(
        edited(
            published_text(),
            [
                (
                    "till Datainspektionen",
                    "till Integritetsskyddsmyndigheten (tidigare Datainspektionen)",
                )
            ],
        )
    )
    assert ("POL-04", "Vilka rättigheter har du? #10") not in got


def test_english_wording_satisfies_elements(baseline: set[tuple[str, str]]) -> None:
    text = edited(
        published_text(),
        [
            (
                "Leverantörerna har",
                "The legal basis is the contract; "
                "our legitimate interest is to improve the Service. "
                "Leverantörerna har",
            )
        ],
    )
    got = _pairs(text)
    assert ("POL-01", "element:legal_basis") not in got
    assert ("POL-01", "element:legitimate_interests") not in got


def test_quotes_redact_email_and_phone() -> None:
    text = edited(published_text(), [(", tilldela rättigheter.", ", tilldela rättigheter,")])
    text = text.replace(
        "Besöker du hemsidan",
        "Ring 08-123 456 78 eller skriv till dpo@netdialog.se, Besöker du hemsidan",
    )
    audit = audit_document(parse_policy(text), Params(), AS_OF)
    blob = repr(audit.findings)
    assert "dpo@netdialog.se" not in blob and "123 456 78" not in blob
    assert "[redacted]" in blob
