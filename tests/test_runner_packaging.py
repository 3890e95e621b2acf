"""Notebooks and gate suites: one copy in git, found in a checkout and in a wheel.

These tests pin the pieces the wheel relies on: the in-package symlinks, the
package-data globs and the lookup (``auditlib.resources``); ``test_wheel_install.py``
builds the wheel and runs it from an empty directory.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import auditlib
from auditlib import resources

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "src" / "auditlib"


@pytest.mark.parametrize(("name", "glob"), [("notebooks", "*.ipynb"), ("expectations", "*.json")])
def test_package_folder_is_a_link_to_the_top_level_folder(name: str, glob: str) -> None:
    link = PKG / name
    assert link.is_symlink(), f"src/auditlib/{name} must be a symlink, not a copy"
    assert not Path(link.readlink()).is_absolute()  # works in any clone
    assert link.resolve() == (REPO / name).resolve()
    assert (
        sorted(p.name for p in link.glob(glob))
        == sorted(p.name for p in (REPO / name).glob(glob))
        != []
    )
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert f"{name}/{glob}" in data["tool"]["setuptools"]["package-data"]["auditlib"]


def test_notebooks_dir_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITLIB_NOTEBOOKS", str(tmp_path))
    assert resources.notebooks_dir() == tmp_path
    monkeypatch.delenv("AUDITLIB_NOTEBOOKS")
    assert resources.notebooks_dir() == REPO / "notebooks"  # the package's link: the checkout
    assert (
        resources.packaged_dir("notebooks")
        == (Path(auditlib.__file__).parent / "notebooks").resolve()
    )
    monkeypatch.setenv("AUDITLIB_NOTEBOOKS", str(tmp_path / "nope"))
    with pytest.raises(resources.ResourceError, match="not a directory"):
        resources.notebooks_dir()


def test_suites_are_found_through_the_package_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditlib.quality import suites

    monkeypatch.delenv(suites.ENV_DIR, raising=False)
    monkeypatch.chdir(tmp_path)
    assert suites.expectations_dir() == REPO / "expectations"
    assert len(suites.read_suite_dicts()) == 18
