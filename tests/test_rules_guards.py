"""Fail-closed guards (auditlib.rules.guards): explicit checks before a rule's SQL.

They replace error() inside WHERE clauses, whose firing depended on the order in which the
optimizer evaluated predicates: a guard fires on the row whatever else the rule filters.
"""

from __future__ import annotations

from datetime import date

import pytest

from auditlib.config import Params
from auditlib.rules import evaluate_rules, load_catalogue
from auditlib.rules.guards import Guard, parse_guards, rule_guards, view_guards
from rule_fixtures import make_snapshot


def test_guard_sql_names_the_smallest_key_and_formats_the_message() -> None:
    g = Guard(
        table="backups",
        key="backup_id",
        when="taken_at IS NULL",
        message="backups.taken_at is NULL for backup_id={key}",
    )
    con = make_snapshot(
        {
            "backups": [
                {"backup_id": 9},
                {"backup_id": 3},
                {"backup_id": 1, "taken_at": "2025-01-01 00:00:00+00"},
            ]
        }
    )
    key, value = con.execute(g.sql()).fetchone()
    assert (key, value) == ("3", None)
    assert g.error(key, value) == "backups.taken_at is NULL for backup_id=3"


def test_malformed_guards_are_refused() -> None:
    with pytest.raises(ValueError, match="missing"):
        parse_guards([{"table": "t", "key": "k", "when": "x"}], "rule X")
    with pytest.raises(ValueError, match="unknown"):
        parse_guards([{"table": "t", "key": "k", "when": "x", "message": "m", "wen": 1}], "rule X")


def test_views_guards_reach_every_rule_reading_the_view() -> None:
    cat = load_catalogue()
    shared = set(view_guards()["dsr_deadlines"])
    for rid in ("DSR-01", "DSR-02", "DSR-06"):
        assert shared <= set(rule_guards(cat[rid])), rid
    assert not shared & set(rule_guards(cat["DSR-05"]))


def test_guard_fires_whatever_the_other_predicates_say() -> None:
    # Not engaged, no personal data: the rule's filters would drop the row before the old
    # inline error() was reached on some plans; the guard still refuses to judge the register.
    con = make_snapshot(
        {
            "subprocessors": [
                {
                    "subprocessor_id": 5,
                    "name": "A",
                    "legal_country": "SE",
                    "engaged_on": None,
                    "processes_personal_data": False,
                },
            ]
        }
    )
    for rid in ("SUB-01", "SUB-02", "SUB-03", "SUB-04"):
        (res,) = evaluate_rules(
            con, date(2026, 6, 30), Params(), rule_ids=[rid], require_gates=False
        )
        assert res.status == "error", rid
        assert res.error.startswith("subprocessors.engaged_on is NULL for subprocessor_id=5")


def test_dsr_received_day_outside_the_calendar_is_an_error() -> None:
    con = make_snapshot(
        {
            "dsr_requests": [
                {
                    "request_id": 7,
                    "controller": "netdialog",
                    "subject_email": "a@x.se",
                    "request_type": "access",
                    "channel": "email",
                    "received_at": "1985-05-02 10:00:00+00",
                    "fee_sek": 0,
                },
            ]
        }
    )
    (res,) = evaluate_rules(
        con, date(2026, 6, 30), Params(), rule_ids=["DSR-01"], require_gates=False
    )
    assert res.status == "error"
    assert res.error == (
        "request_id=7: received on 1985-05-02 is outside the holiday calendar "
        "(auditlib.dates covers 1990-2100); correct received_at"
    )
