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
