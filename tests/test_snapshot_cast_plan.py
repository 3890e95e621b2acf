"""The builder casts only what needs a cast, and a failed live read names the source's table."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from auditlib.quality import build_gated_snapshot
from auditlib.schema import load_schema
from auditlib.snapshot.builder import CHECK_COLUMN, plan_table
from auditlib.snapshot.minimisation import load_minimisation
from auditlib.source.base import Source, SourceError, SourceTable

PG_TYPES = {
    "customer_id": "bigint",
    "org_number": "text",
    "name": "text",
    "country": "char(2)",
    "created_at": "timestamptz",
}
DUCK_TYPES = {
    "customer_id": "BIGINT",
    "org_number": "VARCHAR",
    "name": "VARCHAR",
    "country": "VARCHAR",
    "created_at": "TIMESTAMP WITH TIME ZONE",
}


def _plan(columns: dict[str, str], extra: dict[str, Any]) -> Any:
    table = load_schema().tables["customers"]
    st = SourceTable(
        "customers", "customers", columns, "one2many.customers", "postgres", extra=extra
    )
    return plan_table(table, load_minimisation()["customers"], st)


def test_columns_that_already_have_the_duckdb_type_are_not_cast() -> None:
    tp = _plan(PG_TYPES, {"duck_types": DUCK_TYPES})
    assert not any("TRY_CAST" in s for s in tp.select), tp.select
    assert tp.checks == {}
    assert not any(CHECK_COLUMN in s for s in tp.select)
    # the metadata keeps the source's own spelling
    assert {m["name"]: m["source_type"] for m in tp.columns_meta}["created_at"] == "timestamptz"


def test_without_duckdb_types_the_source_spelling_decides_and_text_is_cast() -> None:
    tp = _plan(PG_TYPES, {})  # PostgreSQL spellings: char(2) and timestamptz are cast
    assert set(tp.checks) == {"country", "created_at"}
    text = {
        "customer_id": "VARCHAR",
        "org_number": "VARCHAR",
        "name": "VARCHAR",
        "country": "VARCHAR",
        "created_at": "VARCHAR",
    }
    tp = _plan(text, {})
    assert set(tp.checks) == {"customer_id", "created_at"}
    assert any("regexp_matches" in s and "TRY_CAST" in s for s in tp.select)


def test_a_wrong_duckdb_type_is_still_cast_and_checked() -> None:
    tp = _plan(PG_TYPES, {"duck_types": {**DUCK_TYPES, "created_at": "VARCHAR"}})
    assert set(tp.checks) == {"created_at"}


class _FailingLiveSource(Source):
    """A live source whose relation for ``customers`` cannot be read."""

    kind = "fake-live"

    def __init__(self, with_read_error: bool) -> None:
        super().__init__()
        self.with_read_error = with_read_error
        if with_read_error:
            self.read_error = self._read_error  # type: ignore[method-assign]

    def open(self, con: duckdb.DuckDBPyConnection) -> None:
        self._snapshot_time = datetime(2025, 1, 1, tzinfo=UTC)
        self._tables["customers"] = SourceTable(
            "customers",
            "read_parquet('/nonexistent/customers.parquet')",
            PG_TYPES,
            "fake.customers",
            "postgres",
            extra={"duck_types": DUCK_TYPES},
        )

    def _read_error(self, table: str, exc: BaseException) -> SourceError:
        return SourceError(
            f"fake server: the connection was lost while reading fake.{table}", transient=True
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def close(self) -> None:
        pass


@pytest.mark.parametrize("with_read_error", [True, False])
def test_failed_live_read_uses_the_sources_read_error(
    tmp_path: Path, with_read_error: bool
) -> None:
    out = tmp_path / "s.duckdb"
    with pytest.raises(SourceError) as info:
        build_gated_snapshot(_FailingLiveSource(with_read_error), out, key=b"k" * 32)
    if with_read_error:
        assert str(info.value).startswith("fake server: the connection was lost")
    else:
        assert str(info.value).startswith("reading customers from the source failed")
    assert info.value.transient
    assert not out.exists()
