"""One offline HTML page per executed notebook (nbconvert, code cells hidden).

``exclude_input=True`` hides code but keeps outputs and markdown, so papermill's
red "An Exception was encountered" banner (a markdown cell) and the traceback
output of the failed cell stay visible in a failed notebook. Images are the
notebook's own base64 PNG outputs, embedded as ``data:`` URIs.

Decision: nbconvert's ``sanitize_html`` is not used: it escapes ordinary tags
(``<p>``, ``<thead>``) and so mangles markdown, pandas tables and the papermill
banner. Instead an HTML/markdown *output* that holds active content (a script, an
event handler, a remote resource) is shown as its plain text
(:func:`neutralise_active_outputs`), and the finished page is checked
(:func:`auditlib.report.offline.assert_offline`): no script, nothing remote.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditlib.report.offline import active_content, assert_offline, remote_resources

if TYPE_CHECKING:
    import nbformat

TEMPLATE = "notebook_offline.html.j2"


def _template_path() -> str:
    return str(resources.files("auditlib").joinpath(f"report/templates/{TEMPLATE}"))


_RICH = (
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "application/javascript",
    "application/vnd.jupyter.widget-view+json",
)


def neutralise_active_outputs(nb: nbformat.NotebookNode) -> int:
    """Replace outputs with scripts or remote resources by their text/plain; returns how many."""
    changed = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            for mime in _RICH:
                if mime not in data:
                    continue
                text = "".join(data[mime]) if isinstance(data[mime], list) else str(data[mime])
                if (
                    mime.startswith("application/")
                    or active_content(text)
                    or remote_resources(text)
                ):
                    del data[mime]
                    data.setdefault("text/plain", f"[{mime} output removed: reports are static]")
                    changed += 1
    return changed


@lru_cache(maxsize=1)
def _exporter() -> Any:
    """One configured exporter for all notebooks: building it (templates, filters) costs time."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        template_file=_template_path(),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        sanitize_html=False,  # see the module docstring; the offline check below still applies
    )


def notebook_to_html(nb: nbformat.NotebookNode, title: str, run_id: str | None = None) -> str:
    exporter = _exporter()
    nb.metadata["title"] = title
    nb.metadata.pop("widgets", None)
    neutralise_active_outputs(nb)
    resources = {"metadata": {"name": title}, "auditlib_run_id": run_id}
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    assert_offline(html, f"the HTML of notebook {title!r}")
    return html


def render_notebook(ipynb: Path, out: Path, run_id: str | None = None) -> Path:
    """Render ``ipynb`` to ``out`` (offline HTML). Raises if the page would load remote files."""
    import nbformat

    nb = nbformat.read(str(ipynb), as_version=4)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(notebook_to_html(nb, Path(ipynb).stem, run_id), encoding="utf-8")
    return out


def notebook_images(ipynb: Path, limit: int = 8) -> list[str]:
    """The notebook's PNG outputs as ``data:image/png;base64,...`` URIs (for the run index)."""
    import nbformat

    nb = nbformat.read(str(ipynb), as_version=4)
    out: list[str] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                data = "".join(png) if isinstance(png, list) else str(png)
                base64.b64decode(data, validate=False)
                out.append("data:image/png;base64," + data.replace("\n", ""))
                if len(out) >= limit:
                    return out
    return out


def has_papermill_error(ipynb: Path) -> bool:
    import nbformat

    nb = nbformat.read(str(ipynb), as_version=4)
    return any(
        "papermill-error-cell-tag" in c.get("metadata", {}).get("tags", []) for c in nb.cells
    )
