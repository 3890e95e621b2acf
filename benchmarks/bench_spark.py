"""Benchmark the snapshot (with its gates) and the rules on DuckDB vs local Spark, same run.

For each scale (default 1): generate the demo export (Parquet) once, then in fresh
processes (so peak memory is per engine):

- ``duckdb``: ``build_gated_snapshot`` (extraction, minimisation, HMAC, gates DQ-01..06:
  what ``auditlib run`` does), then ``evaluate_rules`` over the whole catalogue;
- ``spark``: ``build_spark_snapshot`` (the ``--engine spark`` path: Spark reads the export,
  writes the Parquet snapshot, runs the gates as Spark SQL), then ``evaluate_snapshot`` on
  that Parquet snapshot (all 22 rules), on ``local[2]`` with a 2 GiB driver; the session
  start is reported apart.

Printed: seconds per stage, ratio Spark/DuckDB, peak RSS of the Python process and (Spark)
of the JVM (driver and executors are one JVM in local mode; sampled every 0.2 s), and
whether the two engines gave identical findings and gate rows. Timings are printed, never
asserted.

    .venv/bin/python benchmarks/bench_spark.py --scales 1 [10] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
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

    export = generate_export(work / "export", scale=scale, seed=7, as_of=AS_OF, fmt="parquet")
    return {"export": str(export.out_dir)}


def _findings(results: list) -> list:
    return [(r.rule.id, r.status, [f.to_dict() for f in r.findings]) for r in results]


def _gates(rows: list) -> list:
    return sorted((r.gate_id, r.table_name, r.status, r.rows_affected, r.message) for r in rows)


def step_duckdb(export: Path, work: Path) -> dict:
    import duckdb

    from auditlib.config import Params
    from auditlib.quality import build_gated_snapshot
    from auditlib.rules import evaluate_rules

    t0 = time.perf_counter()
    info = build_gated_snapshot(str(export), work / "snapshot.duckdb", key=KEY)
    snap_s = time.perf_counter() - t0
    with duckdb.connect(str(info.path), read_only=True) as con:
        t0 = time.perf_counter()
        results = evaluate_rules(con, AS_OF, Params())
        seconds = time.perf_counter() - t0
    (work / "duck.json").write_text(
        json.dumps({"findings": _findings(results), "gates": _gates(info.gate_rows)}, default=str)
    )
    return {
        "rows": sum(info.rows.values()),
        "snapshot_and_gates_s": round(snap_s, 2),
        "rules_s": round(seconds, 2),
        "peak_rss_mib": _peak_rss() // MIB,
        "per_rule": {r.rule.id: round(r.seconds, 3) for r in results},
    }


def step_spark(export: Path, work: Path) -> dict:
    import psutil

    from auditlib.config import Params
    from auditlib.engines.spark.audit import evaluate_snapshot
    from auditlib.engines.spark.session import get_session
    from auditlib.engines.spark.snapshot import build_spark_snapshot
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
    spark = get_session("local[2]", driver_memory=os.environ.get("BENCH_SPARK_DRIVER", "2g"))
    start_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    info = build_spark_snapshot(spark, export, work / "snapshot.parquet", key=KEY)
    snap_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    results, engine = evaluate_snapshot(info.path, AS_OF, Params(), list(load_catalogue()))
    seconds = time.perf_counter() - t1
    stop.set()
    (work / "spark.json").write_text(
        json.dumps({"findings": _findings(results), "gates": _gates(info.gate_rows)}, default=str)
    )
    return {
        "session_start_s": round(start_s, 1),
        "snapshot_and_gates_s": round(snap_s, 2),
        "rules_s": round(seconds, 2),
        "peak_rss_mib": _peak_rss() // MIB,
        "jvm_peak_rss_mib": peak["jvm"] // MIB,
        "spark": engine,
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
            export = _child("prepare", str(scale), str(work))["export"]
            duck = _child("duckdb", export, str(work))
            spark = _child("spark", export, str(work))
            d = json.loads((work / "duck.json").read_text())
            s = json.loads((work / "spark.json").read_text())
        snap_ratio = spark["snapshot_and_gates_s"] / max(duck["snapshot_and_gates_s"], 1e-9)
        rules_ratio = spark["rules_s"] / max(duck["rules_s"], 1e-9)
        report[scale] = {
            "duckdb": duck,
            "spark": spark,
            "snapshot_ratio_spark_over_duckdb": round(snap_ratio, 1),
            "rules_ratio_spark_over_duckdb": round(rules_ratio, 1),
            "identical_findings": d["findings"] == s["findings"],
            "identical_gates": d["gates"] == s["gates"],
        }
        print(
            f"scale {scale:g} ({duck['rows']:,} rows): snapshot+gates DuckDB "
            f"{duck['snapshot_and_gates_s']} s, Spark {spark['snapshot_and_gates_s']} s "
            f"({snap_ratio:.1f}x); rules DuckDB {duck['rules_s']} s, Spark {spark['rules_s']} s "
            f"({rules_ratio:.1f}x); Spark session start {spark['session_start_s']} s; peak RSS "
            f"DuckDB {duck['peak_rss_mib']} MiB, Spark python {spark['peak_rss_mib']} MiB + JVM "
            f"{spark['jvm_peak_rss_mib']} MiB; identical findings "
            f"{report[scale]['identical_findings']}, identical gates "
            f"{report[scale]['identical_gates']}"
        )
        slow = sorted(spark["per_rule"].items(), key=lambda kv: -kv[1])[:5]
        print("  slowest rules on Spark:", ", ".join(f"{k} {v} s" for k, v in slow))
    if a.json:
        a.json.write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
