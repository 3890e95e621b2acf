"""``auditlib reperform RUN_DIR``: run the rules again on the run's archived snapshot.

Uses the run's as_of, parameters and severities (summary.json), opens the snapshot
``<archive>/.snapshots/<run_id>.duckdb`` read-only after checking its sha256, and compares
with the run's findings.jsonl (rule, entity, message, evidence, severity). Says when the
installed auditlib, DuckDB or any rule file differs from what the run recorded.

Exit status: 0 identical; 1 different (what was added, removed or changed, per rule);
2 cannot re-perform (the run is not intact, the snapshot is missing or its sha256 differs).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SHOWN = 20  # findings listed per rule and kind; the counts are always complete


def _clean(value: Any) -> str:
    """Text for the terminal: no personal data patterns, no raw control characters."""
    from auditlib.report.privacy import scrub_personal

    text = scrub_personal(str(value))
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@click.command("reperform")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
def command(run_dir: Path) -> None:
    """Re-run the rules of RUN_DIR on its archived snapshot and compare the findings."""
    from auditlib.runner.reperform import CannotReperform, describe_change, reperform

    if not run_dir.is_dir():
        click.echo(f"error: {run_dir} is not a directory", err=True)
        raise SystemExit(2)
    try:
        rep = reperform(run_dir)
    except CannotReperform as exc:
        click.echo(f"CANNOT re-perform {run_dir}: {_clean(exc)}", err=True)
        raise SystemExit(2) from exc
    click.echo(
        f"re-performed run {_clean(rep.run_id)} as of {rep.as_of} on {rep.snapshot} "
        f"(sha256 as recorded): {len(rep.rules)} rules and gates, "
        f"{rep.findings} findings"
    )
    for note in rep.notes:
        click.echo(f"note: {_clean(note)}")
    if rep.identical:
        click.echo(
            "IDENTICAL: every rule status and every finding (rule, entity, message, "
            "evidence, severity) matches the run"
        )
        raise SystemExit(0)
    click.echo("DIFFERENT from the run:")
    for rid, d in rep.rules.items():
        if not d.differs:
            continue
        head = f"  {rid}: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed"
        if d.recorded_status != d.status:
            head += f"; status {d.recorded_status} -> {d.status}"
        click.echo(head)
        for label, items in (("added", d.added), ("removed", d.removed)):
            for f in items[:_SHOWN]:
                click.echo(
                    f"    {label}: {f.get('entity_type')} {_clean(f.get('entity_id'))}: "
                    f"{_clean(f.get('message'))}"
                )
            if len(items) > _SHOWN:
                click.echo(f"    ... and {len(items) - _SHOWN} more {label}")
        for old, new in d.changed[:_SHOWN]:
            click.echo(
                f"    changed: {old.get('entity_type')} {_clean(old.get('entity_id'))}: "
                f"{_clean(describe_change(old, new))}"
            )
        if len(d.changed) > _SHOWN:
            click.echo(f"    ... and {len(d.changed) - _SHOWN} more changed")
    raise SystemExit(1)
