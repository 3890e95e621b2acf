"""Benchmark: how cost grows from scale 1 to 10 to 100 (demo generation, snapshot + gates, rules).

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_scale.py --data-dir /work/bench-data --scales 1 10 100
    .venv/bin/python benchmarks/bench_scale.py --data-dir /tmp/b --scales 1 --plot docs/scale.png

Every measurement runs in its own subprocess, so its peak RSS (``ru_maxrss``) is its own.
Per scale (an existing ``<data-dir>/s<scale>/export`` of the same as_of is reused with
``--reuse``; scale 100 takes long to generate):

- ``generate``: ``auditlib.demo.generate_export`` (streamed, generator version 2).
  Naive way, up to ``--naive-up-to``: the whole export built in memory first
  (``build_tables`` + ``write_export``), as generator version 1 did.
- ``snapshot``: ``build_gated_snapshot`` from the Parquet export (extract, minimise,
  pseudonymise, gates DQ-01..06 with ``gates_backend="auto"`` as audit runs do) and
  ``rules``: ``evaluate_rules`` for all 22 rules on the read-only snapshot, both with
  the plan's DuckDB resources (``--memory-limit``, default 4GiB, ``--threads``, spill
  directory under ``--data-dir``). Naive way, up to ``--naive-up-to``: DuckDB's
  defaults (80 % of RAM, every core).

Prints a Markdown table (rows, seconds, peak RSS, ratios against the naive way) and
writes ``<data-dir>/scale-results.json``; ``--plot`` draws seconds and peak RSS
against rows (log-log). Timings are of one run on a shared machine; they are not tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2026, 6, 30)
KEY = b"bench-scale-key-0123456789abcdef"


# --------------------------------------------------------------------------- children
def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_generate(out: Path, scale: float, naive: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    if naive:
        import shutil

        from auditlib.demo import build_tables
        from auditlib.demo.clock import end_of_day
        from auditlib.demo.writer import write_export

        tables, _ = build_tables(scale=scale, seed=7, as_of=AS_OF)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        rows = write_export(tables, out, "parquet", end_of_day(AS_OF))
    else:
        from auditlib.demo import generate_export

        rows = generate_export(out, scale=scale, seed=7, as_of=AS_OF, overwrite=True).rows
    return {
        "seconds": time.perf_counter() - t0,
        "rows": sum(rows.values()),
        "peak_mib": _peak_mib(),
    }


def child_audit(export: Path, snap: Path, resources: dict[str, Any] | None) -> dict[str, Any]:
    import duckdb

    from auditlib import duckdb_resources
    from auditlib.config import Params
    from auditlib.quality import build_gated_snapshot
    from auditlib.rules import evaluate_rules

    if resources is None:  # the naive way: DuckDB's defaults
        duckdb_resources.DuckDBResources.apply = lambda self, con: None  # type: ignore[method-assign]
    else:
        os.environ.update(duckdb_resources.DuckDBResources(**resources).to_env())
    if snap.exists():
        snap.unlink()
    log = snap.with_suffix(".stages.log")  # one line per builder stage: seconds, peak RSS so far
    t0 = time.perf_counter()

    def progress(msg: str, done: int, total: int) -> None:
        with log.open("a", encoding="utf-8") as f:
            f.write(f"{time.perf_counter() - t0:9.1f} s  peak {_peak_mib():6.0f} MiB  {msg}\n")

    log.write_text("")
    info = build_gated_snapshot(str(export), snap, key=KEY, gates_backend="auto", progress=progress)
    progress("snapshot and gates done", 0, 0)
    t1 = time.perf_counter()
    progress = snap.with_suffix(".progress.json")  # partial result, if the rules do not finish
    progress.write_text(
        json.dumps(
            {
                "snapshot_s": t1 - t0,
                "rows": sum(info.rows.values()),
                "peak_mib_so_far": _peak_mib(),
                "blocked": info.blocked,
            }
        )
    )
    con = duckdb.connect(str(snap), read_only=True)
    duckdb_resources.apply(con)
    results = evaluate_rules(con, AS_OF, Params())
    con.close()
    t2 = time.perf_counter()
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return {
        "snapshot_s": t1 - t0,
        "rules_s": t2 - t1,
        "seconds": t2 - t0,
        "rows": sum(info.rows.values()),
        "peak_mib": _peak_mib(),
        "snapshot_mib": snap.stat().st_size / 2**20,
        "rule_status": statuses,
        "findings": sum(len(r.findings) for r in results),
        "blocked": info.blocked,
    }


def _run_child(args: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- driver
def _fmt_ratio(a: float | None, b: float | None) -> str:
    return f"{b / a:.2f}x" if a and b else "-"


def measure(
    data_dir: Path,
    scales: list[float],
    naive_up_to: float,
    naive_gen_up_to: float,
    reuse: bool,
    resources: dict[str, Any],
    skip_audit_above: float | None,
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for scale in scales:
        tag = f"s{scale:g}"
        export = data_dir / tag / "export"
        row: dict[str, Any] = {"scale": scale}
        manifest = export / "manifest.json"
        if reuse and manifest.exists():
            row["generate"] = {
                "reused": True,
                "rows": sum(
                    int(e["rows"]) for e in json.loads(manifest.read_text())["tables"].values()
                ),
            }
        else:
            row["generate"] = _run_child(["generate", str(export), str(scale)])
        if scale <= naive_gen_up_to:
            row["generate_naive"] = _run_child(
                ["generate-naive", str(data_dir / tag / "naive"), str(scale)]
            )
        if skip_audit_above is None or scale <= skip_audit_above:
            row["audit"] = _run_child(
                ["audit", str(export), str(data_dir / tag / "plan.duckdb"), json.dumps(resources)]
            )
            if scale <= naive_up_to:
                row["audit_naive"] = _run_child(
                    ["audit", str(export), str(data_dir / tag / "naive.duckdb"), "null"]
                )
        results.append(row)
        print(json.dumps(row), flush=True)
    return results


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| scale | rows | generate s | generate peak MiB | naive gen. peak MiB (ratio) | snapshot+gates s "
        "| rules s | audit peak MiB | naive audit s / peak MiB (ratio time, memory) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        g, gn, a, an = (
            r.get(k) or {} for k in ("generate", "generate_naive", "audit", "audit_naive")
        )
        gen_s = "reused" if g.get("reused") else f"{g.get('seconds', 0):.0f}"
        naive_gen = (
            f"{gn['peak_mib']:.0f} ({_fmt_ratio(g.get('peak_mib'), gn['peak_mib'])})"
            if "peak_mib" in gn
            else "-"
        )
        naive_audit = (
            f"{an['seconds']:.1f} / {an['peak_mib']:.0f} ({_fmt_ratio(a.get('seconds'), an['seconds'])}, "
            f"{_fmt_ratio(a.get('peak_mib'), an['peak_mib'])})"
            if "seconds" in an
            else "-"
        )
        lines.append(
            f"| {r['scale']:g} | {a.get('rows') or g.get('rows', 0):,} | {gen_s} | "
            f"{g.get('peak_mib', 0):.0f} | {naive_gen} | {a.get('snapshot_s', float('nan')):.1f} | "
            f"{a.get('rules_s', float('nan')):.1f} | {a.get('peak_mib', float('nan')):.0f} | {naive_audit} |"
        )
    return "\n".join(lines)


def plot(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=80)
    series = [
        ("generate", "generate", "seconds"),
        ("generate, text in Arrow", "generate_fixed", "seconds"),
        ("snapshot + gates", "audit", "snapshot_s"),
        ("rules", "audit", "rules_s"),
    ]
    for label, key, field in series:
        pts = [
            (
                (r.get(key) or {}).get("rows") or r["generate"].get("rows"),
                (r.get(key) or {}).get(field),
            )
            for r in results
        ]
        pts = [(x, y) for x, y in pts if x and y]
        if pts:
            ax1.plot(*zip(*pts, strict=True), marker="o", label=label)
    for label, key in (
        ("generate (streamed)", "generate"),
        ("generate, text in Arrow", "generate_fixed"),
        ("generate, in memory (naive)", "generate_naive"),
        ("snapshot + gates + rules, 4 GiB limit", "audit"),
        ("snapshot + gates + rules, DuckDB defaults", "audit_naive"),
    ):
        pts = [
            (
                (r.get(key) or {}).get("rows") or r["generate"].get("rows"),
                (r.get(key) or {}).get("peak_mib"),
            )
            for r in results
        ]
        pts = [(x, y) for x, y in pts if x and y]
        if pts:
            ax2.plot(*zip(*pts, strict=True), marker="o", label=label)
    for r in results:  # a run that did not finish: its stages log (extract only, peak so far)
        part = r.get("audit_partial")
        if part:
            x = r["generate"].get("rows")
            ax1.plot(
                [x],
                [part["extract_s"]],
                marker="x",
                linestyle="",
                color="black",
                label=f"scale {r['scale']:g}: extract only (gates/rules unfinished)",
            )
            ax2.plot(
                [x],
                [part["peak_mib"]],
                marker="x",
                linestyle="",
                color="black",
                label=f"scale {r['scale']:g}: audit peak so far (4 GiB limit)",
            )
    for ax, title, unit in ((ax1, "time", "seconds"), (ax2, "peak memory (RSS)", "MiB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rows in the export")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind = sys.argv[2]
        if kind in ("generate", "generate-naive"):
            out = child_generate(
                Path(sys.argv[3]), float(sys.argv[4]), naive=kind == "generate-naive"
            )
        else:
            out = child_audit(Path(sys.argv[3]), Path(sys.argv[4]), json.loads(sys.argv[5]))
        print(json.dumps(out))
        return
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--data-dir",
        type=Path,
        required=True,
        help="where exports and snapshots go (needs ~10 GB per scale 100)",
    )
    ap.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    ap.add_argument(
        "--naive-up-to", type=float, default=10, help="run the naive audit up to this scale"
    )
    ap.add_argument(
        "--naive-gen-up-to",
        type=float,
        default=1,
        help="run the in-memory generator up to this scale (scale 10 needs ~8 GiB)",
    )
    ap.add_argument("--reuse", action="store_true", help="reuse an existing export of a scale")
    ap.add_argument("--memory-limit", default="4GiB")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-audit-above", type=float, default=None)
    ap.add_argument("--plot", type=Path, default=None)
    ap.add_argument(
        "--results", type=Path, default=None, help="merge into / plot from this JSON file"
    )
    ap.add_argument(
        "--plot-only", action="store_true", help="only redraw table and plot from --results"
    )
    args = ap.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    res_path = args.results or args.data_dir / "scale-results.json"
    if args.plot_only:
        results = json.loads(res_path.read_text())
    else:
        resources = {
            "memory_limit": args.memory_limit,
            "threads": args.threads,
            "temp_directory": str(args.data_dir / "spill"),
        }
        new = measure(
            args.data_dir,
            args.scales,
            args.naive_up_to,
            args.naive_gen_up_to,
            args.reuse,
            resources,
            args.skip_audit_above,
        )
        old = json.loads(res_path.read_text()) if res_path.exists() else []
        by_scale = {r["scale"]: r for r in old}
        by_scale.update({r["scale"]: r for r in new})
        results = [by_scale[s] for s in sorted(by_scale)]
        res_path.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    if args.plot:
        plot(results, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
