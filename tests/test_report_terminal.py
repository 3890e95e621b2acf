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
        "rules": {"DQ-03": {"status": "fail", "findings": 2, "error": None},
                  "DQ-04": {"status": "pass", "findings": 0, "error": None},
                  "RET-01": {"status": "fail", "findings": 4, "error": None},
                  "SUB-03": {"status": "error", "findings": 0,
                             "error": "blocked: DQ-01 failed for subprocessors\x1b[31m"},
                  "DSR-01": {"status": "pass", "findings": 0, "error": None}},
        "gates": [
            {"gate_id": "DQ-03", "table_name": "message_deliveries", "status": "fail",
             "rows_affected": 1, "message": "orphan recipient_id"},
            {"gate_id": "DQ-03", "table_name": "orders", "status": "fail",
             "rows_affected": 5, "message": "orphan customer_id"},
            {"gate_id": "DQ-04", "table_name": "users", "status": "pass", "rows_affected": 0,
             "message": ""},
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
