"""One run in progress: what the runner knows about it, handed to the summary in one piece.

:mod:`auditlib.runner.run` fills a :class:`RunContext` as the run proceeds (notebook
outcomes, stage times, warnings); :func:`auditlib.runner.summary.assemble_summary`
reads only this object, so the summary needs nothing from the module that drives
the run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from auditlib.runner.execute import NotebookOutcome
from auditlib.runner.plan import Plan
from auditlib.runner.sources import ResolvedSource


@dataclass
class RunContext:
    run_id: str
    plan: Plan
    as_of: date
    source: ResolvedSource
    tmp: Path  # the run directory being written (<out>/.tmp-<run_id>)
    snapshot_path: Path
    severities: dict[str, str]  # effective severity per rule and gate id
    params: dict[str, Any]  # Params.to_dict() of the plan
    started_at: datetime
    outcomes: dict[str, NotebookOutcome] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds, in run order
    warnings: list[str] = field(default_factory=list)

    @property
    def result_dir(self) -> Path:
        return self.tmp / "results"

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage of the run into :attr:`stages` (also when it raises)."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = round(time.perf_counter() - t0, 3)
