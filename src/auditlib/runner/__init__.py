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

from auditlib.runner.plan import Plan, PlanError, load_plan
from auditlib.runner.results import exit_status
from auditlib.runner.run import RunOutcome, RunRequest, execute_run

__all__ = ["Plan", "PlanError", "RunOutcome", "RunRequest", "execute_run", "exit_status",
           "load_plan"]
