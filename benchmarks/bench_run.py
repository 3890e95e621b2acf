"""Benchmark a whole ``auditlib run`` against the same data work done in one process.

For each scale: generate (or reuse with ``--keep``) the demo export, then alternate,
``--repeat`` times each, in fresh processes:

- ``inproc``: one Python process builds the snapshot with the same gates backend as an
  audit run (``gates_backend="auto"``: Great Expectations on the small tables, DuckDB
  on the large ones) and evaluates the whole rule catalogue: the data work of a run
  without notebooks, kernels, reports or manifest;
- ``inproc-duckdb``: the same with the DuckDB-only gates (no Great Expectations import;
  the floor of the data work);
- ``run``: ``auditlib run --source <export> --quiet`` (four notebooks through papermill,
  Great Expectations in the snapshot notebook, HTML reports, manifest, archive index);
- ``run-base`` (with ``--baseline-src DIR``): the same command with an older checkout's
  ``src`` first on ``PYTHONPATH`` (kernels inherit it), e.g. from
  ``git archive <commit> src notebooks expectations audits | tar -x -C DIR``: a
  before/after under the same machine load.

Wall seconds and CPU seconds (user + system of the process and every descendant it
waited for) are the median of the repeats; the ratio is run / inproc. The run's own
per-stage times (``summary.json`` ``stages``) are printed beside them.

    .venv/bin/python benchmarks/bench_run.py --scales 1 [--repeat 3] [--keep DIR] [--json F]

While it runs, every variant imports auditlib afresh: to edit the checkout meanwhile,
run a frozen copy (``git archive HEAD src notebooks expectations audits benchmarks
``pyproject.toml``: the suites are found next to it),
then ``PYTHONPATH=<copy>/src AUDITLIB_NOTEBOOKS=<copy>/notebooks``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 6, 30)
KEY = "bench-run-key-0123456789abcdef"


def step_inproc(export: Path, out: Path, backend: str | None) -> dict:
    import duckdb

    from auditlib.config import Params
    from auditlib.quality import build_gated_snapshot
    from auditlib.rules import evaluate_rules

    t0 = time.perf_counter()
    build_gated_snapshot(str(export), out, gates_backend=backend)
    t1 = time.perf_counter()
    with duckdb.connect(str(out), read_only=True) as con:
        results = evaluate_rules(con, AS_OF, Params())
    t2 = time.perf_counter()
    return {
        "snapshot_s": round(t1 - t0, 2),
        "rules_s": round(t2 - t1, 2),
        "findings": sum(len(r.findings) for r in results),
        "errors": sorted(r.rule.id for r in results if r.status == "error"),
    }


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    c0, t0 = _children_cpu(), time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if p.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return wall, cpu, p.stdout


def bench_scale(scale: float, repeat: int, keep: Path | None, baseline: Path | None = None) -> dict:
    env = {**os.environ, "AUDITLIB_PSEUDONYM_KEY": KEY}
    with tempfile.TemporaryDirectory(prefix=f"bench-run-{scale:g}-") as d:
        work = keep / f"scale{scale:g}" if keep else Path(d)
        work.mkdir(parents=True, exist_ok=True)
        export = work / "export"
        if not (export / "manifest.json").exists():
            from auditlib.demo import generate_export

            generate_export(export, scale=scale, seed=7, as_of=AS_OF, fmt="parquet", overwrite=True)
        auditlib_bin = str(Path(sys.executable).with_name("auditlib"))
        samples: dict[str, list[tuple[float, float]]] = {
            "inproc": [],
            "inproc-duckdb": [],
            "run": [],
        }
        if baseline:
            samples["run-base"] = []
        stages: list[dict] = []
        details: dict[str, dict] = {}
        for i in range(repeat):
            for variant in samples:
                venv = env
                if variant.startswith("run"):
                    out = work / f"{variant}-{i}"
                    shutil.rmtree(out, ignore_errors=True)
                    cmd = [
                        auditlib_bin,
                        "run",
                        "--source",
                        str(export),
                        "--as-of",
                        AS_OF.isoformat(),
                        "--out",
                        str(out),
                        "--quiet",
                    ]
                    if variant == "run-base":
                        venv = {
                            **env,
                            "PYTHONPATH": str(baseline / "src"),
                            "AUDITLIB_NOTEBOOKS": str(baseline / "notebooks"),
                        }
                else:
                    snap = work / f"{variant}-{i}.duckdb"
                    snap.unlink(missing_ok=True)
                    cmd = [
                        sys.executable,
                        __file__,
                        "--step",
                        variant,
                        "--export",
                        str(export),
                        "--out",
                        str(snap),
                    ]
                wall, cpu, stdout = _timed(cmd, venv)
                samples[variant].append((wall, cpu))
                if variant == "run-base":
                    continue
                if variant == "run":
                    (run_dir,) = [p for p in out.iterdir() if (p / "summary.json").exists()]
                    summary = json.loads((run_dir / "summary.json").read_text())
                    stages.append(summary.get("stages") or {})
                    details["run"] = {
                        "verdict": summary["verdict"],
                        "findings": sum(r["findings"] for r in summary["rules"].values()),
                    }
                else:
                    details[variant] = json.loads(stdout.strip().splitlines()[-1])
    med = {
        v: (
            round(statistics.median(w for w, _ in s), 2),
            round(statistics.median(c for _, c in s), 2),
        )
        for v, s in samples.items()
    }
    return {
        "scale": scale,
        "repeat": repeat,
        "wall_s": {v: m[0] for v, m in med.items()},
        "cpu_s": {v: m[1] for v, m in med.items()},
        "run_over_inproc_wall": round(med["run"][0] / med["inproc"][0], 2),
        "run_over_inproc_cpu": round(med["run"][1] / med["inproc"][1], 2),
        "run_over_inproc_duckdb_wall": round(med["run"][0] / med["inproc-duckdb"][0], 2),
        **(
            {
                "base_over_inproc_wall": round(med["run-base"][0] / med["inproc"][0], 2),
                "base_over_inproc_cpu": round(med["run-base"][1] / med["inproc"][1], 2),
            }
            if "run-base" in med
            else {}
        ),
        "samples": samples,
        "run_stages": stages,
        "details": details,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", nargs="+", type=float, default=[1.0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--keep", type=Path, help="keep the exports here (and reuse them)")
    ap.add_argument(
        "--baseline-src",
        type=Path,
        help="an older checkout (src/, notebooks/) to run as 'run-base'",
    )
    ap.add_argument("--step")
    ap.add_argument("--export", type=Path)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    if a.step:
        backend = {"inproc": "auto", "inproc-duckdb": None}[a.step]
        print(json.dumps(step_inproc(a.export, a.out, backend)))
        return
    rows = []
    for scale in a.scales:
        r = bench_scale(scale, a.repeat, a.keep, a.baseline_src)
        rows.append(r)
        print(json.dumps(r, indent=1), flush=True)
        target = 3.0 if scale <= 1 else 1.3
        ratio = r["run_over_inproc_wall"]
        print(
            f"scale {scale:g}: auditlib run {r['wall_s']['run']} s wall / "
            f"{r['cpu_s']['run']} s CPU; in one process {r['wall_s']['inproc']} s / "
            f"{r['cpu_s']['inproc']} s (DuckDB-only gates {r['wall_s']['inproc-duckdb']} s / "
            f"{r['cpu_s']['inproc-duckdb']} s); run / in-process = {ratio}x wall, "
            f"{r['run_over_inproc_cpu']}x CPU "
            f"[{'OK' if ratio <= target else 'OVER TARGET'} {target}x] "
            f"(median of {a.repeat}, load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        if "run-base" in r["wall_s"]:
            print(
                f"  baseline run {r['wall_s']['run-base']} s wall / {r['cpu_s']['run-base']} s "
                f"CPU = {r['base_over_inproc_wall']}x / {r['base_over_inproc_cpu']}x of "
                "in-process",
                flush=True,
            )
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
