"""minimisation.toml is complete and docs/data-minimisation.md is generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditlib.snapshot.minimisation import (
    load_minimisation,
    minimisation_toml,
    parse_minimisation,
    render_markdown,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-minimisation.md"


def test_committed_doc_equals_generated() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/data-minimisation.md is stale: regenerate with "
        "python -c 'from auditlib.snapshot import render_markdown; "
        'open("docs/data-minimisation.md", "w").write(render_markdown())\''
    )


def test_personal_columns_are_not_kept_in_clear() -> None:
    plan = load_minimisation()
    for table, cols in plan.items():
        for name, cp in cols.items():
            if any(
                w in name for w in ("email", "phone", "ip_address", "full_name", "body", "password")
            ):
                assert cp.action in ("hmac", "drop"), f"{table}.{name}"
    assert plan["dsr_requests"]["extension_reason"].snapshot_name == "extension_reason_present"


def test_a_column_without_a_decision_is_refused() -> None:
    text = minimisation_toml().replace(
        'phone = ["drop", "no rule matches on phone numbers: not copied at all"]\n', ""
    )
    with pytest.raises(ValueError, match=r"recipients\.phone has no entry"):
        parse_minimisation(text)


def test_an_unknown_action_is_refused() -> None:
    text = minimisation_toml().replace('body = ["drop"', 'body = ["copy"')
    with pytest.raises(ValueError, match=r"messages\.body"):
        parse_minimisation(text)
