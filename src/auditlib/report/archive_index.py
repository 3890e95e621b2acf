"""The archive's ``index.html``: every run, newest first, with a link to its report.

Rebuilt from the runs' ``summary.json`` files each time (no state of its own), so
it can never disagree with the runs; ``auditlib archive`` rebuilds it by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from auditlib.report.history import list_runs
from auditlib.report.offline import assert_offline
from auditlib.report.run_index import STATUSES, environment

DEFAULT_ARCHIVE = Path("audits/runs")


def archive_rows(archive_dir: Path) -> list[dict]:
    rows = []
    for run in list_runs(archive_dir):
        s = run.summary
        rules = s.get("rules") or {}
        counts = {
            st: sum(1 for r in rules.values() if (r or {}).get("status") == st) for st in STATUSES
        }
        verdict = s.get("verdict") if s.get("verdict") in ("pass", "fail", "error") else "error"
        rows.append(
            {
                "run_id": run.run_id,
                "plan": run.plan,
                "as_of": s.get("as_of", ""),
                "started_at": run.started_at,
                "verdict": verdict,
                "counts": counts,
                "findings": sum(int((r or {}).get("findings") or 0) for r in rules.values()),
                "href": f"{quote(run.path.name)}/index.html",
                "has_index": (run.path / "index.html").is_file(),
            }
        )
    return rows


def update_archive_index(archive_dir: Path = DEFAULT_ARCHIVE) -> Path:
    """(Re)write ``<archive_dir>/index.html``; returns its path."""
    archive_dir = Path(archive_dir)
    archive_dir.mkdir(parents=True, exist_ok=True)
    html = (
        environment()
        .get_template("archive_index.html.j2")
        .render(
            runs=archive_rows(archive_dir),
            archive_name=str(archive_dir),
            generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    )
    assert_offline(html, "the archive index")
    out = archive_dir / "index.html"
    tmp = archive_dir / ".index.html.tmp"
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)  # atomic: a reader never sees half a page
    return out
