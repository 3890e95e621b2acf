"""Benchmark the auditor's findings files at 100,000 findings.

- writing: the flat rows (scrubbing, deadline working), findings.csv, findings.xlsx and
  findings.html, each timed;
- opening in headless chromium (time until --dump-dom returns): the paged view (JSON +
  own script, one page of 100 rows in the DOM) against the naive way, every finding as a
  static table row, and the ratio.

Timings are printed, never asserted (2 shared cores: compare the ratio, not the seconds).

    .venv/bin/python benchmarks/bench_findings_view.py [--findings 100000]
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def open_seconds(browser: str, page: Path) -> float:
    with tempfile.TemporaryDirectory() as profile:
        t0 = time.perf_counter()
        subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
            capture_output=True,
            check=True,
            timeout=900,
        )
        return time.perf_counter() - t0


def naive_page(rows: list[dict], out: Path) -> Path:
    cells = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(r[c]))}</td>"
            for c in ("n", "promise", "rule_id", "severity", "entity_id", "message", "working")
        )
        + "</tr>\n"
        for r in rows
    )
    out.write_text(
        f"<!DOCTYPE html><html><body><table>{cells}</table></body></html>", encoding="utf-8"
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=100_000)
    args = ap.parse_args()
    from auditlib.report.findings_table import build_table, write_csv, write_xlsx
    from auditlib.report.findings_view import write_findings_view
    from test_report_findings_browser import SUMMARY, generated

    findings = generated(args.findings)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        t = time.perf_counter()
        table = build_table(findings, SUMMARY)
        times = {"rows (scrub + working)": time.perf_counter() - t}
        for name, fn in (
            ("findings.csv", lambda: write_csv(table, d / "findings.csv")),
            ("findings.xlsx", lambda: write_xlsx(table, d / "findings.xlsx", SUMMARY)),
            ("findings.html", lambda: write_findings_view(d, table, SUMMARY)),
        ):
            t = time.perf_counter()
            fn()
            times[name] = time.perf_counter() - t
        for k, v in times.items():
            size = (d / k).stat().st_size / 1e6 if (d / k).exists() else 0
            print(f"{k:24s} {v:7.2f} s" + (f"  {size:6.1f} MB" if size else ""))
        browser = shutil.which("chromium")
        if not browser:
            print("no chromium: browser timings skipped")
            return
        paged = open_seconds(browser, d / "findings.html")
        naive = open_seconds(browser, naive_page(table.rows, d / "naive.html"))
        print(
            f"open in chromium: paged view {paged:.1f} s, naive full table {naive:.1f} s, "
            f"naive/paged = {naive / paged:.2f}"
        )


if __name__ == "__main__":
    main()
