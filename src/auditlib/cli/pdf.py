"""``auditlib pdf RUN_DIR --out FILE``: print a run's report (``index.html``) to a PDF.

The run directory is only read: a sealed run stays exactly as its manifest says, so the
PDF must be written outside it. New runs get ``index.pdf`` inside them (and in their
manifest) with ``auditlib run --pdf`` or the plan setting ``[report] pdf = true``.
Needs the ``pdf`` extra (WeasyPrint). Exit status: 0 written; 2 cannot (no run, no
index.html, PDF support missing, or ``--out`` inside the run).
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("pdf")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="PDF file to write (outside the run). Default: ./<run id>.pdf",
)
def command(run_dir: Path, out: Path | None) -> None:
    """Print the report of RUN_DIR to a PDF file, leaving the run untouched."""
    from auditlib.report.pdf import PdfUnavailable, render_pdf

    if not (run_dir / "index.html").is_file():
        click.echo(
            f"auditlib pdf: error: {run_dir} holds no index.html: not a run directory", err=True
        )
        raise SystemExit(2)
    out = out if out is not None else Path.cwd() / f"{run_dir.resolve().name}.pdf"
    if out.resolve().is_relative_to(run_dir.resolve()):
        click.echo(
            f"auditlib pdf: error: {out} is inside the run {run_dir}; a run is never "
            "changed after it was sealed: write the PDF elsewhere",
            err=True,
        )
        raise SystemExit(2)
    try:
        written = render_pdf(run_dir, out)
    except (PdfUnavailable, ValueError, FileNotFoundError) as exc:
        click.echo(f"auditlib pdf: error: {exc}", err=True)
        raise SystemExit(2) from exc
    click.echo(f"wrote {written}")
