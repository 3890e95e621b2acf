"""The built wheel works outside the checkout (issue 13: packaged files found one way).

Builds the wheel with this venv's setuptools (dev extra; no build isolation, so no
download), installs it into a fresh venv and runs the console script from an empty
directory, with no ``AUDITLIB_*`` variable set. The fresh venv takes the third-party
dependencies from this venv's site-packages (a ``.pth`` path entry: its own ``.pth``
files, among them the editable install of the checkout, are not processed) and their
Jupyter data files (nbconvert's templates, ``JUPYTER_PATH``), so auditlib itself comes
from the wheel only; that is asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from test_snapshot_helpers import write_export

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUDITLIB_", "PYTHON"))}
    try:
        import setuptools  # noqa: F401
    except ImportError:
        pytest.skip(
            "setuptools is not installed in this venv (dev extra): cannot build the "
            "wheel without downloading a build backend"
        )
    r = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(REPO),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(dist),
        ],
        base,
        env,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    wheel = next(dist.glob("auditlib-*.whl"))
    venv = base / "venv"
    r = _run([sys.executable, "-m", "venv", str(venv)], base, env)
    assert r.returncode == 0, r.stderr
    py = venv / "bin" / "python"
    site = _run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, env
    ).stdout.strip()
    Path(site, "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    r = _run(
        [str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        base,
        env,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    env = {
        **env,
        "HOME": str(base / "home"),
        "AUDITLIB_CACHE": str(base / "cache"),
        "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
        "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    }
    (base / "home").mkdir()
    r = _run([str(py), "-c", "import auditlib; print(auditlib.__file__)"], base, env)
    assert r.returncode == 0 and r.stdout.startswith(site), r.stdout + r.stderr
    return venv, env


def test_snapshot_from_an_empty_directory(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    venv, env = installed
    export = write_export(tmp_path / "export")
    empty = tmp_path / "empty"
    empty.mkdir()
    r = _run(
        [
            str(venv / "bin" / "auditlib"),
            "snapshot",
            "--source",
            str(export),
            "--out",
            "s.duckdb",
            "-q",
            "--gates-backend",
            "duckdb",
        ],
        empty,
        env,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "DQ-01: 18 pass" in r.stdout and "error" not in r.stdout, r.stdout
    assert sorted(p.name for p in empty.iterdir()) == ["s.duckdb"]


def test_run_demo_from_an_empty_directory(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    venv, env = installed
    r = _run(
        [
            str(venv / "bin" / "auditlib"),
            "run",
            "--source",
            "demo",
            "--out",
            "runs",
            "--as-of",
            "2026-06-30",
            "--quiet",
        ],
        tmp_path,
        env,
        timeout=1800,
    )
    # 1 = findings (the demo plants them), never 2 (a rule or notebook could not run)
    assert r.returncode == 1, r.stdout[-3000:] + r.stderr[-3000:]
    runs = [p for p in (tmp_path / "runs").iterdir() if not p.name.startswith(".")]
    assert any((p / "manifest.json").is_file() for p in runs), runs
