"""open_source dispatch, password refusal, and what ExportSource finds on opening."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from auditlib.source import SourceError, SourceSpecError, open_source, parse_source_spec
from auditlib.source.export import ExportSource, locate_utf8_error
from test_snapshot_helpers import base_rows, write_export, write_table


def _open(path: Path) -> ExportSource:
    src = ExportSource(path)
    src.open(duckdb.connect())
    return src


def test_directory_is_an_export(tmp_path: Path) -> None:
    assert isinstance(open_source(str(tmp_path)), ExportSource)


@pytest.mark.parametrize(
    "spec",
    [
        "postgresql://auditor:s3cret@db.example/one2many",
        "postgres://auditor:s3cret@db.example:5432/one2many",
        "host=db.example dbname=one2many user=auditor password=s3cret",
        "postgresql://auditor@db.example/one2many?password=s3cret",
    ],
)
def test_password_in_spec_is_refused_without_echoing_it(spec: str) -> None:
    with pytest.raises(SourceError) as exc:
        open_source(spec)
    msg = str(exc.value)
    assert "s3cret" not in msg
    assert "PGPASSWORD" in msg and ".pgpass" in msg


def test_postgres_specs_are_recognised() -> None:
    assert parse_source_spec("postgresql://auditor@db/one2many").kind == "postgres"
    assert parse_source_spec("host=db dbname=one2many").kind == "postgres"
    with pytest.raises(SourceSpecError, match="neither an existing export directory"):
        parse_source_spec("/data/export")


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        ("PostgreSQL://auditor@db/one2many", "postgres"),  # a scheme in capitals
        ("POSTGRES://auditor@db:5432/one2many", "postgres"),
        ("postgres://auditor@db/one2many", "postgres"),
        ("  host=db port=5432 dbname=one2many user=auditor  ", "postgres"),
        ("demo", "demo"),
        ("Demo", "demo"),
    ],
)
def test_one_parser_classifies_every_spelling(spec: str, kind: str) -> None:
    parsed = parse_source_spec(spec)
    assert parsed.kind == kind
    if kind == "postgres":
        assert parsed.conninfo["dbname"] == "one2many"


def test_directory_with_equals_is_an_export_and_missing_one_is_not_a_conninfo(
    tmp_path: Path,
) -> None:
    d = tmp_path / "run=1"
    d.mkdir()
    assert parse_source_spec(str(d)).kind == "export"
    with pytest.raises(SourceSpecError, match="neither an existing export directory"):
        parse_source_spec(str(tmp_path / "run=2"))  # not there: not a libpq string either


def test_a_file_is_not_an_export(tmp_path: Path) -> None:
    f = tmp_path / "users.csv"
    f.write_text("user_id\n")
    with pytest.raises(SourceSpecError, match="is a file, not an export directory"):
        open_source(str(f))


def test_demo_needs_materialising_before_open() -> None:
    with pytest.raises(SourceSpecError, match="auditlib run --source demo"):
        open_source("demo")


def test_nonexistent_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="neither an existing export directory"):
        open_source(str(tmp_path / "nope"))


def test_snapshot_time_from_manifest(tmp_path: Path) -> None:
    src = _open(write_export(tmp_path))
    assert src.snapshot_time() == datetime(2025, 1, 1, tzinfo=UTC)
    assert src.describe()["snapshot_time_from"] == "manifest exported_at"
    assert src.issues() == []
    assert set(src.tables()) == set(base_rows())


def test_snapshot_time_without_manifest_is_newest_file_mtime(tmp_path: Path) -> None:
    write_export(tmp_path, manifest=False)
    t = datetime(2024, 6, 1, 12, 0, tzinfo=UTC).timestamp()
    for p in tmp_path.iterdir():
        os.utime(p, (t, t))
    os.utime(tmp_path / "users.parquet", (t + 60, t + 60))
    src = _open(tmp_path)
    assert src.snapshot_time() == datetime(2024, 6, 1, 12, 1, tzinfo=UTC)
    assert "modification time" in src.describe()["snapshot_time_from"]


def test_unknown_files_are_ignored_and_listed(tmp_path: Path) -> None:
    write_export(tmp_path, manifest=False)
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "user.csv").write_text("a\n1\n")
    src = _open(tmp_path)
    ignored = sorted(i.message for i in src.issues() if i.kind == "ignored_file")
    assert len(ignored) == 2 and "notes.txt" in ignored[0] and "user.csv" in ignored[1]


def test_two_files_for_one_table_are_ambiguous(tmp_path: Path) -> None:
    write_export(tmp_path, manifest=False)
    write_table(tmp_path, "users", base_rows()["users"], "csv")
    src = _open(tmp_path)
    (amb,) = [i for i in src.issues() if i.kind == "ambiguous"]
    assert amb.table_name == "users" and "users.csv" in amb.message
    assert "users" not in src.tables()


def test_invalid_manifest_refuses_the_source(tmp_path: Path) -> None:
    write_export(tmp_path)
    (tmp_path / "manifest.json").write_text('{"exported_at": ')
    with pytest.raises(SourceError, match="manifest.json is not valid"):
        _open(tmp_path)


def test_manifest_time_without_offset_is_refused(tmp_path: Path) -> None:
    write_export(tmp_path)
    m = (tmp_path / "manifest.json").read_text().replace("+00:00", "")
    (tmp_path / "manifest.json").write_text(m)
    with pytest.raises(SourceError, match="offset"):
        _open(tmp_path)


def test_locate_utf8_error_in_plain_and_gzip(tmp_path: Path) -> None:
    data = b"id,name\n1,ok\n2,J\xf6rg\n"
    (tmp_path / "a.csv").write_bytes(data)
    with gzip.open(tmp_path / "a.csv.gz", "wb") as f:
        f.write(data)
    assert locate_utf8_error(tmp_path / "a.csv", "csv") == "byte offset 16, line 3"
    assert locate_utf8_error(tmp_path / "a.csv.gz", "csv.gz") == "byte offset 16, line 3"
    (tmp_path / "b.csv").write_bytes("id\nÅ\n".encode())
    assert locate_utf8_error(tmp_path / "b.csv", "csv") is None
