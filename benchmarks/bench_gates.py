"""Benchmark: the DQ gates, Great Expectations on pandas vs compiled DuckDB.

    .venv/bin/python benchmarks/bench_gates.py [--rows 5000000] [--bad 0.001]
    .venv/bin/python benchmarks/bench_gates.py --snapshot /tmp/g1/s.duckdb [--backends duckdb,auto]

With ``--snapshot`` (a file ``auditlib snapshot`` built, e.g. from ``auditlib demo-data
--scale 1``): ``run_gates`` itself on a private copy of that snapshot, once per backend,
each in its own child process; prints seconds, peak RSS (``ru_maxrss`` of the child,
MiB), whether Great Expectations was imported, and whether the backends' ``_audit_gates``
verdicts (status, rows_affected per gate and table) agree.

Without it:

Builds ``message_deliveries`` (the largest table of the service) with ``--rows`` rows, a
fraction ``--bad`` of them violating the suite (duplicate keys, unknown status, a
delivery after the snapshot time) plus parents for the orphan checks, in a temporary
DuckDB file. Each backend then runs in its own child process (so peak memory is its
own) on the same file:

- ``gx``: ``SELECT * -> pandas`` + GX 1.24 ephemeral pandas validation of the
  suite's GX-runnable expectations (what ``backend='gx'`` does), timed apart;
- ``duckdb``: the same expectations compiled to DuckDB SQL (``backend='duckdb'``);
- ``duckdb+orphans``: as above plus the DQ-03 join checks (DuckDB only).

Prints one JSON line per backend: seconds (load, validate, total), peak RSS (MiB,
``ru_maxrss`` of the child), and the unexpected counts, which must agree.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SNAPSHOT_TIME = datetime(2026, 1, 1, tzinfo=UTC)
TABLE = "message_deliveries"


def build(path: Path, rows: int, bad: float) -> None:
    import duckdb

    from auditlib.quality.suites import snapshot_columns
    from auditlib.schema import load_schema

    con = duckdb.connect(str(path))
    schema = load_schema()
    for t in ("messages", "recipients", TABLE):
        cols = ", ".join(f'"{c}" {ty}' for c, ty in snapshot_columns(schema.tables[t]).items())
        con.execute(f'CREATE TABLE "{t}" ({cols})')
    n_msg, n_rec = max(rows // 10, 1), max(rows // 50, 1)
    con.execute(
        f"INSERT INTO messages SELECT i, 1, NULL, 'email', TIMESTAMPTZ '2025-01-01' "
        f"FROM range(1, {n_msg} + 1) t(i)"
    )
    con.execute(
        f"INSERT INTO recipients SELECT i, 1, md5(i::VARCHAR), TIMESTAMPTZ '2025-01-01' "
        f"FROM range(1, {n_rec} + 1) t(i)"
    )
    every = max(int(1 / bad), 5) if bad > 0 else rows + 5
    # row i: message i // 50 + 1, recipient i % 50 + 1 (unique pairs). Among every `every`
    # rows: #1 repeats row #0's key (duplicate), #2 has an unknown status, #3 a delivery
    # after the snapshot time, #4 a message that does not exist (orphan).
    con.execute(f"""
        INSERT INTO {TABLE}
        SELECT CASE WHEN i % {every} = 4 THEN {n_msg} + 1 + i
                    WHEN i % {every} = 1 THEN (i - 1) // 50 + 1 ELSE i // 50 + 1 END,
               CASE WHEN i % {every} = 1 THEN (i - 1) % 50 + 1 ELSE i % 50 + 1 END,
               i % 3,
               CASE WHEN i % {every} = 2 THEN 'lost'
                    ELSE ['queued', 'sent', 'delivered', 'bounced', 'failed'][i % 5 + 1] END,
               CASE WHEN i % {every} = 3 THEN TIMESTAMPTZ '2030-01-01'
                    ELSE TIMESTAMPTZ '2025-01-01' + to_seconds(i) END
        FROM range(0, {rows}) t(i)""")
    con.close()


def run_child(path: Path, backend: str) -> dict:
    import duckdb

    from auditlib.quality import sql_backend
    from auditlib.quality.suites import SNAPSHOT_TIME_PARAMETER, read_suite_dicts

    params = {SNAPSHOT_TIME_PARAMETER: SNAPSHOT_TIME}
    suite = read_suite_dicts()[TABLE]
    gx_types = {e["type"] for e in suite["expectations"]} - {
        "unexpected_rows_expectation",
        "expect_table_columns_to_match_set",
    }
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET threads = 2")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out: dict = {"backend": backend}
    t0 = time.perf_counter()
    if backend == "gx":
        from auditlib.quality import gx_backend

        gx_backend.import_gx()
        out["import_gx_s"] = round(time.perf_counter() - t0, 2)
        t1 = time.perf_counter()
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            df = con.execute(f"SELECT * FROM {TABLE}").df()
        out["load_s"] = round(time.perf_counter() - t1, 2)
        t2 = time.perf_counter()
        results = gx_backend.validate_dataframe(df, TABLE, suite, params, gx_types)
        out["validate_s"] = round(time.perf_counter() - t2, 2)
    else:
        types = set(gx_types)
        if backend == "duckdb+orphans":
            types.add("unexpected_rows_expectation")
        t2 = time.perf_counter()
        results = sql_backend.run_suite(con, TABLE, suite, params, types)
        out["validate_s"] = round(time.perf_counter() - t2, 2)
    out["total_s"] = round(time.perf_counter() - t0, 2)
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out["rss_before_mib"] = round(rss0)
    out["unexpected"] = {r.check_id: (r.error or r.unexpected_count) for r in results}
    return out


def run_gates_child(snapshot: Path, backend: str) -> dict:
    """``run_gates`` on ``snapshot`` (a private copy: it rewrites ``_audit_gates``)."""
    import duckdb

    from auditlib.quality import run_gates

    t0 = time.perf_counter()
    con = duckdb.connect(str(snapshot))
    (value,) = con.execute(
        "SELECT value FROM _snapshot_meta WHERE key = 'snapshot_time'"
    ).fetchone()
    snapshot_time = datetime.fromisoformat(json.loads(value))
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t1 = time.perf_counter()
    results = run_gates(con, snapshot_time, backend=backend)
    seconds = time.perf_counter() - t1
    con.close()
    return {
        "backend": backend,
        "run_gates_s": round(seconds, 2),
        "open_s": round(t1 - t0, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_before_mib": round(rss0),
        "great_expectations_imported": "great_expectations" in sys.modules,
        "not_pass": sum(r.status not in ("pass", "skipped") for r in results),
        "verdicts": {f"{r.gate_id} {r.table_name}": [r.status, r.rows_affected] for r in results},
    }


def bench_snapshot(snapshot: Path, backends: list[str]) -> None:
    import shutil

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            copy = Path(tmp) / f"{backend}.duckdb"
            shutil.copyfile(snapshot, copy)
            proc = subprocess.run(
                [sys.executable, __file__, "--gates-child", backend, "--db", str(copy)],
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            copy.unlink()
            print(json.dumps({k: v for k, v in results[-1].items() if k != "verdicts"}))
    verdicts = [r["verdicts"] for r in results]
    print(json.dumps({"backends_agree": all(v == verdicts[0] for v in verdicts)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--bad", type=float, default=0.001)
    ap.add_argument(
        "--backends", help="default: duckdb,duckdb+orphans,gx (with --snapshot: duckdb,auto)"
    )
    ap.add_argument("--snapshot", type=Path, help="run run_gates on (a copy of) this snapshot")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--gates-child", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_child(Path(args.db), args.child)))
        return
    if args.gates_child:
        print(json.dumps(run_gates_child(Path(args.db), args.gates_child)))
        return
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    if args.snapshot:
        bench_snapshot(args.snapshot, (args.backends or "duckdb,auto").split(","))
        return
    args.backends = args.backends or "duckdb,duckdb+orphans,gx"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t = time.perf_counter()
        build(db, args.rows, args.bad)
        print(
            json.dumps(
                {
                    "built_rows": args.rows,
                    "bad_fraction": args.bad,
                    "build_s": round(time.perf_counter() - t, 1),
                }
            )
        )
        results = []
        for backend in args.backends.split(","):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", backend, "--db", str(db)],
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[-1]))
        counts = [
            {k: v for k, v in r["unexpected"].items() if ".orphan." not in k} for r in results
        ]
        print(json.dumps({"backends_agree": all(c == counts[0] for c in counts)}))


if __name__ == "__main__":
    main()
