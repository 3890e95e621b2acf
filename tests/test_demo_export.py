"""The demo export's form: files, manifest, schema conformance, determinism, CLI."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from auditlib.dates import STOCKHOLM, add_months
from auditlib.demo import generate_export
from auditlib.demo.clock import add_months_np
from auditlib.demo.names import mobile_numbers, org_numbers
from auditlib.schema import load_schema
from test_demo_reference import open_export

SCHEMA = load_schema()


def _hashes(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_ground_truth_lies_beside_the_export(demo_export):
    assert demo_export.ground_truth_path == demo_export.out_dir.parent / "ground_truth.json"
    assert demo_export.ground_truth_path.is_file()
    assert not (demo_export.out_dir / "ground_truth.json").exists()
    gt = json.loads(demo_export.ground_truth_path.read_text(encoding="utf-8"))
    assert gt["generator"] == "auditlib.demo" and gt["as_of"] == demo_export.as_of.isoformat()
    assert gt["seed"] == 7 and gt["scale"] == 0.01
    assert gt["params"]["offboarding_grace_months"] == 1 and "allowed_countries" in gt["params"]


def test_one_file_per_table_and_manifest(demo_export):
    files = sorted(p.name for p in demo_export.out_dir.iterdir())
    assert files == sorted([f"{t}.parquet" for t in SCHEMA.tables] + ["manifest.json"])
    manifest = json.loads((demo_export.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema"] == "one2many"
    assert list(manifest["tables"]) == list(SCHEMA.tables)
    for name, entry in manifest["tables"].items():
        path = demo_export.out_dir / entry["file"]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), name
        assert entry["rows"] == pq.read_metadata(path).num_rows == demo_export.rows[name], name
    # exported_at: 23:59:59 of as_of in Stockholm, with its offset
    exported = datetime.fromisoformat(manifest["exported_at"])
    assert exported.utcoffset() is not None
    local = exported.astimezone(STOCKHOLM)
    assert (local.date(), local.hour, local.minute, local.second) == (demo_export.as_of, 23, 59, 59)


def test_no_temporary_directories_left(demo_export):
    assert [p.name for p in demo_export.out_dir.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("fixture", ["demo_export", "demo_export_csv"])
def test_tables_conform_to_schema(fixture, request):
    export = request.getfixturevalue(fixture)
    con = open_export(export.out_dir, export.as_of)  # casts every column to its schema type
    for name, table in SCHEMA.tables.items():
        # column names and order as in schema.sql
        if export.fmt == "parquet":
            assert pq.read_schema(export.out_dir / f"{name}.parquet").names == table.column_names, (
                name
            )
        n = con.sql(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        assert n == export.rows[name] and n > 0, name
        for col in table.columns.values():
            if col.not_null:
                nulls = con.sql(
                    f'SELECT count(*) FROM "{name}" WHERE "{col.name}" IS NULL'
                ).fetchone()[0]
                assert nulls == 0, f"{name}.{col.name}: {nulls} NULLs in a NOT NULL column"
            if col.check_values:
                vals = ", ".join(f"'{v}'" for v in col.check_values)
                bad = con.sql(
                    f'SELECT count(*) FROM "{name}" WHERE "{col.name}" NOT IN ({vals})'
                ).fetchone()[0]
                assert bad == 0, f"{name}.{col.name}: values outside the CHECK list"
        pk = ", ".join(f'"{c}"' for c in table.primary_key)
        dup = con.sql(
            f'SELECT count(*) FROM (SELECT {pk} FROM "{name}" GROUP BY ALL HAVING count(*) > 1)'
        ).fetchone()[0]
        assert dup == 0, f"{name}: duplicate primary keys"
        for (ucol,) in table.unique:
            dup = con.sql(
                f'SELECT count(*) FROM (SELECT "{ucol}" FROM "{name}" GROUP BY 1 HAVING count(*) > 1)'
            ).fetchone()[0]
            assert dup == 0, f"{name}.{ucol}: not unique"


def test_csv_follows_the_export_format(demo_export_csv):
    out = demo_export_csv.out_dir
    names = sorted(p.name for p in out.iterdir())
    assert any(n.endswith(".csv") for n in names) and any(n.endswith(".csv.gz") for n in names)
    text = (
        gzip.decompress((out / "dsr_requests.csv.gz").read_bytes()).decode("utf-8")
        if (out / "dsr_requests.csv.gz").exists()
        else (out / "dsr_requests.csv").read_text(encoding="utf-8")
    )
    header, first = text.splitlines()[:2]
    assert header.replace('"', "").split(",") == SCHEMA.tables["dsr_requests"].column_names
    # timestamps ISO 8601 with an offset; empty field = NULL
    assert re.search(r'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"', first)
    users = next(out.glob("users.csv*"))
    raw = users.read_bytes()
    body = (gzip.decompress(raw) if users.suffix == ".gz" else raw).decode("utf-8")
    assert ",true," in body and ",false," in body
    contracts = next(out.glob("contracts.csv*"))
    raw = contracts.read_bytes()
    body = (gzip.decompress(raw) if contracts.suffix == ".gz" else raw).decode("utf-8")
    assert re.search(r",\d{4}-\d\d-\d\d,", body)  # dates YYYY-MM-DD


def test_csv_and_parquet_hold_the_same_data(demo_export, demo_export_csv):
    a = open_export(demo_export.out_dir, demo_export.as_of)
    b = open_export(demo_export_csv.out_dir, demo_export_csv.as_of)
    for name in ("dsr_requests", "backups", "invoices", "users"):
        ra = a.sql(f'SELECT * FROM "{name}" ORDER BY ALL').to_arrow_table()
        rb = b.sql(f'SELECT * FROM "{name}" ORDER BY ALL').to_arrow_table()
        assert ra.num_rows > 0 and ra.equals(rb), name


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = generate_export(tmp_path / "a" / "export", scale=0.005, seed=3, as_of=date(2026, 3, 31))
    b = generate_export(tmp_path / "b" / "export", scale=0.005, seed=3, as_of=date(2026, 3, 31))
    c = generate_export(tmp_path / "c" / "export", scale=0.005, seed=4, as_of=date(2026, 3, 31))
    assert _hashes(a.out_dir) == _hashes(b.out_dir)
    assert a.ground_truth_path.read_bytes() == b.ground_truth_path.read_bytes()
    ha, hc = _hashes(a.out_dir), _hashes(c.out_dir)
    assert ha["users.parquet"] != hc["users.parquet"]
    assert ha["message_deliveries.parquet"] != hc["message_deliveries.parquet"]


def test_csv_gz_is_deterministic(tmp_path):
    a = generate_export(
        tmp_path / "a" / "export", scale=0.003, seed=1, as_of=date(2026, 3, 31), fmt="csv.gz"
    )
    b = generate_export(
        tmp_path / "b" / "export", scale=0.003, seed=1, as_of=date(2026, 3, 31), fmt="csv.gz"
    )
    assert _hashes(a.out_dir) == _hashes(b.out_dir)


def test_refuses_to_overwrite_and_ground_truth_inside(tmp_path):
    out = tmp_path / "export"
    out.mkdir()
    (out / "something").write_text("x")
    with pytest.raises(FileExistsError, match="not empty"):
        generate_export(out, scale=0.003, as_of=date(2026, 3, 31))
    assert (out / "something").exists()
    with pytest.raises(ValueError, match="beside"):
        generate_export(
            tmp_path / "e2",
            scale=0.003,
            as_of=date(2026, 3, 31),
            ground_truth_path=tmp_path / "e2" / "ground_truth.json",
        )
    with pytest.raises(ValueError, match="format"):
        generate_export(tmp_path / "e3", scale=0.003, as_of=date(2026, 3, 31), fmt="xlsx")


def test_realistic_swedish_values(demo_export):
    con = duckdb.connect()
    d = demo_export.out_dir
    orgs = [
        r[0]
        for r in con.sql(f"SELECT org_number FROM read_parquet('{d}/customers.parquet')").fetchall()
    ]
    assert all(re.fullmatch(r"\d{6}-\d{4}", o) for o in orgs)
    phones = con.sql(
        f"SELECT phone FROM read_parquet('{d}/recipients.parquet') WHERE phone IS NOT NULL"
    ).fetchall()
    assert phones and all(re.fullmatch(r"\+467\d{8}", p[0]) for p in phones)
    plans = {
        r[0]
        for r in con.sql(
            f"SELECT DISTINCT plan FROM read_parquet('{d}/contracts.parquet')"
        ).fetchall()
    }
    assert plans == {"basic", "pro", "enterprise"}
    kinds = {
        r[0]
        for r in con.sql(
            f"SELECT DISTINCT request_type FROM read_parquet('{d}/dsr_requests.parquet')"
        ).fetchall()
    }
    assert kinds == set(SCHEMA.tables["dsr_requests"].columns["request_type"].check_values)
    # deliveries carry the gateway: SMS and e-mail deliveries have a subprocessor id
    n = con.sql(f"""SELECT count(*) FROM read_parquet('{d}/message_deliveries.parquet') x
                   JOIN read_parquet('{d}/messages.parquet') m USING (message_id)
                   WHERE m.channel IN ('sms', 'email') AND x.status <> 'queued' AND x.subprocessor_id IS NULL""").fetchone()[
        0
    ]
    assert n == 0


def test_org_numbers_have_a_valid_luhn_digit():
    for o in org_numbers(np.random.default_rng(1), 50):
        digits = [int(c) for c in o.replace("-", "")]
        total = sum(
            (2 * x) // 10 + (2 * x) % 10 if i % 2 == 0 else x for i, x in enumerate(digits[:9])
        )
        assert (10 - total % 10) % 10 == digits[9], o
    assert all(
        p.startswith("+467") and len(p) == 12 for p in mobile_numbers(np.random.default_rng(1), 20)
    )


def test_vectorised_add_months_agrees_with_dates():
    days = np.arange(np.datetime64("2023-01-01"), np.datetime64("2025-01-01"))
    for n in (1, -1, 3, 12, -12, 13, 24):
        got = add_months_np(days, n)
        want = [add_months(date.fromisoformat(str(x)), n) for x in days]
        assert [date.fromisoformat(str(x)) for x in got] == want, n


def test_cli_writes_an_export(tmp_path):
    from auditlib.cli import main

    out = tmp_path / "cli" / "export"
    result = CliRunner().invoke(
        main,
        [
            "demo-data",
            "--out",
            str(out),
            "--scale",
            "0.003",
            "--as-of",
            "2026-06-30",
            "--format",
            "csv",
            "--seed",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").exists() and (out / "users.csv").exists()
    assert (tmp_path / "cli" / "ground_truth.json").exists()
    again = CliRunner().invoke(main, ["demo-data", "--out", str(out), "--scale", "0.003"])
    assert again.exit_code == 2 and "--force" in again.output
    bad = CliRunner().invoke(
        main, ["demo-data", "--out", str(tmp_path / "x"), "--as-of", "30/6/2026"]
    )
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
