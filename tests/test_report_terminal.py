"""What `auditlib run` prints when a run did not pass: plain, safe text naming what failed."""

from __future__ import annotations

from auditlib.report.terminal import failure_lines, plain_text


def test_plain_text_escapes_control_and_format_characters() -> None:
    assert plain_text("a\x1b[2Jb\r\nc") == "a\\x1b[2Jb\\x0d\\x0ac"
    assert plain_text("x\u202ey") == "x\\u202ey"
    assert plain_text("[red]not markup[/]") == "[red]not markup[/]"
    assert plain_text("mail anna@example.se") == "mail [redacted]"


def test_one_line_per_failing_gate_table_and_rule() -> None:
    summary = {
        "rules": {
            "DQ-03": {"status": "fail", "findings": 2, "error": None},
            "DQ-04": {"status": "pass", "findings": 0, "error": None},
            "RET-01": {"status": "fail", "findings": 4, "error": None},
            "SUB-03": {
                "status": "error",
                "findings": 0,
                "error": "blocked: DQ-01 failed for subprocessors\x1b[31m",
            },
            "DSR-01": {"status": "pass", "findings": 0, "error": None},
        },
        "gates": [
            {
                "gate_id": "DQ-03",
                "table_name": "message_deliveries",
                "status": "fail",
                "rows_affected": 1,
                "message": "orphan recipient_id",
            },
            {
                "gate_id": "DQ-03",
                "table_name": "orders",
                "status": "fail",
                "rows_affected": 5,
                "message": "orphan customer_id",
            },
            {
                "gate_id": "DQ-04",
                "table_name": "users",
                "status": "pass",
                "rows_affected": 0,
                "message": "",
            },
        ],
    }
    lines = failure_lines(summary)
    assert lines == [
        "gate DQ-03 fail: table message_deliveries, 1 row(s): orphan recipient_id",
        "gate DQ-03 fail: table orders, 5 row(s): orphan customer_id",
        "rule RET-01 fail: 4 customer finding(s) (tables contracts, legal_holds, users, "
        "recipients, messages, message_deliveries, login_events)",
        "rule SUB-03 error (tables subprocessors): blocked: DQ-01 failed for subprocessors\\x1b[31m",
    ]
    # without gate rows a failing gate is still named
    no_gates = failure_lines({**summary, "gates": None})
    assert no_gates[0] == "gate DQ-03 fail: 2 table(s)"
    # the snapshot failed: every gate and rule is an error, each named with its reason
    failed = failure_lines(
        {
            "rules": {
                "DQ-01": {"status": "error", "findings": 0, "error": "snapshot notebook failed"}
            },
            "gates": None,
        }
    )
    assert failed == ["gate DQ-01 error: snapshot notebook failed"]


def _fake_run(monkeypatch, summary: dict, code: int) -> None:
    from pathlib import Path

    import auditlib.runner.run as run_mod
    import auditlib.runner.sources as sources

    monkeypatch.setattr(sources, "resolve_source", lambda *a, **k: object())
    monkeypatch.setattr(
        run_mod,
        "execute_run",
        lambda req: run_mod.RunOutcome(
            "r1", Path("/archive/r1"), code, {**summary, "verdict": ("pass", "fail", "error")[code]}
        ),
    )


SUMMARY = {
    "rules": {
        "DQ-03": {"status": "fail", "findings": 1, "error": None},
        "RET-04": {"status": "fail", "findings": 2, "error": None},
        "SUB-03": {"status": "pass", "findings": 0, "error": None},
    },
    "gates": [
        {
            "gate_id": "DQ-03",
            "table_name": "orders",
            "status": "fail",
            "rows_affected": 1,
            "message": "orphan [bold]x[/] \x1b[2J",
        }
    ],
}


def test_cli_names_what_failed_unless_quiet(monkeypatch, capsys, tmp_path) -> None:
    from datetime import date

    from auditlib.cli.run import main

    _fake_run(monkeypatch, SUMMARY, 1)
    assert main(source="x", as_of=date(2026, 6, 30), out=tmp_path) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("run r1: fail (exit 1)")
    assert out[1:] == [
        "  gate DQ-03 fail: table orders, 1 row(s): orphan [bold]x[/] \\x1b[2J",
        "  rule RET-04 fail: 2 backup finding(s) (tables backups)",
    ]
    assert main(source="x", as_of=date(2026, 6, 30), out=tmp_path, quiet=True) == 1
    assert capsys.readouterr() == ("", "")  # quiet: findings are not mail for cron


def test_cli_exit_2_goes_to_stderr_also_when_quiet(monkeypatch, capsys, tmp_path) -> None:
    from datetime import date

    from auditlib.cli.run import main

    broken = {
        **SUMMARY,
        "rules": {
            **SUMMARY["rules"],
            "SUB-03": {
                "status": "error",
                "findings": 0,
                "error": "blocked by DQ-01: subprocessors",
            },
        },
    }
    _fake_run(monkeypatch, broken, 2)
    assert main(source="x", as_of=date(2026, 6, 30), out=tmp_path, quiet=True) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("run r1: error (exit 2)")
    assert "  rule SUB-03 error (tables subprocessors): blocked by DQ-01: subprocessors" in err


def test_cli_refuses_a_pdf_it_cannot_write(monkeypatch, capsys, tmp_path) -> None:
    from datetime import date

    import auditlib.report.pdf as pdf_mod
    from auditlib.cli.run import main

    monkeypatch.setattr(pdf_mod, "pdf_problem", lambda: "PDF output needs WeasyPrint")
    _fake_run(monkeypatch, SUMMARY, 1)
    assert main(source="x", as_of=date(2026, 6, 30), out=tmp_path, pdf=True) == 2
    assert (
        "index.pdf was asked for (--pdf) but PDF output needs WeasyPrint" in capsys.readouterr().err
    )
