"""--source: export directory, PostgreSQL without password, demo; refusals name the fix."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditlib.runner.sources import SourceSpecError, resolve_source

DAY = date(2025, 6, 30)


def test_export_directory(tmp_path: Path) -> None:
    r = resolve_source(str(tmp_path), DAY)
    assert (r.kind, r.spec) == ("export", str(tmp_path.resolve()))


@pytest.mark.parametrize(
    "spec",
    [
        "postgresql://auditor@db.example/one2many",
        "host=db.example dbname=one2many user=auditor",
    ],
)
def test_postgres_without_password(spec: str) -> None:
    assert resolve_source(spec, DAY).kind == "postgres"


@pytest.mark.parametrize(
    "spec",
    [
        "postgresql://auditor:s3cret@db.example/one2many",
        "host=db.example dbname=one2many user=auditor password=s3cret",
        "postgresql://auditor@db.example/one2many?password=s3cret",
    ],
)
def test_password_in_conninfo_is_refused(spec: str) -> None:
    with pytest.raises(SourceSpecError) as exc:
        resolve_source(spec, DAY)
    assert "s3cret" not in str(exc.value) and "PGPASSWORD" in str(exc.value)


def test_nonsense_source(tmp_path: Path) -> None:
    with pytest.raises(SourceSpecError, match="neither an existing export directory"):
        resolve_source(str(tmp_path / "missing"), DAY)


def test_cli_refuses_password_before_creating_anything(tmp_path: Path) -> None:
    from auditlib.cli import main

    res = CliRunner().invoke(
        main,
        [
            "run",
            "--source",
            "postgresql://a:s3cret@h/db",
            "--as-of",
            "2025-06-30",
            "--out",
            str(tmp_path / "runs"),
        ],
    )
    assert res.exit_code == 2
    assert "s3cret" not in res.output and "contains a password" in res.output
    assert not (tmp_path / "runs").exists()


def test_cli_rejects_bad_day_and_plan(tmp_path: Path) -> None:
    from auditlib.cli import main

    res = CliRunner().invoke(main, ["run", "--source", str(tmp_path), "--as-of", "2025-13-01"])
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output
    bad = tmp_path / "p.toml"
    bad.write_text('name = "p"\n[params]\nfoo = 1\n')
    res = CliRunner().invoke(
        main,
        ["run", "--source", str(tmp_path), "--plan", str(bad), "--out", str(tmp_path / "runs")],
    )
    assert res.exit_code == 2 and "foo" in res.output and str(bad) in res.output
