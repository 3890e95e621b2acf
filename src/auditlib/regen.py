"""``python -m auditlib.regen`` (``make regen``): rewrite every generated file of the checkout.

- ``expectations/<table>.json``: the gate suites, from ``schema.sql`` + ``minimisation.toml``
  (:func:`auditlib.quality.suites.write_suites`);
- ``docs/data-minimisation.md``: the auditors' view of ``minimisation.toml``
  (:func:`auditlib.snapshot.minimisation.render_markdown`).

Tests keep each committed file equal to its generator, so a stale file fails ``make test``.
"""

from __future__ import annotations

from pathlib import Path

from auditlib.resources import packaged_dir


def checkout_root() -> Path:
    """The source checkout this package is installed from (editable install only)."""
    root = packaged_dir("expectations").parent
    if not (root / "pyproject.toml").is_file():
        raise SystemExit(
            f"{root} is not an auditlib checkout: regenerate from an editable "
            "install (`make setup`)"
        )
    return root


def regenerate(root: Path) -> list[Path]:
    from auditlib.quality.suites import write_suites
    from auditlib.snapshot.minimisation import render_markdown

    written = write_suites(root / "expectations")
    doc = root / "docs" / "data-minimisation.md"
    doc.write_text(render_markdown(), encoding="utf-8")
    return [*written, doc]


if __name__ == "__main__":
    for path in regenerate(checkout_root()):
        print(path)
