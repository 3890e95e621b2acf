"""DuckDB resources (memory limit, threads, spill directory): from the plan, through the
environment to every audit connection; past the limit DuckDB spills instead of failing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from auditlib.duckdb_resources import (
    DEFAULT_MEMORY_LIMIT,
    ENV_MEMORY_LIMIT,
    ENV_THREADS,
    DuckDBResources,
    apply,
)
from auditlib.runner.plan import PlanError, load_plan

REPO = Path(__file__).resolve().parents[1]


def _plan(tmp_path: Path, duck: str) -> Path:
    p = tmp_path / "plan.toml"
    p.write_text(f'name = "t"\nnotebooks = ["snapshot", "retention"]\n{duck}\n', encoding="utf-8")
    return p


def test_plan_duckdb_table(tmp_path: Path) -> None:
    plan = load_plan(
        _plan(
            tmp_path,
            f'[duckdb]\nmemory_limit = "2GiB"\nthreads = 1\ntemp_directory = "{tmp_path}/spill"',
        )
    )
    assert plan.duckdb == DuckDBResources("2GiB", 1, f"{tmp_path}/spill")
    assert plan.duckdb.to_env()[ENV_MEMORY_LIMIT] == "2GiB"
    assert load_plan(_plan(tmp_path, "")).duckdb == DuckDBResources(DEFAULT_MEMORY_LIMIT)
    assert load_plan(REPO / "audits" / "monthly.toml").duckdb.memory_limit == "4GiB"


@pytest.mark.parametrize(
    "bad, message",
    [
        ('memory_limit = "lots"', "not a size"),
        ("threads = 0", "threads must be an integer >= 1"),
        ("thread = 2", "unknown key"),
    ],
)
def test_plan_refuses_bad_duckdb_values(tmp_path: Path, bad: str, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        load_plan(_plan(tmp_path, f"[duckdb]\n{bad}"))


def test_environment_round_trip_and_apply(tmp_path: Path) -> None:
    res = DuckDBResources("256MiB", 1, str(tmp_path / "spill"))
    assert DuckDBResources.from_env(res.to_env()) == res
    assert DuckDBResources.from_env({}) == DuckDBResources()
    with pytest.raises(ValueError, match=ENV_THREADS):
        DuckDBResources.from_env({ENV_THREADS: "two"})
    con = duckdb.connect()
    apply(con, res)
    assert con.execute("SELECT current_setting('threads')").fetchone() == (1,)
    assert con.execute("SELECT current_setting('temp_directory')").fetchone()[0].endswith("spill")
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.replace(" ", "") in ("256.0MiB", "256MiB", "268.4MB")


def test_a_sort_larger_than_the_limit_spills(tmp_path: Path) -> None:
    """The same sort fails in 64 MiB without a spill directory and succeeds with one."""
    query = "SELECT count(*), min(h) FROM (SELECT h, i FROM t ORDER BY h)"
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    con.execute(
        "CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) || md5(range::VARCHAR) AS h "
        "FROM range(3000000)"
    )
    con.close()
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    apply(con, DuckDBResources("64MiB", 1))
    con.execute("SET temp_directory = ''")  # spilling off: the naive way
    with pytest.raises(duckdb.OutOfMemoryException):
        con.execute(query).fetchone()
    con.close()
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    apply(con, DuckDBResources("64MiB", 1, str(tmp_path / "spill")))
    assert con.execute(query).fetchone()[0] == 3_000_000
