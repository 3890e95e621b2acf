"""The cheap DuckDB forms of the checks give the same answers as the plain ones.

- uniqueness split into hash partitions (bounded memory on 20M-row keys) equals one pass;
- the orphan anti-join equals the suite's own ``unexpected_rows_query`` text;
- GX loads only the columns its expectations name;
- the default backend (what the snapshot builder runs) never imports Great Expectations.
"""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap

import pytest

from auditlib.quality import DEFAULT_BACKEND, sql_backend, gx_backend
from auditlib.quality.suites import SNAPSHOT_TIME_PARAMETER, read_suite_dicts
from test_quality_parity import bad_snapshot
from test_quality_support import SNAPSHOT_TIME, insert

PARAMS = {SNAPSHOT_TIME_PARAMETER: SNAPSHOT_TIME}
UNIQUE_TYPES = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}


@pytest.fixture(scope="module")
def bad():
    con = bad_snapshot()
    # more duplicate groups than one sample list holds, spread over the partitions
    for i in range(8):
        row = {"message_id": 100 + i, "recipient_id": 7, "status": "sent"}
        insert(con, "message_deliveries", row, row)
    return con


def _outcome(results):
    return {r.check_id: (r.error, r.unexpected_count, r.element_count, r.samples) for r in results}


def test_partitioned_uniqueness_equals_one_pass(bad, monkeypatch) -> None:
    suites = read_suite_dicts()
    one_pass, failing = {}, 0
    for table, suite in suites.items():
        one_pass[table] = _outcome(
            sql_backend.run_suite(bad, table, suite, PARAMS, UNIQUE_TYPES)
        )
        failing += sum(1 for _e, n, _c, _s in one_pass[table].values() if n)
    assert failing >= 3  # users, invoices' number, message_deliveries (compound)
    monkeypatch.setattr(sql_backend, "UNIQUE_PARTITION_ROWS", 2)
    for table, suite in suites.items():
        split = _outcome(sql_backend.run_suite(bad, table, suite, PARAMS, UNIQUE_TYPES))
        assert split == one_pass[table], table
    md = one_pass["message_deliveries"]["message_deliveries.pk_unique.message_id+recipient_id"]
    # (1, 1) twice, (5, NULL) twice (NULL parts group together, as in GX), 8 pairs twice
    assert md[1] == 2 + 2 + 16 and len(md[3]) == 5


def test_orphan_anti_join_equals_the_suite_query(bad) -> None:
    insert(bad, "orders", {"order_id": 91, "customer_id": 999})
    insert(
        bad,
        "recipients",
        {"recipient_id": 93, "customer_id": 998},
        {"recipient_id": 94, "customer_id": None},
    )
    types = {"unexpected_rows_expectation"}
    found = 0
    for table, suite in read_suite_dicts().items():
        joined = _outcome(sql_backend.run_suite(bad, table, suite, PARAMS, types))
        as_written = copy.deepcopy(suite)
        for e in as_written["expectations"]:
            e["meta"].pop("parent_column", None)  # no meta -> the query text runs
        text = _outcome(sql_backend.run_suite(bad, table, as_written, PARAMS, types))
        assert joined == text, table
        found += sum(1 for err, n, _c, _s in joined.values() if n and not err)
    assert found >= 3


def test_gx_is_given_only_the_columns_its_expectations_name() -> None:
    suite = read_suite_dicts()["dsr_requests"]
    data_types = {e["type"] for e in suite["expectations"]} - {"expect_table_columns_to_match_set"}
    cols = gx_backend.needed_columns(suite, data_types)
    assert cols is not None and cols[0] == "request_id"
    named = {
        c
        for e in suite["expectations"]
        if e["type"] in data_types and e["type"] not in gx_backend.GX_UNSUPPORTED
        for c in gx_backend.expectation_columns(e)
    }
    assert set(cols) == named | {"request_id"}
    assert len(cols) < len(suite["expectations"][0]["kwargs"]["column_set"])
    # the schema expectation compares the whole column set: everything is loaded
    assert gx_backend.needed_columns(suite, {"expect_table_columns_to_match_set"}) is None


def test_default_backend_is_duckdb_and_never_imports_great_expectations() -> None:
    assert DEFAULT_BACKEND == "duckdb"
    code = textwrap.dedent("""
        import sys
        from auditlib.quality import run_gates
        from test_quality_support import SNAPSHOT_TIME, add_clean_rows, make_snapshot
        con = make_snapshot()
        add_clean_rows(con)
        res = run_gates(con, SNAPSHOT_TIME)
        assert {r.status for r in res} == {"pass", "skipped"}
        assert {c["backend"] for r in res for c in r.details.get("checks", [])} <= {
            "duckdb", "catalog"}
        print("great_expectations" in sys.modules)
    """)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).parent),
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
