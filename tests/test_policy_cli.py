"""``auditlib policy check``: files written, terminal summary, exit status 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditlib.cli import main as cli
from auditlib.runner.results import FINDING_KEYS
from policy_copies import CLEAN_EDITS, edited, published_text

REPO = Path(__file__).resolve().parents[1]


def _check(tmp_path: Path, text: str | bytes, *extra: str, name: str = "p.txt"):
    policy = tmp_path / name
    if isinstance(text, bytes):
        policy.write_bytes(text)
    else:
        policy.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli,
        [
            "policy",
            "check",
            "--policy",
            str(policy),
            "--out",
            str(out),
            "--as-of",
            "2026-12-01",
            *extra,
        ],
    )
    return res, out


def test_published_policy_exits_1_with_contract_findings(tmp_path: Path) -> None:
    res, out = _check(tmp_path, published_text())
    assert res.exit_code == 1, res.output
    lines = [json.loads(x) for x in (out / "findings.jsonl").read_text().splitlines()]
    assert lines and all(tuple(f) == FINDING_KEYS for f in lines)
    assert all(f["rule_id"].startswith("POL-") and isinstance(f["entity_id"], str) for f in lines)
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["policy"]["sha256"]) == 64 and summary["exit_status"] == 1
    assert set(summary["rules"]) == {f"POL-{i:02d}" for i in range(1, 12)}
    assert "POL-04 medium Vilka rättigheter har du? #10" in res.output
    assert ": fail, 17 finding(s)" in res.output


def test_clean_policy_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditlib.policy import engine

    text = edited(published_text(), CLEAN_EDITS)
    res, _ = _check(tmp_path, text)
    assert res.exit_code == 1 and {
        ln.split()[1] for ln in res.output.splitlines() if ln.startswith("  - ")
    } == {"POL-08"}
    import dataclasses

    from auditlib.rules.catalogue_loader import load_catalogue

    dsr03 = dataclasses.replace(load_catalogue()["DSR-03"], policy_sv="")
    # no rule quotes the rewritten sentences (DSR-03 keeps its free-access window)
    monkeypatch.setattr(engine, "_catalogue", lambda: {"DSR-03": dsr03})
    res, out = _check(tmp_path, text)
    assert res.exit_code == 0, res.output
    assert (out / "findings.jsonl").read_text() == ""


def test_plan_parameters_are_used(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "p"\n[params]\noffboarding_grace_months = 2\n', encoding="utf-8")
    res, out = _check(tmp_path, published_text(), "--plan", str(plan))
    assert res.exit_code == 1
    ids = {json.loads(x)["rule_id"] for x in (out / "findings.jsonl").read_text().splitlines()}
    assert "POL-09" in ids and "offboarding_grace_months = 2" in res.output


def test_monthly_plan_names_the_policy(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli, ["policy", "check", "--plan", str(REPO / "audits" / "monthly.toml"), "--out", str(out)]
    )
    assert res.exit_code == 1, res.output
    assert "integritetspolicy.txt" in res.output


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"Hej \xff", "p.txt", "not UTF-8"),
        ("", "p.md", "no text"),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, content: str | bytes, name: str, message: str) -> None:
    res, out = _check(tmp_path, content, name=name)
    assert res.exit_code == 2 and message in res.output
    assert not (out / "findings.jsonl").exists()


def test_missing_file_and_bad_plan_exit_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        cli,
        ["policy", "check", "--policy", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "o")],
    )
    assert res.exit_code == 2 and "cannot read" in res.output
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "p"\npolicy = "missing.txt"\n', encoding="utf-8")
    res = CliRunner().invoke(
        cli, ["policy", "check", "--plan", str(plan), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2 and "key 'policy'" in res.output


def test_a_check_that_raises_is_an_error_not_a_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditlib.policy import engine

    def boom(ctx: object) -> list:
        raise RuntimeError("broken check")

    monkeypatch.setitem(engine.CHECKS, "POL-03", boom)
    res, out = _check(tmp_path, published_text())
    assert res.exit_code == 2
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rules"]["POL-03"] == {
        "status": "error",
        "findings": 0,
        "error": "RuntimeError: broken check",
    }


def test_terminal_shows_data_as_plain_text_without_personal_data(tmp_path: Path) -> None:
    text = (
        published_text()
        .replace(
            "Besöker du hemsidan",
            "Skriv [bold]till[/bold] dpo@netdialog.se eller ring "
            "08-123 456 78 om du besöker hemsidan och",
        )
        .replace("Vilka rättigheter har du?", "Vilka [red]rättigheter[/red] har du?")
    )
    res, out = _check(tmp_path, text)
    assert "Vilka [red]rättigheter[/red] har du? #10" in res.output  # not read as markup
    assert "Skriv [bold]till[/bold] [redacted]" in (out / "findings.jsonl").read_text()
    everything = res.output + (out / "findings.jsonl").read_text()
    assert "dpo@netdialog.se" not in everything and "123 456 78" not in everything
    assert "\x1b" not in res.output


def test_help_lists_the_command() -> None:
    res = CliRunner().invoke(cli, ["--help"])
    assert "policy" in res.output
    res = CliRunner().invoke(cli, ["policy", "check", "--help"])
    assert "--policy" in res.output and res.exit_code == 0
