"""The snapshot step (``snapshot.ipynb``): build the snapshot, run the gates, report them.

The source string never carries a password (``auditlib.source.open_source`` refuses
it); libpq reads it from the environment. The snapshot is written 0600 and never
over an existing file. With ``result_dir`` the step writes ``results/snapshot.json``
(:mod:`auditlib.steps.results`) with the gate statuses and findings, the
``_audit_gates`` rows (``gates``, copied into summary.json by the runner), the
snapshot's row counts, hash and key fingerprint, and the source description.

Great Expectations validates the small tables (``gates_backend="auto"``); its import
(several CPU-seconds) starts in a background thread when the step starts, so it
overlaps with the extraction, which runs in DuckDB and releases the GIL.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from auditlib.cache import cache_dir
from auditlib.dates import today_stockholm
from auditlib.demo.cached import demo_export
from auditlib.snapshot.store import SUFFIXES, open_snapshot, snapshot_name, snapshot_sha256
from auditlib.source import Source, open_source
from auditlib.source.spec import DEMO, parse_source_spec
from auditlib.steps.results import Environment, RuleOutcome, StepResult, write_result

NOTEBOOK = "snapshot"
GATES_BACKEND = "auto"


def as_date(as_of: str | date | None) -> date:
    """The audit day: ``None``/empty is today in Europe/Stockholm."""
    if as_of is None or as_of == "":
        return today_stockholm()
    return as_of if isinstance(as_of, date) else date.fromisoformat(str(as_of))


def _preimport_great_expectations() -> threading.Thread:
    """Import Great Expectations in a thread while the extraction runs (see module doc)."""

    def target() -> None:
        # A failure here is not lost: the gates import it again and report it.
        with contextlib.suppress(Exception):
            import great_expectations  # noqa: F401

    t = threading.Thread(target=target, name="import-great-expectations", daemon=True)
    t.start()
    return t


_GATES_START = "metadata and quality gates"  # the builder's progress message before the gates


def _build(source: str | Source, out_path: Path) -> tuple[str, dict[str, float]]:
    """Build the snapshot (the builder also runs the gates: no gates, no snapshot); 0600.

    Returns the file's sha256 (taken by the builder of exactly the bytes it published)
    and the seconds of the extraction and of the gates, from the builder's progress.
    """
    from auditlib.quality import build_gated_snapshot

    marks: dict[str, float] = {"start": time.perf_counter()}

    def progress(message: str, done: int, total: int) -> None:
        if message == _GATES_START:
            marks["gates"] = time.perf_counter()
        elif message == "done":
            marks["done"] = time.perf_counter()

    info = build_gated_snapshot(source, out_path, gates_backend=GATES_BACKEND, progress=progress)
    os.chmod(out_path, 0o600)
    end = marks.get("done", time.perf_counter())
    gates = marks.get("gates", end)
    return info.sha256, {
        "extract_seconds": round(gates - marks["start"], 3),
        "gates_seconds": round(end - gates, 3),
    }


def default_snapshot(as_of: str | date | None = None, scale: float = 0.05, seed: int = 7) -> Path:
    """A demo snapshot for ``as_of`` in the cache directory, built once and then reused."""
    day = as_date(as_of)
    path = cache_dir() / "snapshots" / f"demo-{day.isoformat()}-scale{scale:g}-seed{seed}.duckdb"
    if not path.exists():
        export = demo_export(day, scale, seed)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
        tmp.unlink(missing_ok=True)
        _build(str(export), tmp)
        os.replace(tmp, path)
    return path


def _meta(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    try:
        rows = con.execute("SELECT key, CAST(value AS VARCHAR) FROM _snapshot_meta").fetchall()
    except duckdb.CatalogException:
        return {}
    return {k: json.loads(v) if v is not None else None for k, v in rows}


@dataclass
class SnapshotView:
    """What ``snapshot.ipynb`` shows: source (no secrets), rows, hashes, key, gates."""

    path: Path
    sha256: str
    seconds: float
    meta: dict[str, Any]
    tables: pd.DataFrame  # table_name, format, rows_source, rows_snapshot, input_sha256
    gates: pd.DataFrame  # gate_id x status counts
    gate_problems: pd.DataFrame  # the non-pass gate rows: gate, table, status, rows, message
    gate_status: dict[str, dict[str, Any]]
    findings: list[dict[str, Any]] = field(default_factory=list)
    result_file: Path | None = None

    @property
    def source(self) -> dict[str, Any]:
        return self.meta.get("source") or {}

    @property
    def key(self) -> dict[str, Any]:
        return {
            "key_fingerprint": self.meta.get("key_fingerprint"),
            "key_source": self.meta.get("key_source"),
        }

    def overview(self) -> pd.DataFrame:
        keys = (
            "kind",
            "snapshot_time",
            "schema_sha256",
            "key_fingerprint",
            "key_source",
            "seconds",
            "auditlib_version",
        )
        rows: list[tuple[str, Any]] = [
            ("snapshot sha256", self.sha256),
            ("snapshot file", self.path.name),
        ]
        rows += [(k, self.meta.get(k)) for k in keys]
        return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")


def _gate_rows(gates_long: pd.DataFrame) -> list[dict[str, Any]]:
    """``_audit_gates`` without ``details``, JSON-ready (the runner's ``summary["gates"]``)."""
    rows = []
    for g in gates_long.itertuples(index=False):
        n = g.rows_affected
        rows.append(
            {
                "gate_id": g.gate_id,
                "table_name": g.table_name,
                "status": g.status,
                "rows_affected": None if pd.isna(n) else int(n),
                "message": "" if g.message is None or pd.isna(g.message) else g.message,
            }
        )
    return rows


def _target_path(snapshot_path: str | Path | None, engine: str) -> Path:
    if snapshot_path is None:
        return cache_dir() / "snapshots" / snapshot_name(f"adhoc-{os.getpid()}", engine)
    return Path(snapshot_path)


def _build_on_spark(
    spec: str, out_path: Path, spark_master: str | None
) -> tuple[str, dict[str, float]]:
    """``engine="spark"``: the Parquet snapshot, its issues and gates, built by Spark."""
    from auditlib.engines.spark.session import get_session
    from auditlib.engines.spark.snapshot import build_spark_snapshot, open_spark_source

    t0 = time.perf_counter()
    spark = get_session(spark_master)
    info = build_spark_snapshot(spark, open_spark_source(parse_source_spec(spec), spark), out_path)
    return info.sha256, {"extract_and_gates_seconds": round(time.perf_counter() - t0, 3)}


def run_snapshot(
    source: str | None = None,
    snapshot_path: str | Path | None = None,
    as_of: str | date | None = None,
    result_dir: str | Path | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> SnapshotView:
    """Build the snapshot of ``source`` and report its gates.

    ``source``: an export directory, a PostgreSQL conninfo without password, or
    ``"demo"``/``None`` (demo data for ``as_of``). With ``source`` and ``snapshot_path``
    both ``None`` the cached demo snapshot of the day is reused. ``engine="spark"``: Spark
    reads the source and writes a Parquet snapshot directory (``auditlib[spark]``; master
    ``spark_master``), with the same issues and gates (:mod:`auditlib.engines.spark`).
    """
    if engine not in SUFFIXES:
        raise ValueError(f"unknown engine {engine!r}; known: {', '.join(SUFFIXES)}")
    from auditlib.quality import gate_findings, gate_status

    t0 = time.perf_counter()
    day = as_date(as_of)
    timings: dict[str, float] = {}
    sha256 = None
    if source is None and snapshot_path is None and engine == "duckdb":
        path = default_snapshot(day)
    else:
        path = _target_path(snapshot_path, engine)
        if path.exists():
            raise FileExistsError(
                f"snapshot file {path} exists already; a snapshot is never "
                "overwritten: pass a new snapshot_path"
            )
        parsed = parse_source_spec(source or DEMO)  # refuses a password before any work
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if engine == "spark":
            spec = str(demo_export(day)) if parsed.kind == DEMO else (source or DEMO)
            sha256, timings = _build_on_spark(spec, path, spark_master)
        else:
            src = open_source(str(demo_export(day)) if parsed.kind == DEMO else parsed)
            _preimport_great_expectations()
            sha256, timings = _build(src, path)
    with open_snapshot(path) as con:
        meta = _meta(con)
        tables = con.execute(
            "SELECT table_name, format, rows_source, rows_snapshot, input_sha256 "
            "FROM _snapshot_tables ORDER BY table_name"
        ).df()
        gates_long = con.execute(
            "SELECT gate_id, table_name, status, rows_affected, message FROM _audit_gates "
            "ORDER BY gate_id, table_name"
        ).df()
        status = gate_status(con)
        findings = [f.to_dict() for f in gate_findings(con)]
    gates = (
        gates_long.pivot_table(
            index="gate_id", columns="status", values="table_name", aggfunc="count", fill_value=0
        )
        if len(gates_long)
        else gates_long
    )
    problems = gates_long[gates_long["status"] != "pass"].reset_index(drop=True)
    view = SnapshotView(
        path=path,
        sha256=sha256 or snapshot_sha256(path),
        seconds=time.perf_counter() - t0,
        meta=meta,
        tables=tables,
        gates=gates,
        gate_problems=problems,
        gate_status=status,
        findings=findings,
    )
    if result_dir:
        result = StepResult(
            notebook=NOTEBOOK,
            as_of=day.isoformat(),
            environment=Environment.current(),
            rules={
                g: RuleOutcome(
                    status=s["status"], findings=int(s.get("findings") or 0), error=s.get("error")
                )
                for g, s in status.items()
            },
            findings=findings,
            gates=_gate_rows(gates_long),
            snapshot={
                "sha256": view.sha256,
                "path": str(path),
                "snapshot_time": meta.get("snapshot_time"),
                "rows": {
                    t: None if pd.isna(n) else int(n)
                    for t, n in zip(tables["table_name"], tables["rows_snapshot"], strict=True)
                },
                "key_fingerprint": meta.get("key_fingerprint"),
                "key_source": meta.get("key_source"),
                "engine": meta.get("engine") or "duckdb",
                "spark_version": meta.get("spark_version"),
                "seconds": meta.get("seconds"),
                **timings,
            },
            source=meta.get("source"),
        )
        view.result_file = write_result(result_dir, result)
    return view
