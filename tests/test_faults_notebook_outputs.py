"""Issue 12, case 2: the executed notebooks in the run directory (rendered into the
report) carry no clear personal data nor raw control characters, even when a cell
raises with data in its message or prints it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from auditlib.runner.worker import execute


@pytest.mark.slow
def test_error_and_stream_outputs_are_redacted(tmp_path: Path) -> None:
    nb = new_notebook(
        cells=[
            new_code_cell("print('seen anna.svensson@example.se from 10.66.77.88line1 \\x1b[2J')"),
            new_code_cell("raise ValueError('bad country +46 70 123 45 67 \\x1b[32mOK')"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, src)
    result = execute(
        {
            "input": str(src),
            "output": str(out),
            "parameters": {},
            "cell_timeout": 120,
            "cwd": str(tmp_path),
        }
    )
    assert result["status"] == "error" and result["error_kind"] == "cell_error"
    import json

    text = json.dumps([c.get("outputs", []) for c in nbformat.read(out, as_version=4).cells])
    for secret in ("anna.svensson", "66.77.88", "70 123 45 67"):
        assert secret not in text
    assert "\\u001b" not in text  # JSON's spelling of a raw ESC character
    assert "[redacted]" in text and "ValueError" in text
