"""The optional PDF of the run summary (WeasyPrint, the `pdf` extra)."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from auditlib.report import PdfUnavailable, render_pdf, render_run, write_manifest
from test_report_runfactory import make_run


def test_missing_weasyprint_names_what_to_install(tmp_path: Path, monkeypatch) -> None:
    run = make_run(tmp_path / "runs", "r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    real_import = builtins.__import__

    def no_weasy(name: str, *args, **kwargs):
        if name == "weasyprint":
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasy)
    with pytest.raises(PdfUnavailable, match=r"pip install 'auditlib\[pdf\]'.*apt-get install"):
        render_pdf(run)


@pytest.mark.slow
def test_pdf_of_the_run_summary(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", exc_type=ImportError)
    archive = tmp_path / "runs"
    run = make_run(archive, "r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    render_run(run, archive)
    out = render_pdf(run)
    assert out == run / "index.pdf"
    assert out.read_bytes()[:5] == b"%PDF-" and out.stat().st_size > 10_000


def test_sealed_run_gets_no_pdf_inside(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    run = make_run(archive, "r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    render_run(run, archive)
    write_manifest(run)
    with pytest.raises(ValueError, match="sealed"):
        render_pdf(run)


def _pdftotext(pdf: Path) -> str:
    import shutil
    import subprocess

    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip(
            "pdftotext (poppler-utils) not installed: make setup installs it with "
            "apt-get when it can; it could not here"
        )
    text = subprocess.run(
        [tool, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


@pytest.mark.slow
def test_pdf_shows_the_verdict_and_every_promise(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", exc_type=ImportError)
    from auditlib.rules.promises import load_promises

    archive = tmp_path / "runs"
    run = make_run(archive, "r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    render_run(run, archive)
    text = _pdftotext(render_pdf(run))
    assert "Verdict: ERROR" in text
    for p in load_promises():
        assert p.title in text, p.title
    assert "NOT VERIFIED Subprocessors in the EU/EEA" in text
    assert "Sign-off" in text and "Data protection officer (DPO)" in text


@pytest.mark.slow
def test_auditlib_pdf_prints_a_sealed_run_without_touching_it(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", exc_type=ImportError)
    from click.testing import CliRunner

    from auditlib.cli import main
    from auditlib.report import verify_run

    archive = tmp_path / "runs"
    run = make_run(archive, "r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    render_run(run, archive)
    write_manifest(run)
    out = tmp_path / "signoff.pdf"
    res = CliRunner().invoke(main, ["pdf", str(run), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:5] == b"%PDF-" and verify_run(run).ok
    assert not (run / "index.pdf").exists()
    res = CliRunner().invoke(main, ["pdf", str(run), "--out", str(run / "x.pdf")])
    assert res.exit_code == 2 and "inside the run" in res.output
    res = CliRunner().invoke(main, ["pdf", str(tmp_path), "--out", str(out)])
    assert res.exit_code == 2 and "no index.html" in res.output


@pytest.mark.slow
def test_runner_writes_index_pdf_before_the_manifest(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint", exc_type=ImportError)
    import json

    from auditlib.runner.run import _publish, _report

    archive = tmp_path / "runs"
    tmp = make_run(archive, ".tmp-r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    summary = json.loads((tmp / "summary.json").read_text())
    summary = _report(tmp, archive, summary, pdf=True)
    assert "report_error" not in summary
    final = _publish(tmp, archive / "r1", [], {})
    files = json.loads((final / "manifest.json").read_text())["files"]
    assert "index.pdf" in files and "findings.xlsx" in files


def test_runner_pdf_failure_makes_the_run_an_error(tmp_path: Path, monkeypatch) -> None:
    import json

    import auditlib.report.pdf as pdf_mod
    from auditlib.runner.run import _report

    def broken(run_dir: Path, out: Path | None = None) -> Path:
        raise PdfUnavailable("no WeasyPrint here")

    monkeypatch.setattr(pdf_mod, "render_pdf", broken)
    import auditlib.report as report_pkg

    monkeypatch.setattr(report_pkg, "render_pdf", broken, raising=False)
    archive = tmp_path / "runs"
    tmp = make_run(archive, ".tmp-r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    summary = json.loads((tmp / "summary.json").read_text())
    summary = _report(tmp, archive, summary, pdf=True)
    assert summary["exit_status"] == 2 and "index.pdf not written" in summary["report_error"]
    assert json.loads((tmp / "summary.json").read_text())["report_error"] == summary["report_error"]
    assert "index.pdf not written" in (tmp / "index.html").read_text()


def test_plan_setting_report_pdf() -> None:
    from auditlib.runner.plan import PlanError, load_plan, parse_plan

    assert parse_plan({"name": "p", "report": {"pdf": True}}, "p.toml").report.pdf is True
    assert parse_plan({"name": "p"}, "p.toml").report.pdf is False
    with pytest.raises(PlanError, match="report.pdf"):
        parse_plan({"name": "p", "report": {"pdf": "yes"}}, "p.toml")
    with pytest.raises(PlanError, match=r"unknown key\(s\) \['pfd'\] in \[report\]"):
        parse_plan({"name": "p", "report": {"pfd": True}}, "p.toml")
    repo = Path(__file__).resolve().parents[1]
    assert load_plan(repo / "audits" / "monthly.toml").report.pdf is True  # make demo signs off
