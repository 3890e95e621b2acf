"""``render_run``: the per-notebook pages and the run's ``index.html``.

Called by the runner on the finished temp run directory, before
:func:`auditlib.report.write_manifest` seals it. Every notebook is rendered even
when one fails; the index is always written, listing which reports are missing;
then :class:`ReportError` is raised so the run cannot end as if all was well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditlib.report.findings_table import write_findings_files
from auditlib.report.findings_view import write_findings_view
from auditlib.report.history import compute_trend
from auditlib.report.notebook_html import notebook_images, render_notebook
from auditlib.report.privacy import scrub_text
from auditlib.report.run_data import load_run
from auditlib.report.run_index import build_context, write_index


class ReportError(Exception):
    """Some part of the report could not be rendered (the rest was written)."""


def _notebook_rows(
    run_dir: Path, summary: dict[str, Any], rendered: dict[str, str | None]
) -> list[dict[str, Any]]:
    meta: dict[str, Any] = summary.get("notebooks") or {}
    names = list(meta) + sorted(n for n in rendered if n not in meta)
    rows = []
    for name in names:
        m = meta.get(name) or {}
        render_error = rendered.get(name)
        href = f"reports/{name}.html" if (run_dir / "reports" / f"{name}.html").is_file() else None
        error = m.get("error") or ""
        if render_error:
            error = f"{error}; report not rendered: {render_error}".strip("; ")
        rows.append(
            {
                "name": name,
                "status": m.get("status", "unknown"),
                "seconds": m.get("seconds", ""),
                "error": scrub_text(str(error)),
                "href": href,
            }
        )
    return rows


def render_run(run_dir: Path, archive_dir: Path) -> None:
    """Write ``reports/<notebook>.html`` for every executed notebook, ``findings.csv``,
    ``findings.xlsx``, ``findings.html`` (every finding), then ``index.html``."""
    from auditlib.jupyter_imports import skip_unused_format_checker

    skip_unused_format_checker()  # before nbformat/nbconvert are imported
    run_dir, archive_dir = Path(run_dir), Path(archive_dir)
    data = load_run(run_dir, archive_dir)
    table = write_findings_files(run_dir, data.findings, data.summary)
    write_findings_view(run_dir, table, data.summary)
    rendered: dict[str, str | None] = {}
    charts: list[dict[str, Any]] = []
    for ipynb in sorted((run_dir / "notebooks").glob("*.ipynb")):
        try:
            render_notebook(ipynb, run_dir / "reports" / f"{ipynb.stem}.html", data.run_id)
            rendered[ipynb.stem] = None
            images = notebook_images(ipynb)
            if images:
                charts.append({"name": ipynb.stem, "images": images})
        except Exception as exc:  # noqa: BLE001 - reported in the index and re-raised below
            rendered[ipynb.stem] = f"{type(exc).__name__}: {exc}"
    trend = compute_trend(archive_dir, run_dir)
    context = build_context(data, trend, _notebook_rows(run_dir, data.summary, rendered), charts)
    failed = {k: v for k, v in rendered.items() if v}
    if failed:  # the runner turns the run into an error: the page must say so too
        context["verdict"] = "error"
        context["report_error"] = (
            "some notebook reports could not be rendered (see Notebook reports)"
        )
    write_index(run_dir, context)
    if failed:
        raise ReportError(
            "notebook report(s) not rendered: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(failed.items()))
            + f". index.html of {run_dir} lists them; fix and re-render before sealing."
        )
