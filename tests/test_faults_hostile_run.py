"""Issue 12, cases 1-3 end to end: a real ``auditlib run`` (subprocess, progress display
on) over an export with personal data typed into checked columns, terminal escapes and
Rich markup in data, and a 2 MB value. Nothing leaves the snapshot in clear: not in
findings.jsonl, results/*.json, summary.json, index.html, run.log, the executed
notebooks, nor the terminal; no raw control character reaches the terminal; markup in
data neither styles nor crashes the progress display."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from test_snapshot_helpers import base_rows, sha256, write_export

SECRETS = ("anna.svensson@example.se", "anna.svensson", "70 123 45 67", "10.66.77.88", "66.77.88")
ANSI = "\x1b[2J\x1b[32mOK all rules passed"
MARKUP = "[/][bold red]pwned"
LONG = "Q" * 2_000_000


def hostile_export(out: Path) -> Path:
    rows = base_rows()
    cust = rows["customers"][0]
    rows["customers"] += [
        {**cust, "customer_id": 2, "country": "+46 70 123 45 67"},
        {**cust, "customer_id": 3, "country": ANSI},
        {**cust, "customer_id": 4, "country": MARKUP},
    ]
    rows["subprocessor_locations"].append(
        {"subprocessor_id": 400, "country": "10.66.77.88line1", "kind": "processing"}
    )
    dsr = rows["dsr_requests"][0]
    rows["dsr_requests"].append({**dsr, "request_id": 1401, "channel": "anna.svensson@example.se"})
    write_export(out, rows)
    # a 2 MB value in a checked column (Parquet: no line limit), manifest kept consistent
    p = out / "customers.parquet"
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_parquet('{p}') UNION ALL SELECT customer_id + 4, "
        f"org_number, name, repeat('Q', {len(LONG)}), created_at "
        f"FROM read_parquet('{p}') WHERE customer_id = 1) TO '{p}.new' (FORMAT parquet)"
    )
    con.close()
    os.replace(f"{p}.new", p)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"]["customers"].update(rows=len(rows["customers"]) + 1, sha256=sha256(p))
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return out


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("auditlib")
    return subprocess.run(
        [str(exe), "run", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        errors="surrogateescape",
        check=False,
    )


@pytest.mark.slow
def test_hostile_values_never_leave_the_snapshot_in_clear(tmp_path: Path) -> None:
    export = hostile_export(tmp_path / "export")
    out = tmp_path / "runs"
    r = run_cli(
        "--source", str(export), "--as-of", "2025-01-01", "--out", str(out), env={"COLUMNS": "200"}
    )
    terminal = r.stdout + r.stderr
    assert r.returncode in (1, 2), terminal
    (run_dir,) = [
        p for p in out.iterdir() if not p.name.startswith(".") and (p / "summary.json").exists()
    ]
    # published: the console must not claim the run could not complete
    assert "could not complete" not in terminal, terminal
    assert "Traceback" not in terminal, terminal
    texts = {"terminal": terminal}
    for p in run_dir.rglob("*"):
        if p.is_file() and p.suffix in (".json", ".jsonl", ".html", ".log", ".ipynb"):
            texts[str(p.relative_to(run_dir))] = p.read_text(encoding="utf-8")
    for name in (
        "findings.jsonl",
        "summary.json",
        "index.html",
        "run.log",
        "results/snapshot.json",
    ):
        assert name in texts, sorted(texts)
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, (name, secret)
        assert "\x1b" not in text, name
        assert "Q" * 5000 not in text, name  # long values are cut, their length shown
    # The values were seen and reported (redacted), not silently dropped.
    assert "[redacted]" in texts["summary.json"]
    assert "characters]" in texts["summary.json"]
