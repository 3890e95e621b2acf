"""The audit runner: plans, notebook execution, findings and summary of a run.

- :mod:`~auditlib.runner.plan`: ``load_plan(path) -> Plan`` (``audits/<name>.toml``);
- :mod:`~auditlib.runner.sources`: what ``--source`` means (export, PostgreSQL, demo);
- :mod:`~auditlib.runner.worker` / :mod:`~auditlib.runner.execute`: one papermill
  process per notebook, in parallel, with cell and wall-clock limits;
- :mod:`~auditlib.runner.results`: merging ``results/*.json`` fail-closed, exit status;
- :mod:`~auditlib.runner.summary`: ``summary.json``;
- :mod:`~auditlib.runner.run`: ``execute_run(RunRequest) -> RunOutcome``, the whole flow,
  and where notebooks and gate suites are found (checkout or packaged copy; see its
  docstring for the packaging decision).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditlib.lazy_exports import lazy_getattr

# Names are imported on first use (PEP 562): ``python -m auditlib.runner.worker`` must not
# find the worker module imported already by this package (runpy warns about that), and a
# notebook worker should not pay for the runner's imports.
_EXPORTS = {
    "Plan": "plan",
    "PlanError": "plan",
    "load_plan": "plan",
    "exit_status": "results",
    "RunOutcome": "run",
    "RunRequest": "run",
    "execute_run": "run",
}

__all__ = [
    "Plan",
    "PlanError",
    "RunOutcome",
    "RunRequest",
    "execute_run",
    "exit_status",
    "load_plan",
]

if TYPE_CHECKING:
    from auditlib.runner.plan import Plan, PlanError, load_plan
    from auditlib.runner.results import exit_status
    from auditlib.runner.run import RunOutcome, RunRequest, execute_run


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())
