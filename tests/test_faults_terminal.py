"""Issue 12, cases 3 and 7: the terminal gets plain, escaped text, and source strings
are never echoed with their password."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from auditlib.cli.run import _Progress, main
from auditlib.runner.execute import NotebookOutcome


def test_markup_and_escapes_in_data_neither_crash_nor_style_the_progress_display() -> None:
    buf = io.StringIO()
    # no colours: every escape character in the output would then come from the data
    console = Console(file=buf, force_terminal=False, width=300, color_system=None)
    hostile = "[/] [bold red]pwned[/bold red] \x1b[2J\x1b[32mOK all rules passed"
    with _Progress(console=console) as progress:
        progress("snapshot", "start", None)
        progress("snapshot", "done", NotebookOutcome("snapshot", "error", 1.0, error=hostile))
        progress("[/]dsr\x1b[31m", "start", None)
        progress("[/]dsr\x1b[31m", "done", NotebookOutcome("dsr", "ok", 2.0))
    out = buf.getvalue()
    assert "[/] [bold red]pwned[/bold red] \\x1b[2J\\x1b[32mOK all rules passed" in out
    assert "\x1b" not in out
    assert "[/]dsr\\x1b[31m" in out


@pytest.mark.parametrize(
    "spec",
    [
        "POSTGRESQL://auditor:Secr3tPW@db.internal/one2many",
        "postgresql:/auditor:Secr3tPW@db.internal/one2many",
        "Postgres://auditor:Secr3tPW@db.internal/one2many?sslmode=require",
        "host=db.internal dbname=one2many user=auditor password=Secr3tPW",
        "host=db.internal password = 'Secr3tPW' dbname=one2many",
        "postgresql://auditor@db.internal/one2many?password=Secr3tPW",
        "pg://auditor:Secr3tPW@db.internal",
    ],
)
def test_source_strings_are_never_echoed_with_their_password(
    spec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(source=spec, as_of=date(2025, 1, 1), out=tmp_path / "runs", quiet=True)
    err = capsys.readouterr()
    assert code == 2
    assert "Secr3tPW" not in err.out + err.err
    assert "error" in err.err
    assert not (tmp_path / "runs").exists()


def test_snapshot_command_does_not_echo_the_password(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from auditlib.cli.snapshot import command

    r = CliRunner().invoke(
        command, ["--source", "POSTGRESQL://a:Secr3tPW@h/db", "--out", str(tmp_path / "s.duckdb")]
    )
    assert r.exit_code == 2
    assert "Secr3tPW" not in r.output
