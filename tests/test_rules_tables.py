"""Every rule's ``tables`` is exactly what its SQL reads (sqlglot's parse, views included).

The gate blocking depends on ``tables``: a table read but not declared could pass
unchecked, a table declared but not read would block the rule for nothing.
"""

from __future__ import annotations

import pytest

from auditlib.rules import load_catalogue
from auditlib.rules.sql_tables import tables_read


@pytest.mark.parametrize("rule_id", sorted(load_catalogue()))
def test_declared_tables_are_exactly_the_tables_the_sql_reads(rule_id: str) -> None:
    rule = load_catalogue()[rule_id]
    read = tables_read(rule.sql)
    if rule.observations_sql:
        read |= tables_read(rule.observations_sql)
    assert set(rule.tables) == read


def test_ctes_and_views_are_seen_through() -> None:
    sql = (
        "WITH x AS (SELECT * FROM users) SELECT * FROM x JOIN dsr_deadlines d ON true "
        "JOIN customer_deletion_due c ON true"
    )
    assert tables_read(sql) == {"users", "dsr_requests", "contracts", "legal_holds"}
