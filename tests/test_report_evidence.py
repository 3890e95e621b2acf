"""manifest.json, `auditlib verify`, sealing and the immutable move into the archive."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditlib.cli import main
from auditlib.report import (
    ManifestError,
    RunExistsError,
    publish_run,
    render_run,
    verify_run,
    write_manifest,
)
from auditlib.report.manifest import sha256_file
from test_report_runfactory import make_run


@pytest.fixture(scope="module")
def rendered_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = tmp_path_factory.mktemp("evidence") / "runs"
    run = make_run(archive, "r1", "2026-11-24T20:00:00+00:00")
    render_run(run, archive)
    return run


@pytest.fixture
def sealed(tmp_path: Path, rendered_template: Path) -> Path:
    """A fresh copy of a rendered run per test (tests change it), then sealed."""
    run = tmp_path / "runs" / "r1"
    shutil.copytree(rendered_template, run)
    write_manifest(run)
    return run


def _writable(path: Path) -> None:
    path.chmod(0o644)


def test_manifest_lists_every_file_with_sha256_and_size(sealed: Path) -> None:
    manifest = json.loads((sealed / "manifest.json").read_text())
    assert manifest["algorithm"] == "sha256"
    files = {p.relative_to(sealed).as_posix() for p in sealed.rglob("*") if p.is_file()}
    assert set(manifest["files"]) == files - {"manifest.json"}
    assert {
        "index.html",
        "reports/retention.html",
        "notebooks/subprocessors.ipynb",
        "summary.json",
        "findings.jsonl",
        "run.log",
    } <= set(manifest["files"])
    entry = manifest["files"]["summary.json"]
    assert entry["sha256"] == sha256_file(sealed / "summary.json")
    assert entry["size"] == (sealed / "summary.json").stat().st_size


def test_files_are_read_only_after_sealing(sealed: Path) -> None:
    for p in sealed.rglob("*"):
        if p.is_file():
            assert stat.S_IMODE(p.stat().st_mode) == 0o444, p


def test_verify_intact_run(sealed: Path) -> None:
    result = verify_run(sealed)
    assert result.ok and not (result.changed or result.missing or result.added)
    out = CliRunner().invoke(main, ["verify", str(sealed)])
    assert out.exit_code == 0, out.output
    assert "OK" in out.output


def test_verify_catches_one_changed_byte(sealed: Path) -> None:
    target = sealed / "findings.jsonl"
    _writable(target)
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))
    result = verify_run(sealed)
    assert not result.ok and result.changed == ["findings.jsonl"]
    assert result.missing == [] and result.added == []
    out = CliRunner().invoke(main, ["verify", str(sealed)])
    assert out.exit_code == 1 and "changed: findings.jsonl" in out.output


def test_verify_catches_missing_and_added_files(sealed: Path) -> None:
    (sealed / "reports" / "retention.html").unlink()
    (sealed / "reports" / "extra.html").write_text("<p>later</p>")
    result = verify_run(sealed)
    assert result.missing == ["reports/retention.html"]
    assert result.added == ["reports/extra.html"]
    out = CliRunner().invoke(main, ["verify", str(sealed)])
    assert out.exit_code == 1
    assert "missing: reports/retention.html" in out.output
    assert "added: reports/extra.html" in out.output


def test_verify_without_or_with_broken_manifest_exits_2(tmp_path: Path, sealed: Path) -> None:
    bare = make_run(tmp_path / "other", "r2", "2026-11-24T20:00:00+00:00")
    with pytest.raises(ManifestError, match="missing"):
        verify_run(bare)
    assert CliRunner().invoke(main, ["verify", str(bare)]).exit_code == 2
    _writable(sealed / "manifest.json")
    (sealed / "manifest.json").write_text("{broken")
    out = CliRunner().invoke(main, ["verify", str(sealed)])
    assert out.exit_code == 2 and "unreadable" in out.output


def test_manifest_is_never_rewritten(sealed: Path) -> None:
    with pytest.raises(ManifestError, match="already exists"):
        write_manifest(sealed)


def test_publish_refuses_to_overwrite_an_existing_run(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    tmp = make_run(archive, ".tmp-r1", "2026-11-24T20:00:00+00:00")
    final = publish_run(tmp, archive / "r1")
    assert final.is_dir() and not tmp.exists()
    tmp2 = make_run(archive, ".tmp-r1", "2026-11-24T20:00:00+00:00")
    with pytest.raises(RunExistsError, match="immutable"):
        publish_run(tmp2, archive / "r1")
    (archive / "empty").mkdir()  # os.rename would silently replace an empty directory
    with pytest.raises(RunExistsError):
        publish_run(tmp2, archive / "empty")
    assert tmp2.is_dir()


def test_verify_checks_the_snapshot_beside_the_archive(sealed: Path) -> None:
    snap_dir = sealed.parent / ".snapshots"
    snap_dir.mkdir()
    summary = json.loads((sealed / "summary.json").read_text())
    snap = snap_dir / "r1.duckdb"
    out = CliRunner().invoke(main, ["verify", str(sealed)])
    assert out.exit_code == 0 and "snapshot: absent" in out.output
    snap.write_bytes(b"not the snapshot that was audited")
    out = CliRunner().invoke(main, ["verify", str(sealed)])
    assert out.exit_code == 1 and "snapshot: differs" in out.output
    assert summary["snapshot"]["file"] == ".snapshots/r1.duckdb"
    assert CliRunner().invoke(main, ["verify", "--no-snapshot", str(sealed)]).exit_code == 0


def test_verify_snapshot_match(sealed: Path) -> None:
    from auditlib.report.manifest import verify_snapshot

    (sealed.parent / ".snapshots").mkdir()
    (sealed.parent / ".snapshots" / "r1.duckdb").write_bytes(b"snapshot bytes")
    assert verify_snapshot(sealed)[0] == "match"
    out = CliRunner().invoke(main, ["verify", str(sealed)])
    assert out.exit_code == 0 and "snapshot: match" in out.output
