"""Benchmark the rule set: engine vs bare SQL, peak memory, notebook start-up.

For each scale (default 1 and 10): generate the demo export, build the snapshot,
then, in fresh processes so peak memory is per phase:

- ``engine``: ``auditlib.rules.evaluate_rules`` over the whole catalogue (gates
  checked, findings turned into JSON, evidence checked), best of ``--repeat``;
- ``bare``: each rule's SQL run directly in DuckDB with the same variables and
  macros (``fetchall``), best of ``--repeat``;
- ``notebook``: ``dsr.ipynb`` executed by the runner's worker (papermill,
  kernel ``python3``): kernel start-up, the imports cell, and the total.

Targets: engine <= 1.5 x bare; peak RSS of the rule runs < 2 GiB (the demo generator's
own peak is reported beside it). Timings are printed, never asserted.

    .venv/bin/python benchmarks/bench_rules.py --scales 1 10 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 6, 30)
GIB = 1 << 30


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def step_prepare(scale: float, work: Path) -> dict:
    from auditlib.demo import generate_export
    from auditlib.quality import build_gated_snapshot

    t0 = time.perf_counter()
    export = generate_export(work / "export", scale=scale, seed=7, as_of=AS_OF, fmt="parquet")
    t1 = time.perf_counter()
    info = build_gated_snapshot(str(export.out_dir), work / "snapshot.duckdb")
    t2 = time.perf_counter()
    return {
        "generate_s": round(t1 - t0, 2),
        "snapshot_s": round(t2 - t1, 2),
        "rows": sum(info.rows.values()),
        "peak_rss": _peak_rss(),
    }


def step_engine(snapshot: Path, repeat: int, gates: bool = True) -> dict:
    import duckdb

    from auditlib.config import Params
    from auditlib.rules import evaluate_rules

    best, per_rule = float("inf"), {}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        for _ in range(repeat):
            t0 = time.perf_counter()
            results = evaluate_rules(con, AS_OF, Params(), require_gates=gates)
            best = min(best, time.perf_counter() - t0)
            for r in results:
                per_rule[r.rule.id] = min(per_rule.get(r.rule.id, float("inf")), r.seconds)
    errors = {r.rule.id: (r.error or "")[:300] for r in results if r.status == "error"}
    return {
        "engine_s": round(best, 3),
        "per_rule": per_rule,
        "errors": errors,
        "peak_rss": _peak_rss(),
    }


def step_bare(snapshot: Path, repeat: int) -> dict:
    import duckdb

    from auditlib.config import Params
    from auditlib.rules import load_catalogue
    from auditlib.rules.engine import set_parameters

    best, per_rule = float("inf"), {}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        t0 = time.perf_counter()
        set_parameters(con, AS_OF, Params())
        setup = time.perf_counter() - t0
        for _ in range(repeat):
            total = 0.0
            for rule in load_catalogue().values():
                t0 = time.perf_counter()
                con.execute(rule.sql).fetchall()
                if rule.observations_sql:
                    con.execute(rule.observations_sql).fetchall()
                dt = time.perf_counter() - t0
                per_rule[rule.id] = min(per_rule.get(rule.id, float("inf")), dt)
                total += dt
            best = min(best, total)
    return {
        "bare_s": round(best, 3),
        "setup_s": round(setup, 3),
        "per_rule": per_rule,
        "peak_rss": _peak_rss(),
    }


def step_notebook(snapshot: Path, work: Path) -> dict:
    from auditlib.runner.run import notebooks_dir
    from auditlib.runner.worker import execute

    (work / "results").mkdir(exist_ok=True)
    r = execute(
        {
            "input": str(notebooks_dir() / "dsr.ipynb"),
            "output": str(work / "dsr.ipynb"),
            "parameters": {
                "snapshot_path": str(snapshot),
                "as_of": AS_OF.isoformat(),
                "result_dir": str(work / "results"),
                "params": {},
                "severities": {},
            },
            "cell_timeout": 1800,
            "cwd": str(work),
        }
    )
    return {
        k: r.get(k)
        for k in ("status", "error", "seconds", "kernel_startup_seconds", "imports_seconds")
    }


def _child(step: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_scale(scale: float, repeat: int, keep: Path | None, gates: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{scale:g}-") as d:
        work = keep / f"scale{scale:g}" if keep else Path(d)
        work.mkdir(parents=True, exist_ok=True)
        snap = work / "snapshot.duckdb"
        if snap.exists():  # --keep: reuse the export and snapshot of an earlier run
            prep = {"rows": None, "generate_s": None, "snapshot_s": None, "peak_rss": 0}
        else:
            prep = _child("prepare", "--scale", str(scale), "--work", str(work))
        engine = _child(
            "engine",
            "--snapshot",
            str(snap),
            "--repeat",
            str(repeat),
            *([] if gates else ["--no-gates"]),
        )
        bare = _child("bare", "--snapshot", str(snap), "--repeat", str(repeat))
        nb = _child("notebook", "--snapshot", str(snap), "--work", str(work))
    ratio = {
        rid: round(engine["per_rule"][rid] / bare["per_rule"][rid], 2)
        for rid in bare["per_rule"]
        if bare["per_rule"][rid] > 0
    }
    return {
        "scale": scale,
        "rows": prep["rows"],
        "generate_s": prep["generate_s"],
        "snapshot_s": prep["snapshot_s"],
        "engine_s": engine["engine_s"],
        "bare_s": bare["bare_s"],
        "macro_setup_s": bare["setup_s"],
        # rules that error stop early in the engine: a ratio would flatter it
        "engine_over_bare": (
            round(engine["engine_s"] / (bare["bare_s"] + bare["setup_s"]), 2)
            if not engine["errors"]
            else None
        ),
        "worst_rule_ratio": max(ratio.items(), key=lambda kv: kv[1]) if ratio else None,
        "rule_errors": engine["errors"],
        "peak_rss_gib": {
            k: round(v["peak_rss"] / GIB, 2)
            for k, v in (("prepare", prep), ("engine", engine), ("bare", bare))
        },
        "notebook": nb,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", nargs="+", type=float, default=[1.0, 10.0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--keep", type=Path, help="keep exports and snapshots here (and reuse them)")
    ap.add_argument(
        "--no-gates",
        action="store_true",
        help="evaluate rules even where a blocking gate failed (to time them)",
    )
    ap.add_argument("--step")
    ap.add_argument("--scale", type=float)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--snapshot", type=Path)
    a = ap.parse_args()
    if a.step:
        res = {
            "prepare": lambda: step_prepare(a.scale, a.work),
            "engine": lambda: step_engine(a.snapshot, a.repeat, not a.no_gates),
            "bare": lambda: step_bare(a.snapshot, a.repeat),
            "notebook": lambda: step_notebook(a.snapshot, a.work),
        }[a.step]()
        print(json.dumps(res))
        return
    rows = []
    for scale in a.scales:
        r = bench_scale(scale, a.repeat, a.keep, not a.no_gates)
        rows.append(r)
        print(json.dumps(r, indent=1), flush=True)
        ratio = r["engine_over_bare"]
        ok_t = "RULE ERRORS" if ratio is None else "OK" if ratio <= 1.5 else "OVER TARGET"
        rules_peak = max(r["peak_rss_gib"]["engine"], r["peak_rss_gib"]["bare"])
        ok_m = "OK" if rules_peak < 2 else "OVER TARGET"
        print(
            f"scale {scale:g}: engine {r['engine_s']} s vs bare {r['bare_s']} s "
            f"(+{r['macro_setup_s']} s macros) = {ratio}x [{ok_t}]; "
            f"peak RSS of the rule runs {rules_peak} GiB [{ok_m}] (all phases: "
            f"{r['peak_rss_gib']} GiB); notebook: kernel "
            f"{r['notebook']['kernel_startup_seconds']} s, imports "
            f"{r['notebook']['imports_seconds']} s, total {r['notebook']['seconds']} s",
            flush=True,
        )
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
