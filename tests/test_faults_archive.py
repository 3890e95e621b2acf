"""Issue 12, case 8: a run that cannot write its archive prints one clear line (no
traceback, no pointer to a temp dir that is gone) and leaves nothing behind; a
``.snapshots`` symlink is used as it is and its target's mode is never changed."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from auditlib.runner.run import _snapshot_dir
from runner_fixtures import fake_notebooks, run_fake, write_snapshot


def test_a_snapshots_symlink_is_used_as_it_is(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)
    out = tmp_path / "archive"
    out.mkdir()
    (out / ".snapshots").symlink_to(target)
    warnings: list[str] = []
    assert _snapshot_dir(out, warnings) == out / ".snapshots"
    assert target.stat().st_mode & 0o777 == 0o755
    assert "symlink" in warnings[0] and "not changed" in warnings[0]
    (out / ".snapshots").unlink()
    (out / ".snapshots").symlink_to(tmp_path / "missing")
    with pytest.raises(NotADirectoryError, match="does not lead to a directory"):
        _snapshot_dir(out, [])


@pytest.mark.slow
def test_a_full_disk_prints_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import auditlib.runner.run as run_mod

    def full(path: Path, *args: object, **kw: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(run_mod, "write_text_atomic", full)
    snap = write_snapshot(tmp_path / "tiny.duckdb")
    nbs = fake_notebooks(tmp_path / "nbs", snap)
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "t"\nnotebooks = ["snapshot"]\n')
    code, archive = run_fake(tmp_path, nbs, plan)
    err = capsys.readouterr().err
    assert code == 2
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert "No space left on device" in lines[0] and "nothing was published" in lines[0]
    assert ".tmp-" not in err and "Traceback" not in err
    assert [p for p in archive.rglob("*") if not p.is_dir()] == []
