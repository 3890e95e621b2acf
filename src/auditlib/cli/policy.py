"""``auditlib policy check``: audit the privacy policy text itself (POL rules).

Writes ``DIR/findings.jsonl`` (the findings contract) and ``DIR/summary.json`` (status per
POL rule, the policy's sha256), prints a short plain-text summary, and exits like
``auditlib run``: 0 every rule passed, 1 some rule found something and none errored,
2 some rule errored or the input could not be used.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import click

from auditlib.cli.options import day_or_today

MESSAGE_WIDTH = 220


@click.group(name="policy")
def command() -> None:
    """Audit the privacy policy text (GDPR Art. 13/14, consistency, promises vs the plan)."""


@command.command(name="check")
@click.option(
    "--policy",
    "policy",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The policy: UTF-8 plain text, Markdown (.md) or HTML "
    "(.html). Default: the plan's `policy`.",
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Audit plan whose parameters the text must agree with (default: the spec's parameters).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for findings.jsonl and summary.json.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    callback=day_or_today,
    metavar="YYYY-MM-DD",
    help="Audit day (decides which renamings are in force). Default: today.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "text", "markdown", "html"]),
    default="auto",
    show_default=True,
    help="Input format (auto: by file name).",
)
def check(policy: Path | None, plan_path: Path | None, out: Path, as_of: date, fmt: str) -> None:
    """Check a policy text and write DIR/findings.jsonl; exit 0 pass, 1 findings, 2 error.

    Example: auditlib policy check --policy audits/policy/integritetspolicy.txt
    --plan audits/monthly.toml --out /tmp/policy-check
    """
    sys.exit(main(policy=policy, plan_path=plan_path, out=out, as_of=as_of, fmt=fmt))


def _err(msg: str) -> int:
    click.echo(f"auditlib policy check: error: {msg}", err=True)
    return 2


def main(
    *,
    policy: Path | None,
    out: Path,
    plan_path: Path | None = None,
    as_of: date | None = None,
    fmt: str = "auto",
) -> int:
    """The command as a function (tests call it); returns the exit status."""
    from auditlib.config import Params
    from auditlib.jsonio import dumps, write_json_atomic, write_text_atomic
    from auditlib.policy import PolicyInputError, audit_document, read_policy
    from auditlib.policy.document import clean
    from auditlib.runner.plan import PlanError, load_plan

    params, severities, plan_desc = Params(), {}, None
    if plan_path is not None:
        try:
            plan = load_plan(plan_path)
        except PlanError as exc:
            return _err(str(exc))
        params, severities = plan.params, dict(plan.severities)
        plan_desc = plan.describe()
        policy = policy or plan.policy
    if policy is None:
        return _err("no --policy given and the plan names no `policy`")
    try:
        doc = read_policy(policy, None if fmt == "auto" else fmt)
    except PolicyInputError as exc:
        return _err(str(exc))
    audit = audit_document(doc, params, as_of, severities)
    findings = audit.findings
    summary = {
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_of": audit.as_of.isoformat(),
        "policy": audit.describe(),
        "plan": plan_desc,
        "parameters": params.to_dict(),
        "rules": {
            rid: {"status": o.status, "findings": len(o.findings), "error": o.error}
            for rid, o in audit.outcomes.items()
        },
        "severities": {rid: o.severity for rid, o in audit.outcomes.items()},
        "exit_status": audit.exit_status,
    }
    try:
        write_text_atomic(Path(out) / "findings.jsonl", "".join(dumps(f) + "\n" for f in findings))
        write_json_atomic(Path(out) / "summary.json", summary)
    except OSError as exc:
        return _err(f"cannot write to {out}: {exc}")
    verdict = {0: "pass", 1: "fail", 2: "error"}[audit.exit_status]
    click.echo(
        f"policy {clean(str(policy))} ({doc.format}, {len(doc.sections)} sections, "
        f"{len(doc.sentences)} sentences, sha256 {doc.sha256[:16]}...): {verdict}, "
        f"{len(findings)} finding(s); {Path(out) / 'findings.jsonl'}"
    )
    for rid, o in audit.outcomes.items():
        line = f"  {rid} {o.status:<5} {len(o.findings):>2}  {o.rule.title}"
        if o.error:
            line += f"  [error: {clean(o.error)}]"
        click.echo(line)
    for f in findings:
        msg = clean(f"{f['rule_id']} {f['severity']} {f['entity_id']}: {f['message']}")
        click.echo("  - " + (msg if len(msg) <= MESSAGE_WIDTH else msg[: MESSAGE_WIDTH - 1] + "…"))
    return audit.exit_status
