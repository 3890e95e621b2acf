"""Reports, evidence and history of audit runs.

The runner calls, in this order, on the temp run directory ``<archive>/.tmp-<id>``:
``render_run(run_dir, archive_dir)`` (notebook pages + ``index.html``, trend
against the previous run of the plan), optionally ``render_pdf(run_dir)``, then
``write_manifest(run_dir)`` (hashes, files made 0444), ``publish_run(tmp, final)``
(refuses to overwrite) and ``update_archive_index(archive_dir)``.
``verify_run(run_dir)`` re-checks a run later.
"""

from auditlib.report.archive_index import DEFAULT_ARCHIVE, update_archive_index
from auditlib.report.history import RuleTrend, RunInfo, Trend, compute_trend, list_runs
from auditlib.report.manifest import (
    ManifestError,
    RunExistsError,
    VerifyResult,
    publish_run,
    seal_files,
    verify_run,
    write_manifest,
)
from auditlib.report.offline import OfflineError, remote_resources
from auditlib.report.pdf import PdfUnavailable, render_pdf
from auditlib.report.render import ReportError, render_run

__all__ = [
    "DEFAULT_ARCHIVE",
    "ManifestError",
    "OfflineError",
    "PdfUnavailable",
    "ReportError",
    "RuleTrend",
    "RunExistsError",
    "RunInfo",
    "Trend",
    "VerifyResult",
    "compute_trend",
    "list_runs",
    "publish_run",
    "remote_resources",
    "render_pdf",
    "render_run",
    "seal_files",
    "update_archive_index",
    "verify_run",
    "write_manifest",
]
