"""Notebooks and gate suites: one copy in git, found in a checkout and in a wheel.

The wheel itself was checked by hand (``pip wheel . --no-deps`` needs the build
backend from a package registry, so it is not part of the test suite); these tests
pin the pieces it relies on: the in-package symlinks, the package-data globs and
the runner's lookup order.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import auditlib
from auditlib.runner import run as run_mod

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "src" / "auditlib"


@pytest.mark.parametrize(("name", "glob"), [("notebooks", "*.ipynb"), ("expectations", "*.json")])
def test_package_folder_is_a_link_to_the_top_level_folder(name: str, glob: str) -> None:
    link = PKG / name
    assert link.is_symlink(), f"src/auditlib/{name} must be a symlink, not a copy"
    assert not Path(link.readlink()).is_absolute()  # works in any clone
    assert link.resolve() == (REPO / name).resolve()
    assert sorted(p.name for p in link.glob(glob)) == sorted(
        p.name for p in (REPO / name).glob(glob)) != []
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert f"{name}/{glob}" in data["tool"]["setuptools"]["package-data"]["auditlib"]


def test_notebooks_dir_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITLIB_NOTEBOOKS", str(tmp_path))
    assert run_mod.notebooks_dir() == tmp_path
    monkeypatch.delenv("AUDITLIB_NOTEBOOKS")
    assert run_mod.notebooks_dir() == REPO / "notebooks"  # the checkout first
    assert run_mod.packaged_dir("notebooks") == Path(auditlib.__file__).resolve().parent / (
        "notebooks")


def test_worker_environment_hands_over_packaged_suites_only_without_a_checkout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from auditlib.quality import suites

    monkeypatch.delenv(suites.ENV_DIR, raising=False)
    assert run_mod.worker_environment() == {}  # the checkout's expectations/ is found

    def no_checkout() -> Path:
        raise suites.SuiteError("cannot find the expectations/ folder")

    monkeypatch.setattr(suites, "expectations_dir", no_checkout)
    packaged = tmp_path / "auditlib" / "expectations"
    packaged.mkdir(parents=True)
    monkeypatch.setattr(run_mod, "packaged_dir", lambda name: tmp_path / "auditlib" / name)
    assert run_mod.worker_environment() == {suites.ENV_DIR: str(packaged)}
    monkeypatch.setenv(suites.ENV_DIR, "/somewhere/else")
    assert run_mod.worker_environment() == {}  # an explicit setting wins
    monkeypatch.delenv(suites.ENV_DIR)
    packaged.rmdir()
    assert run_mod.worker_environment() == {}  # nothing packaged: the quality error stands
