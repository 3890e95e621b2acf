"""Helpers for the runner tests: tiny snapshot files and fake notebook sets."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from auditlib.runner.plan import DQ_GATE_IDS
from auditlib.schema import load_schema
from rule_fixtures import make_snapshot

REPO = Path(__file__).resolve().parents[1]
TEST_NOTEBOOKS = REPO / "tests" / "notebooks"
AS_OF = "2025-06-30"

# One planted finding per notebook family, easy to recognise.
TINY_TABLES: dict[str, list[dict[str, Any]]] = {
    "dsr_requests": [
        {
            "request_id": 1,
            "controller": "netdialog",
            "subject_email": "a@example.org",
            "request_type": "access",
            "channel": "email",
            "received_at": "2025-05-02 10:00:00+00",
            "completed_at": "2025-05-20 10:00:00+00",
            "outcome": "refused",
            "refusal_ground": None,
            "fee_sek": 0,
        },
        {
            "request_id": 2,
            "controller": "netdialog",
            "subject_email": "b@example.org",
            "request_type": "access",
            "channel": "email",
            "received_at": "2025-05-02 10:00:00+00",
            "completed_at": "2025-05-20 10:00:00+00",
            "outcome": "fulfilled",
            "fee_sek": 0,
        },
    ],
}


def write_snapshot(
    path: Path, tables: dict[str, list[dict[str, Any]]] | None = None, gate_status: str = "pass"
) -> Path:
    """A snapshot file in the ARCHITECTURE layout with every gate row set to ``gate_status``."""
    con = make_snapshot(TINY_TABLES if tables is None else tables)
    con.execute(
        "CREATE TABLE _audit_gates (gate_id VARCHAR, table_name VARCHAR, status VARCHAR, "
        "rows_affected BIGINT, message VARCHAR, details JSON)"
    )
    con.executemany(
        "INSERT INTO _audit_gates VALUES (?, ?, ?, 0, '', '{}')",
        [(g, t, gate_status) for g in DQ_GATE_IDS for t in load_schema().tables],
    )
    con.execute(f"ATTACH '{path}' AS f")
    con.execute("COPY FROM DATABASE memory TO f")
    con.execute("DETACH f")
    con.close()
    return path


def _nb(*sources: str, params: str) -> Any:
    cells = [new_code_cell(params, metadata={"tags": ["parameters"]})]
    cells += [new_code_cell(s) for s in sources]
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    for i, c in enumerate(nb.cells):
        c["id"] = f"c{i}"
    return nb


def fake_notebooks(dest: Path, snapshot_file: Path, replace: dict[str, str] | None = None) -> Path:
    """A notebook set whose snapshot step copies ``snapshot_file`` instead of extracting.

    The audit notebooks are the real ones; ``replace`` maps a notebook name to a tiny
    notebook of ``tests/notebooks`` (e.g. ``{"dsr": "raises"}``).
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("retention", "subprocessors", "dsr", "policy"):
        shutil.copy(REPO / "notebooks" / f"{name}.ipynb", dest / f"{name}.ipynb")
    snap = _nb(
        "import os, shutil\n"
        f"shutil.copy({str(snapshot_file)!r}, snapshot_path)\n"
        "os.chmod(snapshot_path, 0o600)",
        "from auditlib.steps.results import Environment, RuleOutcome, StepResult, write_result\n"
        f"gates = {list(DQ_GATE_IDS)!r}\n"
        "write_result(result_dir, StepResult(\n"
        "    notebook='snapshot', as_of=as_of, environment=Environment.current(),\n"
        "    rules={g: RuleOutcome('pass', 0) for g in gates},\n"
        "    snapshot={'rows': {}, 'key_fingerprint': 'test', 'key_source': 'random'},\n"
        "    source={'kind': 'export', 'path': 'test'}))",
        params="snapshot_path = None\nas_of = None\nresult_dir = None\nsource = None",
    )
    nbformat.write(snap, dest / "snapshot.ipynb")
    for name, tiny in (replace or {}).items():
        shutil.copy(TEST_NOTEBOOKS / f"{tiny}.ipynb", dest / f"{name}.ipynb")
    return dest


def run_fake(source: Path, notebooks: Path, plan: Path | None = None) -> tuple[int, Path]:
    """``auditlib run`` (quiet) of the fake ``notebooks`` on the tiny snapshot in ``source``,
    for AS_OF, into ``source/archive``: the exit status and the archive directory."""
    from datetime import date

    from auditlib.cli.run import main

    archive = source / "archive"
    kwargs: dict[str, Any] = {} if plan is None else {"plan_path": plan}
    code = main(
        source=str(source),
        as_of=date.fromisoformat(AS_OF),
        out=archive,
        quiet=True,
        notebooks_dir=notebooks,
        **kwargs,
    )
    return code, archive
