"""Benchmark the rules on DuckDB vs local Spark, in the same run, on the same snapshot.

For each scale (default 1): generate the demo export and build the DuckDB snapshot once,
then in fresh processes (so peak memory is per engine):

- ``duckdb``: ``auditlib.rules.evaluate_rules`` over the whole catalogue;
- ``spark``: ``auditlib.engines.spark.audit.evaluate_snapshot`` (the ``--engine spark``
  path: session start, Parquet staging of the snapshot's tables, all 22 rules) on
  ``local[2]`` with a 2 GiB driver; the session start is reported apart.

Printed: seconds, ratio Spark/DuckDB, peak RSS of the Python process and (Spark) of the
JVM (driver and executors are one JVM in local mode; sampled every 0.2 s), and whether the
two engines gave identical findings. Timings are printed, never asserted.

    .venv/bin/python benchmarks/bench_spark.py --scales 1 [10] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 6, 30)
KEY = b"bench-spark-key-0123456789abcdef"
MIB = 1 << 20


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def step_prepare(scale: float, work: Path) -> dict:
    from auditlib.demo import generate_export
    from auditlib.snapshot import build_snapshot

    export = generate_export(work / "export", scale=scale, seed=7, as_of=AS_OF, fmt="parquet")
    info = build_snapshot(str(export.out_dir), work / "snapshot.duckdb", key=KEY)
    return {"rows": sum(info.rows.values())}


def _findings(results: list) -> list:
    return [(r.rule.id, r.status, [f.to_dict() for f in r.findings]) for r in results]


def step_duckdb(snapshot: Path, out: Path) -> dict:
    import duckdb

    from auditlib.config import Params
    from auditlib.rules import evaluate_rules

    with duckdb.connect(str(snapshot), read_only=True) as con:
        t0 = time.perf_counter()
        results = evaluate_rules(con, AS_OF, Params())
        seconds = time.perf_counter() - t0
    out.write_text(json.dumps(_findings(results), default=str))
    return {
        "rules_s": round(seconds, 2),
        "peak_rss_mib": _peak_rss() // MIB,
        "per_rule": {r.rule.id: round(r.seconds, 3) for r in results},
    }


def step_spark(snapshot: Path, out: Path) -> dict:
    import psutil

    from auditlib.config import Params
    from auditlib.engines.spark.audit import evaluate_snapshot
    from auditlib.engines.spark.session import get_session
    from auditlib.rules import load_catalogue

    peak = {"jvm": 0}
    stop = threading.Event()

    def sample() -> None:
        me = psutil.Process()
        while not stop.is_set():
            try:
                rss = sum(c.memory_info().rss for c in me.children(recursive=True))
                peak["jvm"] = max(peak["jvm"], rss)
            except psutil.Error:
                pass
            time.sleep(0.2)

    threading.Thread(target=sample, daemon=True).start()
    t0 = time.perf_counter()
    get_session("local[2]", driver_memory="2g")
    start_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    results, info = evaluate_snapshot(snapshot, AS_OF, Params(), list(load_catalogue()))
    seconds = time.perf_counter() - t1
    stop.set()
    out.write_text(json.dumps(_findings(results), default=str))
    return {
        "session_start_s": round(start_s, 1),
        "rules_s": round(seconds, 2),
        "peak_rss_mib": _peak_rss() // MIB,
        "jvm_peak_rss_mib": peak["jvm"] // MIB,
        "spark": info,
        "per_rule": {r.rule.id: round(r.seconds, 3) for r in results},
    }


def _child(step: str, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", step, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--child", nargs="+")
    a = ap.parse_args()
    if a.child:
        step, *rest = a.child
        if step == "prepare":
            res = step_prepare(float(rest[0]), Path(rest[1]))
        elif step == "duckdb":
            res = step_duckdb(Path(rest[0]), Path(rest[1]))
        else:
            res = step_spark(Path(rest[0]), Path(rest[1]))
        print(json.dumps(res))
        return
    report = {}
    for scale in a.scales:
        with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
            work = Path(tmp)
            prep = _child("prepare", str(scale), str(work))
            duck = _child("duckdb", str(work / "snapshot.duckdb"), str(work / "duck.json"))
            spark = _child("spark", str(work / "snapshot.duckdb"), str(work / "spark.json"))
            same = (work / "duck.json").read_text() == (work / "spark.json").read_text()
        ratio = spark["rules_s"] / max(duck["rules_s"], 1e-9)
        report[scale] = {
            "rows": prep["rows"],
            "duckdb": duck,
            "spark": spark,
            "ratio_spark_over_duckdb": round(ratio, 1),
            "identical_findings": same,
        }
        print(
            f"scale {scale:g} ({prep['rows']:,} rows): DuckDB {duck['rules_s']} s "
            f"(peak RSS {duck['peak_rss_mib']} MiB); Spark local[2] {spark['rules_s']} s "
            f"+ {spark['session_start_s']} s session start (python {spark['peak_rss_mib']} MiB,"
            f" JVM {spark['jvm_peak_rss_mib']} MiB); Spark/DuckDB {ratio:.1f}x; "
            f"identical findings: {same}"
        )
        slow = sorted(spark["per_rule"].items(), key=lambda kv: -kv[1])[:5]
        print("  slowest rules on Spark:", ", ".join(f"{k} {v} s" for k, v in slow))
    if a.json:
        a.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
