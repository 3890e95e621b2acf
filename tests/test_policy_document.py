"""Parsing policy texts: sections, sentences, stable references, links; linear-time patterns."""

from __future__ import annotations

import re

import pytest

from auditlib.policy.checklist import ChecklistError, check_bounded, load_checklist
from auditlib.policy.document import PolicyInputError, parse_policy, read_policy, split_sentences
from auditlib.policy.hygiene import luhn_ok
from auditlib.policy.rules import load_policy_rules


def test_plain_text_headings_sentences_and_refs() -> None:
    doc = parse_policy(
        "Titel\n\nFörsta meningen, org. nr 556721-5685. Andra t.ex. här! "
        "Tredje?\n\nRubrik två\n\n- punkt ett\n- punkt två\n"
    )
    assert [s.ref for s in doc.sections] == ["Titel", "Rubrik två"]
    assert [s.ref for s in doc.sentences] == [
        "Titel #1",
        "Titel #2",
        "Titel #3",
        "Rubrik två #1",
        "Rubrik två #2",
    ]
    assert doc.sentences[0].text == "Första meningen, org. nr 556721-5685."
    assert doc.sentences[3].kind == "list_item"


def test_repeated_heading_gets_a_numbered_reference() -> None:
    doc = parse_policy("## A\n\nEtt.\n\n## B\n\nTvå.\n\n## A\n\nTre.\n", "markdown")
    assert [s.ref for s in doc.sections] == ["A", "B", "A (2)"]
    assert doc.sentences[-1].ref == "A (2) #1"


def test_markdown_links_and_anchors() -> None:
    doc = parse_policy(
        "## Om oss\n\nSe [här](#om-oss), [där](#finns-inte), [tom](), [extern](https://x.se).\n",
        "markdown",
    )
    dead = [lk.text for _, lk in doc.dead_links()]
    assert dead == ["där", "tom"]


def test_html_blocks_links_and_ids() -> None:
    html = (
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<h1>Policy</h1><p id='x'>Text med <a href='#x'>länk</a> och "
        "<a href='javascript:void(0)'>död</a>.</p><ul><li>Ett</li><li>Två</li></ul>"
        "<p>Adress<br>Gatan 1<br>123 45 Stad</p></body></html>"
    )
    doc = parse_policy(html, "html")
    assert [s.ref for s in doc.sections] == ["Policy"]
    assert [lk.text for _, lk in doc.dead_links()] == ["död"]
    assert [s.kind for s in doc.sentences] == ["paragraph", "list_item", "list_item", "paragraph"]
    assert doc.sentences[-1].short_lines  # an address block, not a cut sentence


def test_read_policy_errors_name_the_file(tmp_path) -> None:
    bad = tmp_path / "p.txt"
    bad.write_bytes(b"Hej \xff d\xe5")
    with pytest.raises(PolicyInputError, match="not UTF-8"):
        read_policy(bad)
    empty = tmp_path / "e.md"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(PolicyInputError, match="no text"):
        read_policy(empty)
    with pytest.raises(PolicyInputError, match="cannot read"):
        read_policy(tmp_path / "missing.txt")


def test_sentence_split_keeps_abbreviations() -> None:
    text = "Netdialog AB, Org. nummer: 556721-5685, bl.a. tjänsten. Nästa mening."
    assert len(split_sentences(text)) == 2


@pytest.mark.parametrize(
    ("number", "ok"),
    [("5567215685", True), ("5567235685", False), ("2021005489", True), ("2021005488", False)],
)
def test_luhn(number: str, ok: bool) -> None:
    assert luhn_ok(number) is ok


@pytest.mark.parametrize("pattern", [r"a*", r"(ab+)+", r"x{3,}", r"\w+"])
def test_unbounded_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ChecklistError):
        check_bounded(pattern, "test")


@pytest.mark.parametrize("pattern", [r"[*+]{0,3}", r"\*\+", r"a{0,40}b?", r"[]a]"])
def test_bounded_patterns_pass(pattern: str) -> None:
    check_bounded(pattern, "test")


def test_checklist_loads_and_every_pattern_is_bounded() -> None:
    cl = load_checklist()  # the loader refuses unbounded patterns
    assert {e.id for e in cl.elements} >= {
        "controller_identity",
        "controller_contact",
        "dpo_contact",
        "purposes",
        "legal_basis",
        "legitimate_interests",
        "recipients",
        "transfer_safeguards",
        "retention",
        "right_access",
        "right_rectification",
        "right_erasure",
        "right_restriction",
        "right_portability",
        "right_object",
        "right_withdraw_consent",
        "right_complaint",
        "automated_decisions",
        "provision_requirement",
    }
    assert all(e.article.startswith("Art.") for e in cl.elements)
    imy = next(s for s in cl.superseded if s.name == "Datainspektionen")
    assert imy.since.isoformat() == "2021-01-01"


def test_code_patterns_are_bounded_too() -> None:
    from auditlib.policy import hygiene, promises, quote

    for mod in (hygiene, promises, quote):
        for name, value in vars(mod).items():
            if isinstance(value, re.Pattern):
                check_bounded(value.pattern, f"{mod.__name__}.{name}")


def test_long_adversarial_input_is_handled() -> None:
    """Bounded patterns: a 40 kB sentence of near-matches is parsed and checked (a
    catastrophically backtracking pattern would not return)."""
    from auditlib.config import Params
    from auditlib.policy import audit_document

    text = "Rubrik\n\n" + ("rätt att radera och " * 2000) + "\n"
    audit = audit_document(parse_policy(text), Params())
    assert audit.outcomes["POL-05"].status == "fail"


def test_rule_files_are_complete() -> None:
    from auditlib.policy.engine import CHECKS

    rules = load_policy_rules()
    assert list(rules) == [f"POL-{i:02d}" for i in range(1, len(rules) + 1)]
    assert set(CHECKS) == set(rules)
    for r in rules.values():
        assert r.article and r.checks and r.decisions and r.title


def test_dsr03_policy_terms_match_its_sql() -> None:
    from auditlib.rules.catalogue_loader import load_catalogue

    rule = load_catalogue()["DSR-03"]
    months = rule.extra["policy_terms"]["free_access_window_months"]
    assert f"add_months(c.received, -{months})" in rule.sql


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (
            "# Policy\n\nFörsta meningen.\n\n**Vilka rättigheter har du**\n\nDu har rätt.\n",
            "markdown",
        ),
        (
            "<h1>Policy</h1><p>Första meningen.</p><p><strong>Vilka rättigheter har du</strong></p>"
            "<p>Du har rätt.</p>",
            "html",
        ),
    ],
)
def test_bold_lines_are_headings_beside_marked_up_ones(text: str, fmt: str) -> None:
    doc = parse_policy(text, fmt)
    assert [s.ref for s in doc.sections] == ["Policy", "Vilka rättigheter har du"]


def test_soft_hyphens_and_zero_width_spaces_vanish() -> None:
    doc = parse_policy("Rubrik\n\nVi ra\u00addera\u200b data efter 1 m\u00e5nad.\n")
    assert doc.sentences[0].text == "Vi radera data efter 1 månad."
