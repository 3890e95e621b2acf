"""Loading an export into PostgreSQL: round trip, refusals, atomicity."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import psycopg
import pytest

from auditlib.pg.cluster import ThrowawayCluster
from auditlib.pg.load import LoadError, find_export_files, load_export
from auditlib.schema import load_schema
from fixtures_pg import (
    LoadedDatabase,
    TinyExport,
    _create_database,
    duck_relation_checksum,
    export_relation_sql,
    pg_table_checksum,
)

pytestmark = pytest.mark.postgres


def _export_checksums(export_dir: Path) -> dict[str, tuple[int, str]]:
    files, _ = find_export_files(export_dir, load_schema())
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return {t: duck_relation_checksum(con, t, export_relation_sql(p)) for t, p in files.items()}


@pytest.mark.parametrize("fixture", ["pg_tiny", "pg_demo", "pg_demo_csv"])
def test_round_trip_counts_and_checksums(fixture: str, request: pytest.FixtureRequest) -> None:
    db: LoadedDatabase = request.getfixturevalue(fixture)
    expected = _export_checksums(db.export_dir)
    assert expected, "the export has no table files"
    with db.connect(auditor=True) as con:  # the read-only role can read every table
        got = {t: pg_table_checksum(con, t) for t in expected}
    assert got == expected
    assert {t: n for t, (n, _) in expected.items()} == {t: db.rows[t] for t in expected}
    assert all(n > 0 for n, _ in expected.values())


def test_tiny_export_keeps_empty_strings_apart_from_nulls(pg_tiny: LoadedDatabase) -> None:
    with pg_tiny.connect() as con:
        rows = con.execute(
            "SELECT message_id, subject, body FROM one2many.messages ORDER BY message_id"
        ).fetchall()
    assert rows[1] == (301, None, None)  # csv: empty field
    assert rows[2] == (302, "", "")  # csv: quoted empty string
    assert rows[0][2] == 'Body with "quotes", commas\nand lines'


def test_auditor_is_read_only(pg_tiny: LoadedDatabase) -> None:
    with pg_tiny.connect(auditor=True) as con, pytest.raises(psycopg.errors.InsufficientPrivilege):
        con.execute("DELETE FROM one2many.customers")


def test_existing_schema_needs_replace_and_a_failed_load_changes_nothing(
    pg_cluster: ThrowawayCluster,
    tiny_export: TinyExport,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSWORD", pg_cluster.password)
    conninfo = _create_database(pg_cluster, "reload")
    load_export(tiny_export.out_dir, conninfo)
    with pytest.raises(LoadError, match="already exists.*replace"):
        load_export(tiny_export.out_dir, conninfo)

    # A dirty export: an orphan user (customer 99 does not exist). The load fails,
    # names the table, and the earlier data is untouched (one transaction).
    dirty = tmp_path / "dirty"
    shutil.copytree(tiny_export.out_dir, dirty)
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE (CASE WHEN user_id = '103' THEN '99' ELSE customer_id END AS customer_id) "
        f"FROM read_csv('{dirty / 'users.csv.gz'}', all_varchar=true)) "
        f"TO '{dirty / 'users.csv'}' (FORMAT csv, HEADER true)"
    )
    (dirty / "users.csv.gz").unlink()
    with pytest.raises(
        LoadError, match=r"table users: rows break foreign key users_customer_id_fkey"
    ) as exc:
        load_export(dirty, conninfo, replace=True)
    assert "Hans" not in str(exc.value)  # no row data in the message
    with psycopg.connect(conninfo, password=pg_cluster.password) as pg:
        assert pg.execute("SELECT count(*) FROM one2many.users").fetchone() == (4,)

    # fk_checks=False loads it anyway (for trying the DQ gates on the live path)
    rows = load_export(dirty, conninfo, replace=True, fk_checks=False)
    assert rows["users"] == 4


def test_ambiguous_export_is_refused(tiny_export: TinyExport, tmp_path: Path) -> None:
    amb = tmp_path / "amb"
    shutil.copytree(tiny_export.out_dir, amb)
    shutil.copy(amb / "contracts.csv", amb / "contracts.csv.gz")
    with pytest.raises(LoadError, match="ambiguous.*contracts"):
        load_export(amb, "host=127.0.0.1 port=1 dbname=x user=y")


def test_manifest_row_mismatch_rolls_back(
    pg_cluster: ThrowawayCluster,
    tiny_export: TinyExport,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSWORD", pg_cluster.password)
    exp = tmp_path / "with_manifest"
    shutil.copytree(tiny_export.out_dir, exp)
    tables = {t: {"file": f"{t}.x", "rows": n} for t, n in tiny_export.rows.items()}
    tables["orders"]["rows"] = 3  # the file has 2
    (exp / "manifest.json").write_text(
        json.dumps({"exported_at": "2026-01-01T00:00:00+00:00", "tables": tables})
    )
    conninfo = _create_database(pg_cluster, "manifest_check")
    with pytest.raises(
        LoadError,
        match="orders: manifest 3, file 2.*nothing was committed|nothing was committed.*orders: manifest 3, file 2",
    ):
        load_export(exp, conninfo)
    with psycopg.connect(conninfo, password=pg_cluster.password) as pg:
        assert pg.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'one2many'"
        ).fetchone() == (0,)
