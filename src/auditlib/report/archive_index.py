"""The archive's ``index.html``: every run, newest first, with a link to its report.

Rebuilt from the runs' ``summary.json`` files each time (no state of its own), so
it can never disagree with the runs; ``auditlib archive`` rebuilds it by hand.

Each run shows the verdict per promise of the privacy policy (kept / broken / not
verified), so a DPO sees month by month whether each promise held. Decision: the
verdicts are decided from the run's recorded rule statuses by the promise registry
of this auditlib (``data/promises.toml``, the same :func:`promise_rows` as the run's
own report); a promise whose rule a run did not evaluate (a rule added since, a run
that ended in error) is ``not verified`` for that run, fail closed, never ``kept``.
The run's own sealed report stays what it recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from auditlib.report.history import list_runs
from auditlib.report.offline import assert_offline
from auditlib.report.run_index import STATUSES, environment
from auditlib.rules.catalogue_loader import load_catalogue
from auditlib.rules.promises import load_promises, promise_rows

DEFAULT_ARCHIVE = Path("audits/runs")


def promise_columns() -> list[dict[str, str]]:
    """The archive's promise columns, in the registry's order: a short label and the title."""
    return [
        {"id": p.id, "label": f"P{i}", "title": p.title} for i, p in enumerate(load_promises(), 1)
    ]


def archive_rows(archive_dir: Path) -> list[dict]:
    rows = []
    catalogue = load_catalogue()
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
                "promises": [
                    {"id": p["id"], "verdict": p["verdict"], "reasons": p["reasons"]}
                    for p in promise_rows({**s, "rules": rules}, catalogue)
                ],
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
            promises=promise_columns(),
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
