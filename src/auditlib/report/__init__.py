"""Reports, evidence and history of audit runs.

The runner calls, in this order, on the temp run directory ``<archive>/.tmp-<id>``:
``render_run(run_dir, archive_dir)`` (notebook pages + ``index.html``, trend
against the previous run of the plan), optionally ``render_pdf(run_dir)``, then
``chain.seal_and_publish(tmp, final, signer)`` (under the archive lock: ``write_manifest``
with hashes, the link to the previous run and the Ed25519 signature, files made 0444;
``publish_run``, which refuses to overwrite; the ledger line) and
``update_archive_index(archive_dir)``. ``verify_run(run_dir)`` re-checks a run later,
``chain.verify_archive(archive_dir)`` the whole archive.

Names are imported on first use (PEP 562) so ``auditlib verify`` does not pay for
nbconvert, nbformat, jinja2 or matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditlib.lazy_exports import lazy_getattr

_EXPORTS: dict[str, str] = {
    "DEFAULT_ARCHIVE": "archive_index",
    "update_archive_index": "archive_index",
    "RuleTrend": "history",
    "RunInfo": "history",
    "Trend": "history",
    "compute_trend": "history",
    "list_runs": "history",
    "ManifestError": "manifest",
    "RunExistsError": "manifest",
    "VerifyResult": "manifest",
    "publish_run": "manifest",
    "seal_files": "manifest",
    "verify_run": "manifest",
    "write_manifest": "manifest",
    "OfflineError": "offline",
    "active_content": "offline",
    "remote_resources": "offline",
    "PdfUnavailable": "pdf",
    "render_pdf": "pdf",
    "ReportError": "render",
    "render_run": "render",
}

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
    "active_content",
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

if TYPE_CHECKING:
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
    from auditlib.report.offline import OfflineError, active_content, remote_resources
    from auditlib.report.pdf import PdfUnavailable, render_pdf
    from auditlib.report.render import ReportError, render_run


__getattr__ = lazy_getattr(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return __all__
