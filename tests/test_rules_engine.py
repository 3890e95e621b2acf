"""The engine itself: fail-closed gates, SQL errors as `error`, the personal-data guard."""

from datetime import date

import duckdb
import pytest

from auditlib.config import Params
from auditlib.rules.catalogue_loader import Rule
from auditlib.rules.engine import evaluate_rules, gate_blockers, run_rule, set_parameters
from rule_fixtures import make_snapshot


def _rule(sql: str, tables: tuple[str, ...] = ("users",)) -> Rule:
    return Rule(
        id="TST-01",
        title="t",
        severity="high",
        entity_type="user",
        notebook="retention",
        tables=tables,
        sql=sql,
        checks="test",
    )


def _con() -> duckdb.DuckDBPyConnection:
    con = make_snapshot({})
    set_parameters(con, date(2026, 6, 30), Params())
    return con


def test_missing_gate_table_blocks_every_rule() -> None:
    results = evaluate_rules(make_snapshot({}), date(2026, 6, 30), rule_ids=["RET-04", "SUB-07"])
    assert [r.status for r in results] == ["error", "error"]
    assert "no data-quality gate results" in results[0].error


def test_failed_or_missing_gates_block_and_skipped_dq06_does_not() -> None:
    con = _con()
    con.execute(
        "CREATE TABLE _audit_gates (gate_id VARCHAR, table_name VARCHAR, status VARCHAR, "
        "rows_affected BIGINT, message VARCHAR, details JSON)"
    )
    con.execute(
        "INSERT INTO _audit_gates VALUES "
        "('DQ-01','users','pass',0,'',NULL), ('DQ-06','users','skipped',0,'no manifest',NULL),"
        "('DQ-01','backups','pass',0,'',NULL), ('DQ-02','backups','fail',2,'duplicate backup_id',NULL)"
    )
    blockers = gate_blockers(con, ["users", "backups", "recipients"])
    assert set(blockers) == {"backups", "recipients"}
    assert "DQ-02 fail: duplicate backup_id" in blockers["backups"]
    assert "not evaluated" in blockers["recipients"]


def test_sql_error_is_an_error_never_a_pass() -> None:
    res = run_rule(
        _con(),
        _rule("SELECT 1 AS entity_id, 'm' AS message, {'a': 1} AS evidence FROM nope"),
        require_gates=False,
    )
    assert res.status == "error" and "nope" in res.error


@pytest.mark.parametrize(
    "evidence",
    ["{'email': 'x'}", "{'rows': {'phone_number': 1}}", "{'items': [{'full_name': 'x'}]}"],
)
def test_personal_data_keys_in_evidence_are_refused_at_any_depth(evidence: str) -> None:
    res = run_rule(
        _con(),
        _rule(f"SELECT '1' AS entity_id, 'm' AS message, {evidence} AS evidence"),
        require_gates=False,
    )
    assert res.status == "error" and "personal data" in res.error


def test_findings_sorted_numerically_and_pass_when_none() -> None:
    sql = (
        "SELECT x AS entity_id, 'm' AS message, {'n': 1} AS evidence "
        "FROM (VALUES ('10'), ('9'), ('unknown')) t(x)"
    )
    res = run_rule(_con(), _rule(sql), require_gates=False)
    assert [f.entity_id for f in res.findings] == ["9", "10", "unknown"]
    assert res.status == "fail"
    empty = run_rule(_con(), _rule(sql + " WHERE false"), require_gates=False)
    assert empty.status == "pass" and empty.findings == []
