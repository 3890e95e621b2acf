"""Tamper evidence that cannot simply be recomputed: signed manifests, the archive's chain,
run ids, links inside runs, ``auditlib keygen`` and ``auditlib verify --archive``.

Each attack of issue 11 is carried out as an attacker who can edit the archive (but does
not hold the signing key) would: edit a file, then recompute ``manifest.json`` so every
sha256 matches again. Before signatures, run-id checks and the chain, each of them passed
``auditlib verify``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditlib.cli import main
from auditlib.report.chain import LEDGER_NAME, read_ledger, seal_and_publish, verify_archive
from auditlib.report.manifest import SIGNATURE_NAME, scan_run, verify_run
from auditlib.report.signing import (
    Signer,
    SigningError,
    evidence_status,
    generate_key,
    load_signer,
    signer_from_env,
)
from test_report_runfactory import make_run

START = "2026-11-{day:02d}T20:00:00+00:00"


@pytest.fixture(scope="module")
def run_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_run(
        tmp_path_factory.mktemp("integrity") / "staging", "template", START.format(day=1)
    )


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def signer(key_dir: Path) -> Signer:
    return generate_key(key_dir / "auditlib-signing.pem")


def _cli(*args: str) -> tuple[int, str]:
    out = CliRunner().invoke(main, list(args))
    return out.exit_code, out.output


def publish(archive: Path, template: Path, run_id: str, day: int, signer: Signer | None) -> Path:
    """A run as the runner leaves it: written in ``.tmp-<id>``, sealed, chained, moved."""
    archive.mkdir(parents=True, exist_ok=True)
    tmp = archive / f".tmp-{run_id}"
    shutil.copytree(template, tmp)
    summary = json.loads((tmp / "summary.json").read_text())
    summary.update(
        run_id=run_id,
        started_at=START.format(day=day),
        finished_at=START.format(day=day),
        evidence=evidence_status(signer),
    )
    summary["snapshot"]["file"] = f".snapshots/{run_id}.duckdb"
    (tmp / "summary.json").write_text(json.dumps(summary, indent=2))
    return seal_and_publish(tmp, archive / run_id, signer)


def make_archive(root: Path, template: Path, signer: Signer | None, n: int = 3) -> Path:
    archive = root / "runs"
    for i in range(1, n + 1):
        publish(archive, template, f"r{i}", i, signer)
    return archive


def _writable(run: Path) -> None:
    for p in run.rglob("*"):
        if p.is_file() and not p.is_symlink():
            p.chmod(0o644)


def recompute_manifest(run: Path, **changes: object) -> None:
    """What the issue's attacker did: make every sha256 in manifest.json match again
    (keeping its other fields; the signature, if any, is left as it was)."""
    _writable(run)
    manifest = json.loads((run / "manifest.json").read_text())
    names, _ = scan_run(run)
    manifest["files"] = {
        n: {
            "sha256": hashlib.sha256((run / n).read_bytes()).hexdigest(),
            "size": (run / n).stat().st_size,
        }
        for n in names
    }
    manifest.update(changes)
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def edit_findings(run: Path) -> None:
    _writable(run)
    lines = (run / "findings.jsonl").read_text().splitlines()
    (run / "findings.jsonl").write_text("\n".join(lines[1:]) + "\n")  # drop a finding


# ------------------------------------------------------------------ an intact archive


def test_sealed_runs_are_signed_and_chained(
    tmp_path: Path, run_template: Path, signer: Signer
) -> None:
    archive = make_archive(tmp_path, run_template, signer)
    ledger, problems = read_ledger(archive)
    assert problems == [] and [e["sequence"] for e in ledger] == [1, 2, 3]
    m1, m2 = (json.loads((archive / r / "manifest.json").read_text()) for r in ("r1", "r2"))
    assert m1["chain"] == {"sequence": 1, "previous": None, "unchained_runs": []}
    assert m2["chain"]["previous"] == {
        "sequence": 1,
        "run_id": "r1",
        "manifest_sha256": hashlib.sha256(
            (archive / "r1" / "manifest.json").read_bytes()
        ).hexdigest(),
    }
    assert m2["signing"]["fingerprint"] == signer.fingerprint
    assert m2["signing"]["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in (archive / "r2" / "manifest.json").read_text()
    assert stat.S_IMODE((archive / "r2" / SIGNATURE_NAME).stat().st_mode) == 0o444
    code, out = _cli("verify", str(archive / "r2"))
    assert code == 0, out
    assert f"signed (Ed25519) by key {signer.fingerprint}" in out
    code, out = _cli("verify", "--archive", str(archive), "--trusted-key", signer.fingerprint)
    assert code == 0, out
    assert "head: sequence 3, run r3" in out


def test_pinning_the_public_key_file(
    tmp_path: Path, run_template: Path, signer: Signer, key_dir: Path
) -> None:
    archive = make_archive(tmp_path, run_template, signer, n=1)
    pub = key_dir / "pinned.pub"
    pub.write_text(signer.public_pem)
    assert _cli("verify", "--public-key", str(pub), str(archive / "r1"))[0] == 0
    other = generate_key(tmp_path / "other.pem")
    code, out = _cli("verify", "--trusted-key", other.fingerprint, str(archive / "r1"))
    assert code == 1 and "not a trusted key" in out


def test_unsigned_runs_are_still_hashed_chained_and_say_so(
    tmp_path: Path, run_template: Path
) -> None:
    archive = make_archive(tmp_path, run_template, None)
    m = json.loads((archive / "r2" / "manifest.json").read_text())
    assert m["signing"] is None and m["chain"]["sequence"] == 2
    assert not (archive / "r2" / SIGNATURE_NAME).exists()
    summary = json.loads((archive / "r2" / "summary.json").read_text())
    assert summary["evidence"]["signed"] is False and "unsigned" in summary["evidence"]["note"]
    code, out = _cli("verify", str(archive / "r2"))
    assert code == 0 and "note: unsigned" in out, out
    assert _cli("verify", "--archive", str(archive))[0] == 0
    # an auditor who pinned a key does not accept an unsigned run
    fp = "a" * 64
    code, out = _cli("verify", "--trusted-key", fp, str(archive / "r2"))
    assert code == 1 and "not signed" in out


def test_concurrent_publishers_never_fork_the_chain(
    tmp_path: Path, run_template: Path, signer: Signer
) -> None:
    archive = tmp_path / "runs"
    archive.mkdir()
    threads = [
        threading.Thread(target=publish, args=(archive, run_template, f"p{i}", 5, signer))
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rep = verify_archive(archive)
    assert rep.ok, rep.problems
    assert sorted(e["sequence"] for e in read_ledger(archive)[0]) == [1, 2, 3, 4]


def test_first_chained_run_records_the_older_unchained_runs(
    tmp_path: Path, run_template: Path
) -> None:
    from auditlib.report.manifest import write_manifest

    archive = tmp_path / "runs"
    old = archive / "old"
    shutil.copytree(run_template, old)
    summary = json.loads((old / "summary.json").read_text())
    (old / "summary.json").write_text(json.dumps({**summary, "run_id": "old"}))
    write_manifest(old)  # as the previous version sealed runs: no chain, no signature
    publish(archive, run_template, "new", 2, None)
    assert verify_archive(archive).ok
    # a run slipped in later without a link is not one of them
    sneaky = archive / "sneaky"
    shutil.copytree(old, sneaky)
    recompute_manifest(sneaky, run_id="sneaky")
    _writable(sneaky)
    (sneaky / "summary.json").write_text(json.dumps({**summary, "run_id": "sneaky"}))
    recompute_manifest(sneaky, run_id="sneaky")
    code, out = _cli("verify", "--archive", str(archive))
    assert code == 1 and "sneaky is outside the chain" in out


# ------------------------------------------------------------------ the attacks


@pytest.mark.parametrize("signed", [True, False])
def test_edited_findings_with_recomputed_manifest_hash(
    tmp_path: Path, run_template: Path, signer: Signer, signed: bool
) -> None:
    archive = make_archive(tmp_path, run_template, signer if signed else None)
    run = archive / "r2"
    edit_findings(run)
    recompute_manifest(run)
    code, out = _cli("verify", str(run))
    assert code == 1, out
    if signed:
        assert "signature does not match manifest.json" in out
    else:  # caught by the chain: the ledger and the next run name the old manifest
        assert "the run was replaced or rewritten" in out
    code, out = _cli("verify", "--archive", str(archive))
    assert code == 1 and ("FAILED r2" in out or "run r2" in out)


def test_forged_run_id(tmp_path: Path, run_template: Path, signer: Signer) -> None:
    archive = make_archive(tmp_path, run_template, signer, n=2)
    run = archive / "r2"
    _writable(run)
    summary = json.loads((run / "summary.json").read_text())
    (run / "summary.json").write_text(json.dumps({**summary, "run_id": "r9"}))
    recompute_manifest(run, run_id="r9")
    code, out = _cli("verify", str(run))
    assert code == 1, out
    assert "manifest.json names run 'r9' but the directory is 'r2'" in out
    assert "summary.json names run 'r9'" in out


def test_forged_run_id_on_an_unsigned_run(tmp_path: Path, run_template: Path) -> None:
    archive = make_archive(tmp_path, run_template, None, n=1)
    run = archive / "r1"
    _writable(run)
    summary = json.loads((run / "summary.json").read_text())
    (run / "summary.json").write_text(json.dumps({**summary, "run_id": "r9"}))
    recompute_manifest(run)  # manifest keeps run_id r1
    code, out = _cli("verify", str(run))
    assert code == 1 and "summary.json names run 'r9' but the directory is 'r1'" in out


def test_renamed_run_directory(tmp_path: Path, run_template: Path, signer: Signer) -> None:
    archive = make_archive(tmp_path, run_template, signer)
    (archive / "r2").rename(archive / "r2-final")
    code, out = _cli("verify", str(archive / "r2-final"))
    assert code == 1 and "the directory is 'r2-final' (renamed or forged)" in out, out
    code, out = _cli("verify", "--archive", str(archive))
    assert code == 1 and "run r2 (sequence 2) was renamed to r2-final" in out, out


def test_symlink_inside_a_run(tmp_path: Path, run_template: Path, signer: Signer) -> None:
    archive = make_archive(tmp_path, run_template, signer, n=1)
    run = archive / "r1"
    # the same bytes, but now a link to a file outside the run that can change at will
    outside = tmp_path / "elsewhere.log"
    outside.write_bytes((run / "run.log").read_bytes())
    (run / "run.log").unlink()
    (run / "run.log").symlink_to(outside)
    code, out = _cli("verify", str(run))
    assert code == 1, out
    assert "not a regular file: run.log (symbolic link to" in out
    # a linked directory fails the same way (it was exit 2, "cannot verify", before)
    (run / "more").symlink_to(tmp_path, target_is_directory=True)
    assert _cli("verify", str(run))[0] == 1


def test_special_file_inside_a_run(tmp_path: Path, run_template: Path) -> None:
    archive = make_archive(tmp_path, run_template, None, n=1)
    os.mkfifo(archive / "r1" / "results" / "pipe")
    code, out = _cli("verify", str(archive / "r1"))
    assert code == 1 and "results/pipe (special file)" in out


@pytest.mark.parametrize("which", ["r2", "r3"])
def test_deleted_run(tmp_path: Path, run_template: Path, signer: Signer, which: str) -> None:
    archive = make_archive(tmp_path, run_template, signer)
    shutil.rmtree(archive / which)
    code, out = _cli("verify", "--archive", str(archive))
    assert code == 1, out
    assert f"(run {which}) is missing from the archive" in out


def test_deleted_newest_run_with_its_ledger_line_needs_the_recorded_head(
    tmp_path: Path, run_template: Path, signer: Signer
) -> None:
    archive = make_archive(tmp_path, run_template, signer)
    head = hashlib.sha256((archive / "r3" / "manifest.json").read_bytes()).hexdigest()
    shutil.rmtree(archive / "r3")
    ledger = (archive / LEDGER_NAME).read_text().splitlines()
    (archive / LEDGER_NAME).write_text("\n".join(ledger[:2]) + "\n")
    assert _cli("verify", "--archive", str(archive))[0] == 0  # undetectable by itself
    code, out = _cli("verify", "--archive", str(archive), "--known-head", head)
    assert code == 1 and "no longer in the archive's chain" in out


@pytest.mark.parametrize("signed", [True, False])
def test_rewritten_run(tmp_path: Path, run_template: Path, signer: Signer, signed: bool) -> None:
    """An older run rewritten wholesale: new findings, a new manifest that is signed again
    with the attacker's own key (or left unsigned)."""
    archive = make_archive(tmp_path, run_template, signer if signed else None)
    run = archive / "r1"
    edit_findings(run)
    attacker = generate_key(tmp_path / "attacker.pem") if signed else None
    _writable(run)
    (run / "manifest.json").unlink()
    if (run / SIGNATURE_NAME).exists():
        (run / SIGNATURE_NAME).unlink()
    from auditlib.report.manifest import write_manifest

    old = json.loads((archive / "r2" / "manifest.json").read_text())
    write_manifest(
        run, chain={"sequence": 1, "previous": None, "unchained_runs": []}, signer=attacker
    )
    assert old["chain"]["previous"]["run_id"] == "r1"
    code, out = _cli("verify", "--archive", str(archive))
    assert code == 1, out
    assert "links to run r1 with manifest" in out and "replaced" in out
    if signed:
        assert "signed by 2 different keys" in out
        assert f"but the manifest is signed by {attacker.fingerprint} (re-signed?)" in out
        code, out = _cli("verify", "--trusted-key", signer.fingerprint, str(run))
        assert code == 1 and "not a trusted key" in out


def test_inserted_run(tmp_path: Path, run_template: Path, signer: Signer) -> None:
    """A copy of r1 slipped in under another name, its ids and hashes made consistent."""
    archive = make_archive(tmp_path, run_template, None, n=2)
    fake = archive / "r1b"
    shutil.copytree(archive / "r1", fake)
    _writable(fake)
    summary = json.loads((fake / "summary.json").read_text())
    (fake / "summary.json").write_text(json.dumps({**summary, "run_id": "r1b"}))
    recompute_manifest(fake, run_id="r1b")
    assert _cli("verify", "--no-snapshot", str(fake))[0] == 1  # not in the ledger
    code, out = _cli("verify", "--archive", str(archive))
    assert code == 1 and "both claim sequence 1" in out, out


def test_back_dated_run(tmp_path: Path, run_template: Path) -> None:
    """A run appended at the end of an unsigned chain, correctly linked and in the ledger,
    but claiming it was sealed before its predecessor."""
    archive = make_archive(tmp_path, run_template, None, n=2)
    head = hashlib.sha256((archive / "r2" / "manifest.json").read_bytes()).hexdigest()
    fake = archive / "r0"
    shutil.copytree(archive / "r1", fake)
    _writable(fake)
    summary = json.loads((fake / "summary.json").read_text())
    (fake / "summary.json").write_text(
        json.dumps(
            {
                **summary,
                "run_id": "r0",
                "started_at": "2026-01-01T00:00:00+00:00",
                "finished_at": "2026-01-01T00:10:00+00:00",
            }
        )
    )
    recompute_manifest(
        fake,
        run_id="r0",
        created_at="2026-01-01T00:20:00+00:00",
        chain={"sequence": 3, "previous": {"sequence": 2, "run_id": "r2", "manifest_sha256": head}},
    )
    digest = hashlib.sha256((fake / "manifest.json").read_bytes()).hexdigest()
    with (archive / LEDGER_NAME).open("a") as fh:
        fh.write(
            json.dumps(
                {
                    "sequence": 3,
                    "run_id": "r0",
                    "manifest_sha256": digest,
                    "previous_manifest_sha256": head,
                }
            )
            + "\n"
        )
    code, out = _cli("verify", "--archive", str(archive))
    assert code == 1 and "before its predecessor r2" in out and "back-dated" in out, out


def test_verify_archive_cannot_without_runs(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert _cli("verify", "--archive", str(tmp_path / "empty"))[0] == 2
    assert _cli("verify", "--archive", str(tmp_path / "absent"))[0] == 2
    assert _cli("verify")[0] == 2


# ------------------------------------------------------------------ keys


def test_keygen_writes_a_private_key_0600_and_never_overwrites(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    code, out = _cli("keygen", str(key))
    assert code == 0, out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")  # PKCS#8
    signer = load_signer(key)
    assert f"fingerprint: {signer.fingerprint}" in out
    assert (tmp_path / "k.pem.pub").read_text() == signer.public_pem
    before = key.read_bytes()
    code, out = _cli("keygen", str(key))
    assert code == 2 and "never overwritten" in out
    assert key.read_bytes() == before


def test_unusable_signing_keys_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signer: Signer
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    archive = tmp_path / "runs"
    archive.mkdir()
    monkeypatch.delenv("AUDITLIB_SIGNING_KEY", raising=False)
    assert signer_from_env(archive) is None
    monkeypatch.setenv("AUDITLIB_SIGNING_KEY", str(tmp_path / "missing.pem"))
    with pytest.raises(SigningError, match="missing.pem"):
        signer_from_env(archive)
    inside = archive / "key.pem"
    generate_key(inside)
    monkeypatch.setenv("AUDITLIB_SIGNING_KEY", str(inside))
    with pytest.raises(SigningError, match="inside the archive"):
        signer_from_env(archive)
    loose = tmp_path / "loose.pem"
    generate_key(loose).path.chmod(0o644)
    with pytest.raises(SigningError, match="readable by others"):
        load_signer(loose)
    ec_key = tmp_path / "ec.pem"
    ec_key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ec_key.chmod(0o600)
    with pytest.raises(SigningError, match="not an Ed25519 key"):
        load_signer(ec_key)
    monkeypatch.setenv("AUDITLIB_SIGNING_KEY", str(signer.path))
    assert signer_from_env(archive).fingerprint == signer.fingerprint  # type: ignore[union-attr]


def test_an_unusable_key_stops_the_run_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditlib.runner.run import _signer

    monkeypatch.setenv("AUDITLIB_SIGNING_KEY", str(tmp_path / "nope.pem"))
    with pytest.raises(SigningError):
        _signer(tmp_path)


def test_signature_checks_with_openssl(tmp_path: Path, run_template: Path, signer: Signer) -> None:
    """The README's recipe: an auditor can check a run without auditlib."""
    import base64
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: the auditlib-free recipe cannot be tried")
    archive = make_archive(tmp_path, run_template, signer, n=1)
    run = archive / "r1"
    manifest = json.loads((run / "manifest.json").read_text())
    (tmp_path / "pub.pem").write_text(manifest["signing"]["public_key"])
    (tmp_path / "sig.bin").write_bytes(base64.b64decode((run / SIGNATURE_NAME).read_text()))
    ok = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            str(tmp_path / "pub.pem"),
            "-rawin",
            "-in",
            str(run / "manifest.json"),
            "-sigfile",
            str(tmp_path / "sig.bin"),
        ],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "Success" in ok.stdout, ok.stdout + ok.stderr
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(tmp_path / "pub.pem"), "-outform", "DER"],
        capture_output=True,
        check=True,
    ).stdout
    assert hashlib.sha256(der[-32:]).hexdigest() == signer.fingerprint


def test_verify_run_result_lists_every_problem(
    tmp_path: Path, run_template: Path, signer: Signer
) -> None:
    archive = make_archive(tmp_path, run_template, signer, n=1)
    run = archive / "r1"
    (run / SIGNATURE_NAME).chmod(0o644)
    (run / SIGNATURE_NAME).write_text("AAAA\n")
    res = verify_run(run)
    assert not res.ok and any("signature does not match" in p for p in res.problems)
    (run / SIGNATURE_NAME).unlink()
    res = verify_run(run)
    assert any("carries no signature" in p for p in res.problems)


@pytest.mark.parametrize("signed", [True, False])
def test_the_report_says_whether_the_run_is_signed(
    tmp_path: Path, run_template: Path, signer: Signer, signed: bool
) -> None:
    from auditlib.report import render_run

    run = tmp_path / "runs" / "r1"
    shutil.copytree(run_template, run)
    summary = json.loads((run / "summary.json").read_text())
    summary["evidence"] = evidence_status(signer if signed else None)
    (run / "summary.json").write_text(json.dumps(summary))
    render_run(run, run.parent)
    html = (run / "index.html").read_text()
    if signed:
        assert f"key fingerprint <code>{signer.fingerprint}</code>" in html
        assert "unsigned" not in html
    else:
        assert "this run is unsigned" in html


def test_a_run_handed_over_on_its_own_still_verifies(
    tmp_path: Path, run_template: Path, signer: Signer
) -> None:
    archive = make_archive(tmp_path, run_template, signer, n=2)
    alone = tmp_path / "handed-over" / "r2"
    shutil.copytree(archive / "r2", alone)
    code, out = _cli("verify", "--trusted-key", signer.fingerprint, str(alone))
    assert code == 0 and "its place in the chain (sequence 2) is not checked here" in out, out
    (archive / LEDGER_NAME).unlink()  # inside the archive, a deleted ledger is not accepted
    code, out = _cli("verify", "--archive", str(archive))
    assert code == 1 and "is not in chain.jsonl" in out
