"""``auditlib pg load`` reads part-file exports (``<table>/part-NNNNN.<ext>``) like single files,
and refuses a missing part, a part of another schema and a part the manifest does not list."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from auditlib.demo import generate_export
from auditlib.pg.cluster import ThrowawayCluster
from auditlib.pg.load import LoadError, load_export
from fixtures_demo import DEMO_AS_OF, DEMO_SCALE, DEMO_SEED
from fixtures_pg import LoadedDatabase, _create_database, load_into_new_database, pg_table_checksum

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def part_export(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return generate_export(
        tmp_path_factory.mktemp("pg_parts") / "export",
        scale=DEMO_SCALE,
        seed=DEMO_SEED,
        as_of=DEMO_AS_OF,
        fmt="mixed",
        part_rows=3000,
    )


def test_part_export_loads_the_same_rows_as_single_files(
    part_export: Any, pg_cluster: ThrowawayCluster, pg_demo_csv: LoadedDatabase
) -> None:
    db = load_into_new_database(
        pg_cluster, "demo_parts", Path(part_export.out_dir), fk_checks=False
    )
    assert db.rows == pg_demo_csv.rows
    with db.connect() as a, pg_demo_csv.connect() as b:
        for table in ("message_deliveries", "login_events", "users", "invoices", "customers"):
            assert pg_table_checksum(a, table) == pg_table_checksum(b, table), table


@pytest.fixture()
def parquet_parts(tmp_path: Path) -> Path:
    return generate_export(
        tmp_path / "export", scale=0.003, seed=1, as_of=DEMO_AS_OF, part_rows=1500
    ).out_dir


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            "missing",
            r"message_deliveries: manifest lists part message_deliveries/part-00001\.parquet, which is not",
        ),
        (
            "schema",
            r"message_deliveries: part message_deliveries/part-00001\.parquet is of another schema",
        ),
        (
            "unlisted",
            r"message_deliveries: part message_deliveries/part-00042\.parquet is not listed",
        ),
    ],
)
def test_bad_parts_are_refused_naming_table_and_part(
    damage: str,
    message: str,
    parquet_parts: Path,
    pg_cluster: ThrowawayCluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = parquet_parts / "message_deliveries"
    part = d / "part-00001.parquet"
    if damage == "missing":
        part.unlink()
    elif damage == "schema":
        t = pq.read_table(part)
        pq.write_table(t.drop_columns(["status"]), part)
    else:
        shutil.copy(part, d / "part-00042.parquet")
    monkeypatch.setenv("PGPASSWORD", pg_cluster.password)
    conninfo = _create_database(pg_cluster, f"parts_{damage}")
    with pytest.raises(LoadError, match=message):
        load_export(parquet_parts, conninfo, fk_checks=False)
