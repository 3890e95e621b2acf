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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from auditlib.config import Params
from auditlib.dates import today_stockholm
from auditlib.demo.bulk import generate_bulk, generate_invoices
from auditlib.demo.clock import end_of_day
from auditlib.demo.frame import Tables
from auditlib.demo.planted import plant
from auditlib.demo.writer import FORMATS, write_export

GENERATOR = "auditlib.demo"
MIN_AS_OF = date(2021, 1, 1)


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


def build_tables(*, scale: float, seed: int, as_of: date, params: Params | None = None):  # noqa: ANN201
    """Generate all 18 tables in memory: ``(tables: dict[str, pa.Table], truth: Truth)``."""
    params = params or Params()
    if not (scale > 0):
        raise ValueError(f"scale must be > 0, got {scale}")
    if as_of < MIN_AS_OF:
        raise ValueError(f"as_of {as_of} is too early: the demo register needs as_of >= {MIN_AS_OF}")
    rng = np.random.default_rng(seed)
    t = Tables()
    bulk = generate_bulk(t, rng, as_of, scale)
    planter = plant(t, as_of, params)
    domains = {**bulk.customer_domain, **planter.domains}
    generate_invoices(t, as_of, domains, planter.truth.invoice_gap, {planter.old_customer})
    tables = t.build()
    _check_unique_keys(tables)
    return tables, planter.truth


def _check_unique_keys(tables: dict) -> None:  # noqa: ANN001
    """The demo plants no DQ-02 case: a duplicate single-column key is a generator bug."""
    import pyarrow.compute as pc

    from auditlib.schema import load_schema

    for name, table in tables.items():
        pk = load_schema().tables[name].primary_key
        if len(pk) == 1 and table.num_rows:
            distinct = pc.count_distinct(table.column(pk[0])).as_py()
            if distinct != table.num_rows:
                raise AssertionError(
                    f"demo generator: {table.num_rows - distinct} duplicate {name}.{pk[0]} values"
                )


def generate_export(out_dir: Path, *, scale: float = 1.0, seed: int = 7, as_of: date | None = None,
                    fmt: str = "parquet", ground_truth_path: Path | None = None,
                    overwrite: bool = False) -> DemoExport:
    """Write a demo export of all 18 tables to ``out_dir`` and its ground truth beside it.

    Same arguments -> byte-identical files. ``overwrite`` replaces an existing
    ``out_dir``; without it an existing, non-empty ``out_dir`` is an error.
    """
    started = time.perf_counter()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir).absolute()
    as_of = as_of or today_stockholm()
    gt_path = Path(ground_truth_path).absolute() if ground_truth_path else out_dir.parent / "ground_truth.json"
    if gt_path.parent == out_dir or out_dir in gt_path.parents:
        raise ValueError(f"ground truth {gt_path} must not lie inside the export {out_dir}: put it beside it")
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(f"{out_dir} exists and is not empty; choose a new directory or pass overwrite=True (CLI: --force)")
    params = Params()
    tables, truth = build_tables(scale=scale, seed=seed, as_of=as_of, params=params)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        rows = write_export(tables, tmp, fmt, end_of_day(as_of))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    ground_truth = {
        "generator": GENERATOR,
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
    gt_tmp.write_text(json.dumps(ground_truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    gt_tmp.replace(gt_path)
    return DemoExport(out_dir=out_dir, ground_truth_path=gt_path, as_of=as_of, rows=rows,
                      seconds=round(time.perf_counter() - started, 3), fmt=fmt, seed=seed, scale=scale)
