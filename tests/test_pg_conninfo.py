"""Fast checks of the pg area that need no server: conninfo policy, FK order, type names."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditlib.pg.load import fk_order, load_export
from auditlib.schema import load_schema
from auditlib.source.base import SourceError
from auditlib.source.postgres import PostgresSource, normalise_pg_type
from auditlib.source.postgres.conninfo import (
    PasswordInConninfoError,
    check_no_password,
    effective_target,
)
from auditlib.source.postgres.source import _libpq_reason


def test_fk_order_puts_parents_first() -> None:
    order = fk_order(load_schema())
    pos = {t: i for i, t in enumerate(order)}
    for t in load_schema().tables.values():
        for c in t.columns.values():
            if c.references:
                assert pos[c.references[0]] < pos[t.name], (t.name, c.name)
    assert len(order) == 18


@pytest.mark.parametrize(
    "conninfo",
    [
        "postgresql://postgres:s3cr3t-pw@127.0.0.1:5432/one2many",
        "postgresql://postgres@127.0.0.1/one2many?password=s3cr3t-pw",
        "host=127.0.0.1 dbname=one2many user=postgres password=s3cr3t-pw",
    ],
)
def test_password_in_conninfo_is_refused_without_echoing_it(conninfo: str, tmp_path: Path) -> None:
    with pytest.raises(PasswordInConninfoError) as exc:
        load_export(tmp_path, conninfo)
    msg = str(exc.value)
    assert "s3cr3t-pw" not in msg
    assert "PGPASSWORD" in msg and "host=127.0.0.1" in msg


def test_conninfo_without_password_passes() -> None:
    assert check_no_password("postgresql://auditor@db.example:6543/one2many") == {
        "user": "auditor",
        "host": "db.example",
        "port": "6543",
        "dbname": "one2many",
    }


def test_unparsable_conninfo_is_a_value_error_without_echo() -> None:
    with pytest.raises(ValueError, match="cannot parse") as exc:
        check_no_password("host=db password='unterminated-s3cret")
    assert "s3cret" not in str(exc.value)
    with pytest.raises(SourceError):
        PostgresSource("host=db password='unterminated-s3cret")


def test_effective_target_falls_back_to_pg_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "db.internal")
    monkeypatch.setenv("PGPORT", "6432")
    monkeypatch.setenv("PGUSER", "auditor")
    monkeypatch.delenv("PGDATABASE", raising=False)
    assert effective_target("dbname=one2many") == {
        "host": "db.internal",
        "port": "6432",
        "dbname": "one2many",
        "user": "auditor",
    }


@pytest.mark.parametrize(
    ("formatted", "expected"),
    [
        ("timestamp with time zone", "timestamptz"),
        ("character(2)", "char(2)"),
        ("numeric(12,2)", "numeric(12,2)"),
        ("inet", "inet"),
        ("bigint", "bigint"),
    ],
)
def test_pg_type_names_are_spelled_as_in_schema_sql(formatted: str, expected: str) -> None:
    assert normalise_pg_type(formatted) == expected


def test_schema_types_round_trip_through_normalise() -> None:
    spelled = {c.pg_type for t in load_schema().tables.values() for c in t.columns.values()}
    pg_spelling = {"timestamptz": "timestamp with time zone", "char(2)": "character(2)"}
    assert {normalise_pg_type(pg_spelling.get(s, s)) for s in spelled} == spelled


def test_libpq_reason_drops_duckdbs_echo_of_the_dsn() -> None:
    text = (
        'IO Error: Unable to connect to Postgres at "host=10.0.0.1 port=5432 user=a '
        'application_name=auditlib-snapshot": connection to server at "10.0.0.1", port 5432 '
        "failed: Connection refused"
    )
    assert _libpq_reason(text).startswith('connection to server at "10.0.0.1"')
    assert "application_name" not in _libpq_reason(text)
