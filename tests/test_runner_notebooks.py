"""The committed notebooks: no outputs, a tagged parameters cell, thin cells, kernel python3."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("snapshot", "retention", "subprocessors", "dsr")
AUDIT_PARAMETERS = {
    "snapshot_path",
    "as_of",
    "result_dir",
    "params",
    "severities",
    "engine",
    "spark_master",
}
SNAPSHOT_PARAMETERS = {"source", "snapshot_path", "result_dir", "as_of", "engine", "spark_master"}


def _read(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    return nb


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_without_outputs(name: str) -> None:
    nb = _read(name)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:40]
    assert "papermill" not in nb.metadata


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_cell_is_tagged_and_complete(name: str) -> None:
    nb = _read(name)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = {
        t.id for node in ast.parse(tagged[0].source).body for t in getattr(node, "targets", [])
    }
    assert names == (SNAPSHOT_PARAMETERS if name == "snapshot" else AUDIT_PARAMETERS)
    # parameters come before any code that uses them
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0] is tagged[0]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_cells_only_call_the_library(name: str) -> None:
    """No logic in cells: no loops, functions, classes, SQL or pandas wrangling."""
    nb = _read(name)
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        src = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        assert len(src.splitlines()) <= 3, src
        for node in ast.walk(ast.parse(src)):
            assert not isinstance(
                node,
                ast.For
                | ast.While
                | ast.FunctionDef
                | ast.ClassDef
                | ast.If
                | ast.Try
                | ast.With
                | ast.Lambda,
            ), src
        assert "SELECT" not in src.upper() and "import pandas" not in src


@pytest.mark.slow
def test_audit_notebook_runs_with_its_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As opened in JupyterLab: no parameters injected -> today's demo snapshot from the cache."""
    from auditlib.runner.worker import execute

    monkeypatch.setenv("AUDITLIB_CACHE", str(tmp_path / "cache"))
    res = execute(
        {
            "input": str(REPO / "notebooks" / "subprocessors.ipynb"),
            "output": str(tmp_path / "out.ipynb"),
            "parameters": {},
            "cell_timeout": 900,
            "cwd": str(tmp_path),
        }
    )
    assert res["status"] == "ok", res["error"]
    assert list((tmp_path / "cache" / "snapshots").glob("demo-*.duckdb"))
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert any(o.get("data", {}).get("image/png") for c in nb.cells for o in c.get("outputs", []))
