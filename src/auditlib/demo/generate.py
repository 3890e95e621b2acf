"""``generate_export``: the demo export of the service database, with its ground truth.

The export is written into a hidden temporary directory beside ``out_dir`` and
renamed into place only when complete, so a half-written export never looks
like a finished one. ``ground_truth.json`` goes BESIDE the export (default
``out_dir.parent / "ground_truth.json"``), never inside it: the export is what an
audit reads, the ground truth is what tests compare the findings with.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from auditlib.config import Params
from auditlib.dates import today_stockholm
from auditlib.demo.bulk import GENERATOR_VERSION, generate_bulk, generate_invoices
from auditlib.demo.clock import end_of_day
from auditlib.demo.frame import Tables, arrow_schema, make_table
from auditlib.demo.planted import Truth, plant
from auditlib.demo.writer import FORMATS, ExportWriter
from auditlib.schema import load_schema

GENERATOR = "auditlib.demo"
MIN_AS_OF = date(2021, 1, 1)

ChunkSink = Callable[[str, pa.Table], None]


@dataclass(frozen=True)
class DemoExport:
    out_dir: Path
    ground_truth_path: Path
    as_of: date
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    fmt: str = "parquet"
    seed: int = 7
    scale: float = 1.0
    part_rows: int | None = None


class _KeyGuard:
    """The demo plants no DQ-02 case: a repeated or out-of-order single-column key is a generator bug.

    Every table is emitted in primary-key order (bulk ids from 1, planted ids from
    ``PLANT_BASE``), so strictly increasing keys across chunks prove uniqueness
    without holding the table.
    """

    def __init__(self) -> None:
        self.schema = load_schema()
        self.last: dict[str, int] = {}

    def check(self, table: str, chunk: pa.Table) -> None:
        pk = self.schema.tables[table].primary_key
        if len(pk) != 1 or chunk.num_rows == 0:
            return
        keys = chunk.column(pk[0]).to_numpy()
        prev = self.last.get(table)
        if (prev is not None and keys[0] <= prev) or (
            len(keys) > 1 and not (keys[1:] > keys[:-1]).all()
        ):
            raise AssertionError(
                f"demo generator: {table}.{pk[0]} not strictly increasing (after {prev}, chunk starts at {keys[0]}); "
                "planted ids start at PLANT_BASE: is the scale so large that bulk ids reach it?"
            )
        self.last[table] = int(keys[-1])


def stream_tables(
    sink: ChunkSink, *, scale: float, seed: int, as_of: date, params: Params | None = None
) -> Truth:
    """Generate all 18 tables as chunks, each table in primary-key order, into ``sink(table, chunk)``.

    Planted rows (the same at every scale and seed) come last in each table.
    Returns the ground truth.
    """
    params = params or Params()
    if not (scale > 0):
        raise ValueError(f"scale must be > 0, got {scale}")
    if as_of < MIN_AS_OF:
        raise ValueError(
            f"as_of {as_of} is too early: the demo register needs as_of >= {MIN_AS_OF}"
        )
    planted = Tables()
    planter = plant(planted, as_of, params)
    planted_tables = planted.build()
    guard = _KeyGuard()

    def emit_chunk(table: str, chunk: pa.Table) -> None:
        guard.check(table, chunk)
        sink(table, chunk)

    def emit(table: str, **columns: Any) -> None:
        emit_chunk(table, make_table(table, **columns))

    bulk = generate_bulk(emit, seed, as_of, scale)
    domains = {**bulk.customer_domain, **planter.domains}
    contracts = pd.concat(
        [
            bulk.contracts,
            planted_tables["contracts"]
            .select(list(bulk.contracts.columns))
            .to_pandas(date_as_object=False),
        ],
        ignore_index=True,
    )
    generate_invoices(
        emit, as_of, contracts, domains, planter.truth.invoice_gap, {planter.old_customer}
    )
    for name, table in planted_tables.items():
        emit_chunk(name, table)
    return planter.truth


def build_tables(*, scale: float, seed: int, as_of: date, params: Params | None = None):  # noqa: ANN201
    """All 18 tables in memory (small scales, tests): ``(tables: dict[str, pa.Table], truth: Truth)``."""
    chunks: dict[str, list[pa.Table]] = {name: [] for name in load_schema().tables}
    truth = stream_tables(
        lambda t, c: chunks[t].append(c), scale=scale, seed=seed, as_of=as_of, params=params
    )
    return {
        name: pa.concat_tables(cs).combine_chunks() if cs else arrow_schema(name).empty_table()
        for name, cs in chunks.items()
    }, truth


def generate_export(
    out_dir: Path,
    *,
    scale: float = 1.0,
    seed: int = 7,
    as_of: date | None = None,
    fmt: str = "parquet",
    ground_truth_path: Path | None = None,
    overwrite: bool = False,
    part_rows: int | None = None,
) -> DemoExport:
    """Write a demo export of all 18 tables to ``out_dir`` and its ground truth beside it.

    Same arguments -> byte-identical files. Tables are generated and written in
    chunks (memory does not grow with ``scale``). ``part_rows`` writes every table
    as a directory of part files of at most that many rows (same data, same
    findings as one file per table). ``overwrite`` replaces an existing
    ``out_dir``; without it an existing, non-empty ``out_dir`` is an error.
    """
    started = time.perf_counter()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir).absolute()
    as_of = as_of or today_stockholm()
    gt_path = (
        Path(ground_truth_path).absolute()
        if ground_truth_path
        else out_dir.parent / "ground_truth.json"
    )
    if gt_path.parent == out_dir or out_dir in gt_path.parents:
        raise ValueError(
            f"ground truth {gt_path} must not lie inside the export {out_dir}: put it beside it"
        )
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{out_dir} exists and is not empty; choose a new directory or pass overwrite=True (CLI: --force)"
        )
    if part_rows is not None and part_rows < 1:
        raise ValueError(f"part_rows must be >= 1, got {part_rows}")
    params = Params()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        writer = ExportWriter(
            tmp,
            fmt,
            {name: arrow_schema(name) for name in load_schema().tables},
            part_rows,
            extra={"generator": {"name": GENERATOR, "version": GENERATOR_VERSION}},
        )
        truth = stream_tables(writer.write, scale=scale, seed=seed, as_of=as_of, params=params)
        rows = writer.finish(end_of_day(as_of))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    ground_truth = {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "as_of": as_of.isoformat(),
        "params": params.to_dict(),
        "expected": truth.expected,
        "near_misses": truth.near_misses,
        "held_customers": [str(c) for c in truth.held_customers],
    }
    gt_path.parent.mkdir(parents=True, exist_ok=True)
    gt_tmp = gt_path.with_name(f".{gt_path.name}.tmp-{os.getpid()}")
    gt_tmp.write_text(
        json.dumps(ground_truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    gt_tmp.replace(gt_path)
    return DemoExport(
        out_dir=out_dir,
        ground_truth_path=gt_path,
        as_of=as_of,
        rows=rows,
        seconds=round(time.perf_counter() - started, 3),
        fmt=fmt,
        seed=seed,
        scale=scale,
        part_rows=part_rows,
    )
