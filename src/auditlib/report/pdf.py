"""Optional PDF of the run summary (``index.html``) with WeasyPrint.

WeasyPrint is the ``pdf`` extra (it needs the Pango library from the OS). Nothing
is fetched from the network: the URL fetcher only serves ``data:`` URIs, which is
all the index uses.
"""

from __future__ import annotations

from pathlib import Path

from auditlib.report.manifest import MANIFEST_NAME

INSTALL_HINT = (
    "PDF output needs WeasyPrint and the Pango library: "
    "pip install 'auditlib[pdf]' (or pip install weasyprint), and on Debian/Ubuntu "
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
)


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango library it loads) is not installed."""


def _offline_fetcher(weasyprint: object) -> object:
    """A URL fetcher that serves ``data:`` URIs only and fails on anything else.

    WeasyPrint >= 68 has a ``URLFetcher`` class (protocols restricted there); older
    versions take a plain function.
    """
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):
        return urls.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)

    def fetch(url: str, *args: object, **kwargs: object) -> object:
        if not url.startswith("data:"):
            raise ValueError(f"refusing to fetch {url!r}: the audit PDF is built offline")
        return urls.default_url_fetcher(url)

    return fetch


def pdf_problem() -> str | None:
    """Why no PDF can be written here (WeasyPrint or Pango missing), or None."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"{INSTALL_HINT} ({type(exc).__name__}: {exc})"
    return None


def render_pdf(run_dir: Path, out: Path | None = None) -> Path:
    """Print ``<run_dir>/index.html`` to ``out`` (default ``<run_dir>/index.pdf``).

    A sealed run (one with ``manifest.json``) is immutable: then ``out`` must be
    outside the run directory.
    """
    run_dir = Path(run_dir)
    out = Path(out) if out is not None else run_dir / "index.pdf"
    sealed = (run_dir / MANIFEST_NAME).exists()
    if sealed and out.resolve().is_relative_to(run_dir.resolve()):
        raise ValueError(
            f"{run_dir} is sealed by its manifest; write the PDF elsewhere (pass out=...)"
        )
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango shared library is missing
        raise PdfUnavailable(f"{INSTALL_HINT} ({type(exc).__name__}: {exc})") from exc
    index = run_dir / "index.html"
    if not index.is_file():
        raise FileNotFoundError(f"{index} is missing: render the run first (render_run)")
    html = weasyprint.HTML(
        string=index.read_text(encoding="utf-8"), url_fetcher=_offline_fetcher(weasyprint)
    )
    html.write_pdf(str(out))
    return out
