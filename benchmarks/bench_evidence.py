"""Benchmark: what signatures and the chain cost on top of plain hashing.

    .venv/bin/python benchmarks/bench_evidence.py [--runs 50] [--files 40] [--kib 256]

Builds an archive of ``--runs`` synthetic runs (``--files`` files of ``--kib`` KiB each,
random bytes), sealed one after the other with :func:`auditlib.report.chain.seal_and_publish`
and an Ed25519 key, in a temporary directory. Then, in the same process:

- ``naive``: sha256 of every file of every run against its manifest (what ``verify`` did
  before signatures and the chain);
- ``verify_archive``: :func:`auditlib.report.chain.verify_archive` (the same hashing plus
  run ids, link/special-file scan, signature per run, ledger and chain checks).

Prints seconds of each (best of 3), the ratio, and the seal time per run.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path


def build(root: Path, runs: int, files: int, kib: int) -> tuple[Path, float]:
    from auditlib.report.chain import seal_and_publish
    from auditlib.report.signing import evidence_status, generate_key

    signer = generate_key(root / "key.pem")
    archive = root / "runs"
    archive.mkdir()
    sealing = 0.0
    for i in range(runs):
        run_id = f"bench-{i:04d}"
        tmp = archive / f".tmp-{run_id}"
        (tmp / "results").mkdir(parents=True)
        for j in range(files):
            (tmp / "results" / f"f{j}.bin").write_bytes(os.urandom(kib * 1024))
        (tmp / "summary.json").write_text(
            json.dumps(
                {
                    "run_id": run_id,
                    "started_at": "2026-11-24T20:00:00+00:00",
                    "finished_at": "2026-11-24T20:00:00+00:00",
                    "evidence": evidence_status(signer),
                }
            )
        )
        t0 = time.perf_counter()
        seal_and_publish(tmp, archive / run_id, signer)
        sealing += time.perf_counter() - t0
    return archive, sealing / runs


def naive(archive: Path) -> bool:
    from auditlib.hashing import sha256_file

    ok = True
    for run in sorted(p for p in archive.iterdir() if p.is_dir() and not p.name.startswith(".")):
        manifest = json.loads((run / "manifest.json").read_text())
        for rel, meta in manifest["files"].items():
            ok &= sha256_file(run / rel) == meta["sha256"]
    return ok


def best(fn, *args) -> tuple[float, object]:  # noqa: ANN001
    times, result = [], None
    for _ in range(3):
        t0 = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    from auditlib.report.chain import verify_archive

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--kib", type=int, default=256)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        archive, seal = build(Path(d), args.runs, args.files, args.kib)
        t_naive, ok_naive = best(naive, archive)
        t_full, rep = best(verify_archive, archive)
        print(
            json.dumps(
                {
                    "runs": args.runs,
                    "files_per_run": args.files,
                    "kib_per_file": args.kib,
                    "seal_seconds_per_run": round(seal, 4),
                    "naive_hash_seconds": round(t_naive, 3),
                    "verify_archive_seconds": round(t_full, 3),
                    "ratio_verify_archive_to_naive": round(t_full / t_naive, 2),
                    "naive_ok": ok_naive,
                    "verify_archive_ok": rep.ok,  # type: ignore[attr-defined]
                }
            )
        )


if __name__ == "__main__":
    main()
