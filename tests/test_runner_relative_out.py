"""`auditlib run --out <relative dir>` (the README's default `audits/runs`) works.

Kernels run in their own working directory: a relative path handed to them would send
the results elsewhere and every rule would be `error`. Found by running `make demo` on a
fresh clone; the other end-to-end tests use absolute tmp paths and could not see it.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditlib.cli.run import command

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_relative_out_dir(
    demo_export: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        command,
        [
            "--source",
            str(demo_export.out_dir),
            "--as-of",
            demo_export.as_of.isoformat(),
            "--out",
            "runs",
            "--plan",
            str(REPO / "audits" / "quick.toml"),
            "--quiet",
        ],
    )
    assert result.exit_code == 1, result.output  # the demo plants findings: some rule fails
    (run_dir,) = [
        p for p in (tmp_path / "runs").iterdir() if p.is_dir() and not p.name.startswith(".")
    ]
    summary = json.loads((run_dir / "summary.json").read_text())
    statuses = {r["status"] for r in summary["rules"].values()}
    assert "error" not in statuses and "fail" in statuses
