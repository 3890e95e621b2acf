"""Exports as directories of part files (``<table>/part-NNNNN.<ext>``): written by the demo
generator, read by the snapshot source with the same bad-input handling as single files
(every message names the table and the part), and giving the same findings."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditlib.config import Params
from auditlib.demo import generate_export
from auditlib.quality import build_gated_snapshot
from auditlib.rules import evaluate_rules
from auditlib.source.export import ExportSource

AS_OF = date(2026, 6, 30)
SCALE = 0.01
KEY = b"part-file-test-key-0123456789abcdef"
PART_ROWS = 4000  # message_deliveries (~20k rows) and login_events (~10k) get several parts


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("parts")
    return {
        "single": generate_export(base / "single" / "export", scale=SCALE, seed=7, as_of=AS_OF),
        "parts": generate_export(
            base / "parts" / "export", scale=SCALE, seed=7, as_of=AS_OF, part_rows=PART_ROWS
        ),
        "csv_parts": generate_export(
            base / "csv" / "export",
            scale=SCALE,
            seed=7,
            as_of=AS_OF,
            fmt="mixed",
            part_rows=PART_ROWS,
        ),
    }


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _issues(
    export: Path, con: duckdb.DuckDBPyConnection | None = None
) -> list[tuple[str, str, str]]:
    src = ExportSource(export)
    src.open(con or duckdb.connect())
    return [(i.kind, i.table_name, i.message) for i in src.issues()]


def _gate(snap: Path, gate: str, table: str) -> tuple[str, str]:
    con = duckdb.connect(str(snap), read_only=True)
    try:
        row = con.execute(
            "SELECT status, message FROM _audit_gates WHERE gate_id = ? AND table_name = ?",
            [gate, table],
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return row


# --- writing -----------------------------------------------------------------------------
def test_part_layout_and_manifest(exports: dict[str, Any]) -> None:
    out = exports["parts"].out_dir
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["generator"]["version"] == 2
    for name, entry in manifest["tables"].items():
        assert entry["file"] == name and (out / name).is_dir()
        names = sorted(p.name for p in (out / name).iterdir())
        assert names == [f"part-{i:05d}.parquet" for i in range(len(names))], name
        assert [p["file"] for p in entry["parts"]] == [f"{name}/{n}" for n in names]
        assert (
            sum(p["rows"] for p in entry["parts"]) == entry["rows"] == exports["parts"].rows[name]
        )
        for p in entry["parts"]:
            assert 0 < p["rows"] <= PART_ROWS or entry["rows"] == 0
            assert p["sha256"] == hashlib.sha256((out / p["file"]).read_bytes()).hexdigest()
            assert pq.ParquetFile(out / p["file"]).metadata.num_rows == p["rows"]
    assert len(manifest["tables"]["message_deliveries"]["parts"]) >= 3


def test_parts_hold_the_same_rows_as_single_files(exports: dict[str, Any]) -> None:
    single, parts = exports["single"].out_dir, exports["parts"].out_dir
    for name in ("message_deliveries", "login_events", "users", "invoices"):
        whole = pq.read_table(single / f"{name}.parquet")
        split = pa.concat_tables(pq.read_table(p) for p in sorted((parts / name).iterdir()))
        assert whole.equals(split), name


def test_csv_parts_each_carry_a_header(exports: dict[str, Any]) -> None:
    out = exports["csv_parts"].out_dir
    manifest = json.loads((out / "manifest.json").read_text())
    parts = manifest["tables"]["customers"]["parts"]  # mixed: customers is csv, contracts csv.gz
    assert parts[0]["file"].endswith(".csv")
    assert manifest["tables"]["contracts"]["parts"][0]["file"].endswith(".csv.gz")
    parts = manifest["tables"]["message_deliveries"]["parts"]  # csv.gz
    assert len(parts) >= 3
    for p in parts:
        with gzip.open(out / p["file"], "rb") as f:
            assert f.readline().startswith(b'"message_id","recipient_id",'), p["file"]


# --- reading: clean and the same -----------------------------------------------------------
@pytest.mark.parametrize("kind", ["parts", "csv_parts"])
def test_part_export_reads_without_issues(exports: dict[str, Any], kind: str) -> None:
    assert _issues(exports[kind].out_dir) == []


def _rule_results(snap: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    con = duckdb.connect(str(snap), read_only=True)
    try:
        results = evaluate_rules(con, AS_OF, Params())
        gates = con.execute(
            "SELECT gate_id, table_name, status, rows_affected FROM _audit_gates ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    out = {r.rule.id: (r.status, tuple(sorted(f.entity_id for f in r.findings))) for r in results}
    out["gates"] = ("", tuple(map(str, gates)))
    return out


def test_part_export_gives_the_same_findings(exports: dict[str, Any], tmp_path: Path) -> None:
    """Snapshot + gates + all rules: single files, Parquet parts and CSV parts agree exactly."""
    got = {}
    for kind in ("single", "parts", "csv_parts"):
        snap = tmp_path / f"{kind}.duckdb"
        build_gated_snapshot(str(exports[kind].out_dir), snap, key=KEY)
        got[kind] = _rule_results(snap)
    assert got["parts"] == got["single"]
    assert got["csv_parts"] == got["single"]
    truth = json.loads(exports["parts"].ground_truth_path.read_text())
    for rid in {e["rule_id"] for e in truth["expected"] if not e["rule_id"].startswith("DQ")}:
        want = {e["entity_id"] for e in truth["expected"] if e["rule_id"] == rid}
        assert set(got["parts"][rid][1]) == want, rid


# --- reading: bad input, each naming the table and the part ----------------------------------
def test_a_missing_part(exports: dict[str, Any], tmp_path: Path) -> None:
    out = _copy(exports["parts"].out_dir, tmp_path / "export")
    (out / "message_deliveries" / "part-00001.parquet").unlink()
    issues = _issues(out)
    assert (
        "manifest_missing_file",
        "message_deliveries",
        "message_deliveries: manifest lists part message_deliveries/part-00001.parquet, "
        "which is not in the export",
    ) in issues
    snap = tmp_path / "snap.duckdb"
    build_gated_snapshot(str(out), snap, key=KEY)
    status, message = _gate(snap, "DQ-06", "message_deliveries")
    assert status == "fail" and "part-00001.parquet" in message
    rows = [
        m
        for k, t, m in _snapshot_issues(snap)
        if k == "manifest_rows" and t == "message_deliveries"
    ]
    assert (
        len(rows) == 1
        and "message_deliveries/part-00001.parquet: not in the export, manifest says" in rows[0]
    )


def _snapshot_issues(snap: Path) -> list[tuple[str, str, str]]:
    con = duckdb.connect(str(snap), read_only=True)
    try:
        return con.execute("SELECT kind, table_name, message FROM _extraction_issues").fetchall()
    finally:
        con.close()


def test_a_part_of_another_schema(exports: dict[str, Any], tmp_path: Path) -> None:
    out = _copy(exports["parts"].out_dir, tmp_path / "export")
    part = out / "login_events" / "part-00001.parquet"
    t = pq.read_table(part)
    pq.write_table(
        t.rename_columns([c if c != "ip_address" else "ip" for c in t.column_names]), part
    )
    issues = _issues(out)
    (msg,) = [m for k, tb, m in issues if k == "unreadable" and tb == "login_events"]
    assert (
        "login_events: part login_events/part-00001.parquet is of another schema than "
        "login_events/part-00000.parquet" in msg
    )
    assert any(
        k == "manifest_sha256" and "login_events/part-00001.parquet" in m for k, _, m in issues
    )
    snap = tmp_path / "snap.duckdb"
    build_gated_snapshot(str(out), snap, key=KEY)
    assert _gate(snap, "DQ-01", "login_events")[0] == "fail"
    assert _gate(snap, "DQ-06", "login_events")[0] == "fail"


def test_a_csv_part_of_another_schema(exports: dict[str, Any], tmp_path: Path) -> None:
    out = _copy(exports["csv_parts"].out_dir, tmp_path / "export")
    part = out / "login_events" / "part-00002.csv"  # mixed: login_events is plain CSV
    lines = part.read_bytes().split(b"\n", 1)
    part.write_bytes(lines[0].replace(b"ip_address", b"ip") + b"\n" + lines[1])
    msgs = [m for k, tb, m in _issues(out) if k == "unreadable" and tb == "login_events"]
    assert msgs and "part login_events/part-00002.csv is of another schema" in msgs[0]


def test_a_part_the_manifest_does_not_list(exports: dict[str, Any], tmp_path: Path) -> None:
    out = _copy(exports["parts"].out_dir, tmp_path / "export")
    last = sorted((out / "message_deliveries").iterdir())[-1]
    extra = out / "message_deliveries" / "part-00099.parquet"
    pq.write_table(pq.read_table(last).slice(0, 0), extra)
    issues = _issues(out)
    assert (
        "manifest_unlisted_file",
        "message_deliveries",
        "message_deliveries: part message_deliveries/part-00099.parquet is not listed in "
        "manifest.json",
    ) in issues
    snap = tmp_path / "snap.duckdb"
    build_gated_snapshot(str(out), snap, key=KEY)
    status, message = _gate(snap, "DQ-06", "message_deliveries")
    assert status == "fail" and "part-00099.parquet" in message


def test_part_row_count_and_hash_mismatch_name_the_part(
    exports: dict[str, Any], tmp_path: Path
) -> None:
    out = _copy(exports["csv_parts"].out_dir, tmp_path / "export")
    mpath = out / "manifest.json"
    manifest = json.loads(mpath.read_text())
    entry = manifest["tables"]["login_events"]
    entry["parts"][1]["rows"] += 5
    entry["rows"] += 5
    manifest["tables"]["users"]["parts"][0]["sha256"] = "0" * 64
    mpath.write_text(json.dumps(manifest))
    snap = tmp_path / "snap.duckdb"
    build_gated_snapshot(str(out), snap, key=KEY)
    issues = _snapshot_issues(snap)
    (rows_msg,) = [m for k, t, m in issues if k == "manifest_rows" and t == "login_events"]
    rel = entry["parts"][1]["file"]
    assert (
        f"{rel}: {entry['parts'][1]['rows'] - 5} rows, manifest says {entry['parts'][1]['rows']}"
        in rows_msg
    )
    assert any(
        k == "manifest_sha256" and t == "users" and "users/part-00000" in m for k, t, m in issues
    )
    assert _gate(snap, "DQ-06", "login_events")[0] == "fail"
    assert _gate(snap, "DQ-06", "users")[0] == "fail"
    assert _gate(snap, "DQ-06", "customers")[0] == "pass"


def test_markers_hidden_files_subdirectories_and_ambiguity(
    exports: dict[str, Any], tmp_path: Path
) -> None:
    out = _copy(exports["parts"].out_dir, tmp_path / "export")
    (out / "users" / "_SUCCESS").write_bytes(b"")
    (out / "users" / ".part-00000.parquet.crc").write_bytes(b"crc")
    (out / "recipients" / "country=SE").mkdir()
    shutil.copy(out / "customers" / "part-00000.parquet", out / "customers.parquet")
    issues = _issues(out)
    notes = {m for k, t, m in issues if k == "ignored_file" and t == "users"}
    assert any("users/_SUCCESS" in m for m in notes) and any(
        "users/.part-00000.parquet.crc" in m for m in notes
    )
    assert not [i for i in issues if i[1] == "users" and i[0] != "ignored_file"]
    assert any(
        k == "unreadable" and t == "recipients" and "recipients/country=SE" in m
        for k, t, m in issues
    )
    assert any(k == "ambiguous" and t == "customers" for k, t, _ in issues)


def test_an_empty_part_directory_and_mixed_formats(exports: dict[str, Any], tmp_path: Path) -> None:
    out = _copy(exports["parts"].out_dir, tmp_path / "export")
    for p in (out / "orders").iterdir():
        p.unlink()
    (out / "message_deliveries" / "part-00050.csv").write_text("message_id\n1\n")
    issues = _issues(out)
    assert any(
        k == "unreadable" and t == "orders" and "orders/ holds no part files" in m
        for k, t, m in issues
    )
    assert any(
        k == "ambiguous" and t == "message_deliveries" and "2 formats" in m for k, t, m in issues
    )


@pytest.mark.slow
def test_audit_run_on_parts_equals_single_files(
    exports: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end through the notebooks (``auditlib run``): the same findings and rule statuses."""
    from auditlib.cli.run import main

    monkeypatch.setenv("AUDITLIB_PSEUDONYM_KEY", KEY.decode())
    plan = Path(__file__).resolve().parents[1] / "audits" / "monthly.toml"
    runs = {}
    for kind in ("single", "parts"):
        out = tmp_path / kind
        code = main(
            source=str(exports[kind].out_dir), as_of=AS_OF, out=out, plan_path=plan, quiet=True
        )
        (run_dir,) = [p for p in out.iterdir() if (p / "summary.json").exists()]
        summary = json.loads((run_dir / "summary.json").read_text())
        findings = sorted(
            (f["rule_id"], f["entity_id"], f["message"])
            for f in map(json.loads, (run_dir / "findings.jsonl").read_text().splitlines())
        )
        runs[kind] = (code, summary["rules"], findings, summary["verdict"])
    assert runs["parts"] == runs["single"]
    assert runs["single"][0] == 1 and runs["single"][2]  # the planted findings, no error


def test_generation_streams_in_bounded_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory does not grow with scale: no chunk handed to the writer grows with the table."""
    from auditlib.demo import bulk
    from auditlib.demo.generate import stream_tables

    monkeypatch.setattr(bulk, "CHUNK_ROWS", 2000)
    monkeypatch.setattr(bulk, "DELIVERY_BATCH", 100)
    largest, totals = {}, {}
    for scale in (0.02, 0.2):
        sizes: dict[str, list[int]] = {}

        def sink(table: str, chunk: pa.Table, sizes: dict[str, list[int]] = sizes) -> None:
            sizes.setdefault(table, []).append(chunk.num_rows)

        stream_tables(sink, scale=scale, seed=3, as_of=AS_OF)
        largest[scale] = max(max(v) for v in sizes.values())
        totals[scale] = sum(sum(v) for v in sizes.values())
    assert totals[0.2] > 8 * totals[0.02]
    assert largest[0.2] <= 4 * 2000, (
        largest
    )  # bounded by the chunk size, not by the table (~400k rows)
