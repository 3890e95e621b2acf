"""A notebook that really failed under papermill keeps its error banner in the report (slow)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from auditlib.report.notebook_html import has_papermill_error, render_notebook
from auditlib.report.offline import active_content, remote_resources


@pytest.mark.slow
def test_real_papermill_failure_renders_banner_and_traceback(tmp_path: Path) -> None:
    papermill = pytest.importorskip("papermill")
    src, out = tmp_path / "broken.ipynb", tmp_path / "broken.out.ipynb"
    nb = new_notebook(
        cells=[
            new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
            new_code_cell("print('before the failure')"),
            new_code_cell("raise RuntimeError('table subprocessors could not be read')"),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(src))
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(str(src), str(out), parameters={"x": 2}, progress_bar=False)
    assert has_papermill_error(out)
    html = render_notebook(out, tmp_path / "broken.html", run_id="r1").read_text()
    assert "An Exception was encountered" in html
    assert "RuntimeError" in html and "table subprocessors could not be read" in html
    assert "before the failure" in html
    assert "print(" not in html and "print(&#39;" not in html  # code cells are hidden
    assert remote_resources(html) == [] and active_content(html) == []
