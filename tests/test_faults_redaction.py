"""Issue 12, cases 1-3: scanning linear in the input, one redaction at the boundary,
control characters escaped. The long inputs are sized so that a quadratic pattern
(the old e-mail pattern backtracked from every start position) would need minutes
to hours; the tests check the result, the size is the evidence."""

from __future__ import annotations

import pytest

from auditlib.redaction import REDACTED, escape_controls, redact, redact_data
from auditlib.report.privacy import scrub_personal, scrub_text

TWO_MB = 2_000_000


@pytest.mark.parametrize(
    "unit",
    ["a", "a.", "a@", "a@a.", "1.", "1.1.1.1", "a:", "+1 ", "0", "\x1b", ":@", "password=", "ab12"],
)
def test_two_megabyte_adversarial_values_are_scanned_whole(unit: str) -> None:
    value = unit * (TWO_MB // len(unit))
    out = redact(value, limit=None)
    # Redacting never makes text appear: every piece is the input, a marker or an escape.
    assert out and len(out) <= len(value) * 4


def test_quadratic_email_input_through_the_report_scrubbers() -> None:
    # "aaaa...": the old pattern [\w.+-]+@ re-scanned the rest of the run from each start.
    value = "x" * TWO_MB + " anna.svensson@example.se"
    assert scrub_personal(value).endswith("[truncated: 2000025 characters]")
    assert "anna" not in scrub_text("x" * TWO_MB + "anna.svensson@example.se")


def test_long_values_are_cut_with_their_length_shown() -> None:
    out = redact("SE" + "y" * TWO_MB, limit=100)
    assert out == "SE" + "y" * 98 + f"... [truncated: {TWO_MB + 2} characters]"


def test_a_cut_never_leaves_half_an_address() -> None:
    value = "z" * 95 + "anna.svensson@example.se" + "q" * 1000
    assert "anna" not in redact(value, limit=100)


@pytest.mark.parametrize(
    "value",
    [
        "anna.svensson@example.se",
        "contactanna.svensson@example.seline1",
        "10.66.77.88line1",
        "ip10.66.77.88",
        "2001:db8::1",
        "fe80::1cafeline",
        "2001:0db8:0000:0000:0000:0000:0000:0001",
        "+46 70 123 45 67",
        "+46701234567abc",
        "tel0701234567",
        "070-123 45 67",
        "0046 70 123 45 67",
    ],
)
def test_personal_values_are_redacted_also_when_glued(value: str) -> None:
    out = redact(f"country {value}!")
    assert REDACTED in out
    for secret in ("anna", "66.77", "db8", "fe80", "123 45", "1234567", "701234567"):
        assert secret not in out, out


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-24",
        "2026-01-05T08:00:00+00:00",
        "20:00:00",
        "user_id=1234567890",
        "rows 1034, manifest says 1034",
        "0.00 0.00 0.00",
        "std::vector",
        "DQ-01",
        "sha256 " + "0123456789abcdef" * 4,
        "run default-2025-01-01-20261204T181227Z: fail",
        "monthly-2026-11-24-20261124T213000Z-2",
        "2026/01/05-0701",
        "v1.2.0-0123456",
    ],
)
def test_ids_dates_counts_and_digests_are_kept(value: str) -> None:
    assert redact(value) == value


def test_control_and_bidi_characters_are_escaped() -> None:
    out = redact("SE\x1b[2J\x1b[32mOK all rules passed\x00\u202e\r\n\ud800")
    assert out == "SE\\x1b[2J\\x1b[32mOK all rules passed\\x00\\u202e\\x0d\\x0a\\ud800"
    assert escape_controls("plain ÅÄÖ") == "plain ÅÄÖ"


def test_secrets_in_connection_strings_are_masked() -> None:
    out = redact("could not use POSTGRESQL://auditor:PW@db/x or host=db password=PW2")
    assert "PW" not in out and "auditor:***@db" in out


def test_redact_data_walks_nested_values() -> None:
    data = {"n": 3, "why": ["a@b.se", {"k\x1b": ("10.0.0.1",)}]}
    assert redact_data(data) == {"n": 3, "why": [REDACTED, {"k\\x1b": [REDACTED]}]}
