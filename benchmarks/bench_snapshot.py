"""Benchmark: building a snapshot from live PostgreSQL and from Parquet, against two baselines.

Usage::

    .venv/bin/python benchmarks/bench_snapshot.py --scale 1
    .venv/bin/python benchmarks/bench_snapshot.py --scale 10 --export /data/demo-s10

It generates the demo export (``auditlib.demo.generate_export``, Parquet) unless
``--export`` is given, starts a throwaway PostgreSQL 15, loads the export
(``auditlib.pg.load``), then measures, each variant in its own subprocess so that
peak RSS (``ru_maxrss`` of that process) belongs to it alone:

- ``snapshot_pg``: ``build_gated_snapshot(PostgresSource(...))`` - what ``auditlib
  snapshot --source postgresql://...`` does (extract + minimise + pseudonymise +
  data-quality gates). ``extract_s`` is the time until the gates start.
- ``snapshot_parquet``: the same from the export directory.
- ``extract_pg`` / ``extract_parquet``: the same builder with the data-quality
  gates stubbed out, to separate the extract's cost from the gates'.
- ``pandas_read_sql``: ``pandas.read_sql("SELECT * FROM one2many.<t>")`` per table
  over psycopg 3, each frame written to a DuckDB file, then released - the
  naive notebook way (and kind to pandas: one table in memory at a time).
- ``duckdb_bare_copy``: ``CREATE TABLE t AS SELECT * FROM pg.one2many.t`` for all
  tables in one DuckDB transaction - the scanner's raw speed, no minimisation.

Prints a Markdown table with rows/s, peak RSS and the ratios the targets name:
>= 10x faster and >= 5x less peak memory than pandas.read_sql, >= 0.8x the bare
copy's throughput. Timings are of one run on this machine; they are not tests.
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
import warnings
from datetime import date
from pathlib import Path

VARIANTS = (
    "snapshot_pg",
    "snapshot_parquet",
    "extract_pg",
    "extract_parquet",
    "pandas_read_sql",
    "duckdb_bare_copy",
)


# ---------------------------------------------------------------------- child side
def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _tables() -> list[str]:
    from auditlib.schema import load_schema

    return list(load_schema().tables)


def run_variant(name: str, conninfo: str, export_dir: Path, out_dir: Path) -> dict[str, object]:
    """Runs in the child process; returns the measurements as a JSON-able dict."""
    out = out_dir / f"{name}.duckdb"
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    extract_s: float | None = None
    if name.startswith(("snapshot_", "extract_")):
        if name.startswith("extract_"):
            import auditlib.quality

            auditlib.quality.run_gates = lambda con, snapshot_time: []  # type: ignore[assignment]
        from auditlib.quality import build_gated_snapshot
        from auditlib.source.export import ExportSource
        from auditlib.source.postgres import PostgresSource

        marks: dict[str, float] = {}

        def progress(msg: str, done: int, total: int) -> None:
            marks.setdefault(msg, time.perf_counter())

        source = PostgresSource(conninfo) if name.endswith("_pg") else ExportSource(export_dir)
        info = build_gated_snapshot(source, out, progress=progress)
        rows = sum(info.rows.values())
        gates_at = marks.get("metadata and quality gates")
        extract_s = (gates_at - t0) if gates_at else None
    elif name == "pandas_read_sql":
        import duckdb
        import pandas as pd
        import psycopg

        rows = 0
        duck = duckdb.connect(str(out))
        with psycopg.connect(conninfo) as pg, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas prefers SQLAlchemy; a DBAPI connection works
            for t in _tables():
                df = pd.read_sql(f"SELECT * FROM one2many.{t}", pg)
                rows += len(df)
                duck.register("df", df)
                duck.execute(f'CREATE TABLE "{t}" AS SELECT * FROM df')
                duck.unregister("df")
                del df
        duck.close()
    elif name == "duckdb_bare_copy":
        import duckdb

        from auditlib.source.postgres import scanner_extension_path

        duck = duckdb.connect(str(out))
        duck.execute(f"LOAD '{scanner_extension_path()}'")
        duck.execute(f"ATTACH '{conninfo}' AS pg (TYPE postgres, READ_ONLY)")
        duck.begin()
        for t in _tables():
            duck.execute(f'CREATE TABLE "{t}" AS SELECT * FROM pg.one2many."{t}"')
        duck.commit()
        rows = sum(
            duck.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # type: ignore[index]
            for t in _tables()
        )
        duck.close()
    else:
        raise SystemExit(f"unknown variant {name}")
    wall = time.perf_counter() - t0
    return {
        "variant": name,
        "rows": rows,
        "wall_s": wall,
        "extract_s": extract_s,
        "peak_rss_mb": _peak_rss_mb(),
        "out_mb": out.stat().st_size / 2**20 if out.exists() else None,
    }


# ---------------------------------------------------------------------- parent side
def _measure(
    name: str, conninfo: str, password: str, export_dir: Path, out_dir: Path
) -> dict[str, object]:
    env = {**os.environ, "PGPASSWORD": password}
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            name,
            "--conninfo",
            conninfo,
            "--export",
            str(export_dir),
            "--out-dir",
            str(out_dir),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"variant": name, "error": " | ".join(tail)}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(x: object, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def render(results: list[dict[str, object]], scale: float, load_s: float, total_rows: int) -> str:
    by = {r["variant"]: r for r in results}
    pandas, bare = by.get("pandas_read_sql", {}), by.get("duckdb_bare_copy", {})
    lines = [
        f"### Snapshot benchmark, scale {scale:g} ({total_rows:,} rows), {os.cpu_count()} cores",
        "",
        f"Load into PostgreSQL (COPY, not measured below): {load_s:.1f} s",
        "",
        "| variant | wall s | extract s | rows/s | peak RSS MB | speed vs pandas | "
        "memory vs pandas (less is x) | throughput vs bare copy |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['variant']} | error: {r['error']} | | | | | | |")
            continue
        wall = float(r["wall_s"])  # type: ignore[arg-type]
        rps = float(r["rows"]) / wall  # type: ignore[arg-type]
        speed = float(pandas["wall_s"]) / wall if "wall_s" in pandas else None  # type: ignore[arg-type]
        mem = (
            float(pandas["peak_rss_mb"]) / float(r["peak_rss_mb"])  # type: ignore[arg-type]
            if "peak_rss_mb" in pandas
            else None
        )
        thr = float(bare["wall_s"]) / wall if "wall_s" in bare else None  # type: ignore[arg-type]
        lines.append(
            f"| {r['variant']} | {wall:.1f} | {_fmt(r.get('extract_s'), '.1f')} | {rps:,.0f} | "
            f"{float(r['peak_rss_mb']):.0f} | {_fmt(speed, '.1f')}x | {_fmt(mem, '.1f')}x | "  # type: ignore[arg-type]
            f"{_fmt(thr, '.2f')}x |"
        )
    lines += [
        "",
        "Targets: snapshot_pg >= 10x faster and >= 5x less peak memory than pandas_read_sql; "
        ">= 0.8x the throughput of duckdb_bare_copy. `extract s` = time until the data-quality "
        "gates start (the bare copy and pandas do no minimisation, hashing or gates).",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scale", type=float, default=1.0, help="demo data scale (1 = ~3.5M rows)")
    ap.add_argument(
        "--export", type=Path, help="use this export directory instead of generating one"
    )
    ap.add_argument("--as-of", default="2025-06-30", help="demo as_of day")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset")
    ap.add_argument(
        "--work-dir", type=Path, help="where exports and outputs go (default: a temp dir)"
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--conninfo", help=argparse.SUPPRESS)
    ap.add_argument("--out-dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        print(json.dumps(run_variant(args.child, args.conninfo, args.export, args.out_dir)))
        return

    from auditlib.pg.cluster import ThrowawayCluster
    from auditlib.pg.load import load_export

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="auditlib-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    export_dir = args.export
    if export_dir is None:
        from auditlib.demo import generate_export

        export_dir = work / f"export-s{args.scale:g}"
        if not (export_dir / "manifest.json").exists():
            t = time.perf_counter()
            generate_export(
                export_dir,
                scale=args.scale,
                seed=1,
                as_of=date.fromisoformat(args.as_of),
                fmt="parquet",
            )
            print(f"generated {export_dir} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    out_dir = work / "out"
    out_dir.mkdir(exist_ok=True)
    with ThrowawayCluster(extra_settings={"max_connections": "50"}) as cluster:
        os.environ["PGPASSWORD"] = cluster.password
        t = time.perf_counter()
        rows = load_export(export_dir, cluster.conninfo, fk_checks=False)
        load_s = time.perf_counter() - t
        cluster.psql("VACUUM ANALYZE")  # relpages known: the scanner plans parallel ctid scans
        print(f"loaded {sum(rows.values()):,} rows in {load_s:.1f} s", file=sys.stderr)
        results = []
        for name in args.variants.split(","):
            r = _measure(
                name, cluster.auditor_conninfo, cluster.auditor_password, export_dir, out_dir
            )
            print(f"{name}: {r}", file=sys.stderr)
            results.append(r)
    print(render(results, args.scale, load_s, sum(rows.values())))


if __name__ == "__main__":
    main()
