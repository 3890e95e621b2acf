"""The notebook steps: what ``snapshot.ipynb`` and the audit notebooks call.

Notebooks hold no logic: they read their parameters, call one step and display
what it returns. One module per job:

- :mod:`~auditlib.steps.snapshot`: :func:`run_snapshot` builds the minimised snapshot
  from a source, runs the data-quality gates and returns a :class:`SnapshotView`;
- :mod:`~auditlib.steps.audit`: :func:`run_audit` evaluates the catalogue rules of
  one notebook on the snapshot (read-only) and returns an :class:`AuditView`;
- :mod:`~auditlib.steps.charts`: the audit notebooks' charts and the small aggregate
  queries behind them;
- :mod:`~auditlib.steps.results`: ``results/<notebook>.json`` as typed objects, the
  contract between a step in the kernel and the runner.

Both steps take their common parameters in the same order, as the notebooks'
parameter cells list them: ``snapshot_path, as_of, result_dir``, then what only
that step needs. With the defaults (``None``) a notebook opened in JupyterLab
audits a demo snapshot for today, built once in the cache directory.

This package never imports the runner: the runner starts the notebooks and reads
what the steps wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditlib.lazy_exports import lazy_getattr

# Imported on first use (PEP 562): the runner reads result files through
# auditlib.steps.results without paying for DuckDB, pandas and the rule engine.
_EXPORTS = {
    "AUDIT_NOTEBOOKS": "audit",
    "AuditView": "audit",
    "rules_for": "audit",
    "run_audit": "audit",
    "SnapshotView": "snapshot",
    "default_snapshot": "snapshot",
    "run_snapshot": "snapshot",
}

__all__ = [
    "AUDIT_NOTEBOOKS",
    "AuditView",
    "SnapshotView",
    "default_snapshot",
    "rules_for",
    "run_audit",
    "run_snapshot",
]

if TYPE_CHECKING:
    from auditlib.steps.audit import AUDIT_NOTEBOOKS, AuditView, rules_for, run_audit
    from auditlib.steps.snapshot import SnapshotView, default_snapshot, run_snapshot


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())
