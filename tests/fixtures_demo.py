"""Fixtures around the demo generator (owned by the demo area).

``demo_export``: the demo export at scale 0.01 as Parquet, audit day 2026-06-30
(a Tuesday: the planted cases then cross Easter 2026, Ascension 2026, Midsummer
Eve 2026, Christmas 2025 and New Year/Epiphany 2026, and 31 Jan 2026 + 1 month =
28 Feb 2026, a Saturday). ``demo_export_csv``: the same data as CSV and gzipped
CSV mixed (tables alternate). Both are generated once per test session into a
temporary directory; ``ground_truth.json`` lies beside the export directory.
Use ``.out_dir``, ``.ground_truth_path`` and ``.as_of``.
"""

from __future__ import annotations

from datetime import date

import pytest

from auditlib.demo import DemoExport, generate_export

DEMO_AS_OF = date(2026, 6, 30)
DEMO_SCALE = 0.01
DEMO_SEED = 7


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> DemoExport:
    base = tmp_path_factory.mktemp("demo_parquet")
    return generate_export(
        base / "export", scale=DEMO_SCALE, seed=DEMO_SEED, as_of=DEMO_AS_OF, fmt="parquet"
    )


@pytest.fixture(scope="session")
def demo_export_csv(tmp_path_factory: pytest.TempPathFactory) -> DemoExport:
    base = tmp_path_factory.mktemp("demo_csv")
    return generate_export(
        base / "export", scale=DEMO_SCALE, seed=DEMO_SEED, as_of=DEMO_AS_OF, fmt="mixed"
    )
