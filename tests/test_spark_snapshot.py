"""The snapshot built on Spark: HMAC equal to Python's, the same rows as the DuckDB snapshot."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from auditlib.snapshot.pseudonym import hmac_hex, normalise_email

KEY = b"spark-snapshot-test-key-0123456789"
LONG_KEY = bytes(range(100))  # longer than the block: hashed first
TRICKY = [
    "anna@example.se",
    "  Anna@Example.SE \t",
    "ÅSA.Öberg@exempel.se",
    "\u00e9\u0301 ünïcödé 😀",
    "with space inside",
    "",
    " ",
    "\x0b\f\r\nx\n",
    "\u2028keep-u2028\u2028",
    "x" * 5000,
    None,
]


@pytest.mark.spark
@pytest.mark.parametrize("key", [KEY, LONG_KEY, b"k" * 64], ids=["32", "100", "64"])
def test_spark_hmac_equals_python_hmac(spark: Any, key: bytes) -> None:
    from pyspark.sql import functions as F

    from auditlib.engines.spark.pseudonym import email_norm_column, hmac_column

    df = spark.createDataFrame([(i, v) for i, v in enumerate(TRICKY)], "i INT, v STRING")
    rows = df.select(
        "i",
        hmac_column(F.col("v"), key).alias("h"),
        hmac_column(email_norm_column(F.col("v")), key).alias("e"),
        email_norm_column(F.col("v")).alias("n"),
    ).collect()
    got = {r["i"]: (r["h"], r["e"], r["n"]) for r in rows}
    for i, v in enumerate(TRICKY):
        n = normalise_email(v)
        assert got[i] == (hmac_hex(key, v), hmac_hex(key, n), n), (i, v)
    assert got[len(TRICKY) - 1] == (None, None, None)  # NULL stays NULL


def _rows(con: Any, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def _with_part_directories(src: Any, dst: Any) -> Any:
    """A copy of the mixed export where customers (CSV) and the first Parquet table are
    directories of two part files each (the DuckDB source reads both layouts)."""
    import shutil

    import duckdb

    shutil.copytree(src, dst)
    if (dst / "customers.csv").exists():
        lines = (dst / "customers.csv").read_text("utf-8").splitlines(keepends=True)
        (dst / "customers.csv").unlink()
        (dst / "customers").mkdir()
        half = 1 + (len(lines) - 1) // 2
        (dst / "customers" / "part-00000.csv").write_text("".join(lines[:half]), "utf-8")
        (dst / "customers" / "part-00001.csv").write_text(lines[0] + "".join(lines[half:]), "utf-8")
    pq = sorted(dst.glob("*.parquet"))
    if pq:
        name = pq[0].name.removesuffix(".parquet")
        (dst / name).mkdir()
        with duckdb.connect() as con:
            n = con.execute(f"SELECT count(*) FROM read_parquet('{pq[0]}')").fetchone()[0]
            for i, where in enumerate((f"rn <= {n // 2}", f"rn > {n // 2}")):
                con.execute(
                    f"COPY (SELECT * EXCLUDE rn FROM (SELECT *, row_number() OVER () AS rn "
                    f"FROM read_parquet('{pq[0]}')) WHERE {where}) "
                    f"TO '{dst / name / f'part-0000{i}.parquet'}' (FORMAT parquet)"
                )
        pq[0].unlink()
    return dst


@pytest.mark.spark
@pytest.mark.parametrize(
    "export_fixture", ["demo_export", "demo_export_csv", "parts_csv", "parts_parquet"]
)
def test_spark_snapshot_has_the_duckdb_snapshot_rows(
    spark: Any, export_fixture: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    import duckdb

    from auditlib.engines.spark.snapshot import build_spark_snapshot
    from auditlib.schema import load_schema
    from auditlib.snapshot.builder import build_snapshot
    from auditlib.snapshot.parquet_layout import META_DIR
    from auditlib.snapshot.pseudonym import resolve_key

    if export_fixture.startswith("parts_"):
        base = "demo_export_csv" if export_fixture == "parts_csv" else "demo_export"
        src = request.getfixturevalue(base).out_dir
        export = _with_part_directories(src, tmp_path / "in" / "export")
        assert [p for p in export.iterdir() if p.is_dir()]
    else:
        export = request.getfixturevalue(export_fixture).out_dir
    duck = tmp_path / "snap.duckdb"
    build_snapshot(str(export), duck, gates=lambda con, t: [], key=KEY)
    info = build_spark_snapshot(spark, export, tmp_path / "spark_snap", key=KEY)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left

    con = duckdb.connect(str(duck), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    for tname in load_schema().tables:
        cols = [r[0] for r in con.execute(f'DESCRIBE "{tname}"').fetchall()]
        pq = f"read_parquet('{tmp_path / 'spark_snap' / tname}/*.parquet')"
        spark_cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {pq}").fetchall()]
        assert spark_cols == cols, tname
        want = _rows(con, f'SELECT * FROM "{tname}"')
        got = _rows(con, f"SELECT * FROM {pq}")
        assert got == want, tname
        assert info.rows[tname] == len(want)
    import json

    meta = {
        k: json.loads(v)
        for k, v in con.execute(
            f"SELECT key, value FROM read_parquet('{tmp_path / 'spark_snap' / META_DIR}/*.parquet')"
        ).fetchall()
    }
    assert meta["key_fingerprint"] == resolve_key(KEY).fingerprint
    assert meta["engine"] == "spark" and info.rows["users"] > 0
    from auditlib.snapshot.metadata import read_meta

    duck_meta = read_meta(con)
    con.close()
    assert meta["snapshot_time"] == duck_meta["snapshot_time"]
    assert meta["key_fingerprint"] == duck_meta["key_fingerprint"]


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    from click.testing import CliRunner

    from auditlib.cli.snapshot import command

    monkeypatch.setenv("AUDITLIB_PSEUDONYM_KEY", KEY.decode())
    return CliRunner().invoke(command, args, catch_exceptions=False)


@pytest.mark.spark
def test_cli_snapshot_engine_spark_writes_parquet(
    spark: Any, demo_export_csv: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "snap"
    res = _cli(
        ["--engine", "spark", "--source", str(demo_export_csv.out_dir), "--out", str(out), "-q"],
        monkeypatch,
    )
    assert res.exit_code == 0, res.output
    assert "written on Spark" in res.output
    assert (out / "users").is_dir() and (out / "snapshot_meta").is_dir()
    assert not (out / "users" / "email").exists()


def _broken(src: Any, dst: Any, how: str) -> Any:
    import shutil

    shutil.copytree(src, dst)
    if how == "missing_table":
        (dst / "subprocessors.csv.gz").unlink()
    elif how == "cast":
        text = (dst / "customers.csv").read_text("utf-8").splitlines(keepends=True)
        text[2] = text[2].replace("+00:00", "")  # a timestamp without an offset
        (dst / "customers.csv").write_text("".join(text), "utf-8")
    elif how == "unreadable":
        (dst / "users.csv").unlink()
        (dst / "users.parquet").write_bytes(b"PAR1 this is not parquet PAR1")
    return dst


@pytest.mark.spark
@pytest.mark.parametrize(
    ("how", "named"),
    [
        ("missing_table", "DQ-01 subprocessors: fail"),
        ("cast", "customers.created_at"),
        ("unreadable", "DQ-01 users: fail"),
    ],
)
def test_cli_snapshot_engine_spark_bad_input_as_on_duckdb(
    spark: Any,
    demo_export_csv: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    named: str,
) -> None:
    """Bad input is recorded and gated, as on DuckDB: the same exit status, the failing gate
    named with its table and column, a published snapshot (no temp directory left)."""
    export = _broken(demo_export_csv.out_dir, tmp_path / "export", how)
    duck = _cli(["--source", str(export), "--out", str(tmp_path / "s.duckdb"), "-q"], monkeypatch)
    out = tmp_path / "snap"
    res = _cli(["--engine", "spark", "--source", str(export), "--out", str(out), "-q"], monkeypatch)
    assert res.exit_code == duck.exit_code, (res.output, duck.output)
    text = " ".join(res.output.split())
    assert named in text and named in " ".join(duck.output.split())
    assert "blocking gates failed" in text
    assert (out / "audit_gates").is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


TEXT_CASES = {
    "BIGINT": [
        "42",
        " 42 ",
        "42.0",
        "4.2e1",
        "+42",
        "-0",
        "0x10",
        "1_000",
        "42.5",
        "",
        "1,000",
        "9223372036854775808",
        "\t42",
        "٤٢",
    ],
    "INTEGER": ["2147483648", "7", "07"],
    "DATE": [
        "2024-03-01",
        "2024-3-1",
        "2024-03-01T10:00:00",
        "20240301",
        " 2024-03-01 ",
        "2024-02-30",
        "2024/03/01",
        "2024-03-01Z",
    ],
    "BOOLEAN": ["true", "TRUE", "t", "1", "yes", "Y", "on", "0", "f", "false ", " true", "no"],
    "DECIMAL(12,2)": [
        "1.005",
        "1.015",
        "12.345",
        "1e3",
        "1,5",
        "-0.001",
        "9999999999.995",
        "  3.1 ",
    ],
    "TIMESTAMPTZ": [
        "2024-03-01T10:00:00+00:00",
        "2024-03-01T10:00:00Z",
        "2024-03-01 10:00:00+01",
        "2024-03-01T10:00:00+0100",
        "2024-03-01T10:00:00.123456+02:00",
        "2024-03-01T10:00:00 +01:00",
        "2024-03-01T10:00+01:00",
        "2024-03-01T24:00:00+00:00",
        "2024-02-30T10:00:00+00:00",
        " 2024-03-01T10:00:00+00:00",
        "2024-03-01T10:00:00-05:30",
        "2024-03-01T10:00:00",
        "2024-03-01T10:00:00.5z",
    ],
}


@pytest.mark.spark
@pytest.mark.parametrize("duck_type", sorted(TEXT_CASES))
def test_text_values_cast_alike_on_both_engines(spark: Any, duck_type: str) -> None:
    """A text value (CSV) is read as its schema type, or is a cast failure, the same on both
    engines (auditlib.snapshot.text_shapes: no rounding of '42.5', no guessed time zone)."""
    import duckdb
    from pyspark.sql import functions as F

    from auditlib.engines.spark.snapshot import cast_column
    from auditlib.snapshot.builder import _cast_expr

    values = TEXT_CASES[duck_type]
    df = spark.createDataFrame([(i, v) for i, v in enumerate(values)], "i INT, v STRING")
    got = {
        r["i"]: r["c"]
        for r in df.select("i", cast_column(F.col("v"), "string", duck_type).alias("c")).collect()
    }
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        for i, v in enumerate(values):
            (want,) = con.execute(
                f"SELECT {_cast_expr('v', 'VARCHAR', duck_type)} FROM (SELECT ? AS v)", [v]
            ).fetchone()
            if duck_type == "TIMESTAMPTZ" and want is not None:
                want = want.astimezone(UTC).replace(tzinfo=None)
                g = got[i]
                assert g is not None and g.replace(tzinfo=None) == want, (v, g, want)
            else:
                assert got[i] == want, (v, got[i], want)
    assert got[values.index("42.5")] is None if duck_type == "BIGINT" else True
