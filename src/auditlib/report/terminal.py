"""What ``auditlib run`` prints about a run that did not pass: one line per failing gate
(with its table and rows) and per failing or erroring rule (with its count and tables).

Text from the data is printed as plain text: e-mail addresses, IPs and phone numbers are
redacted and control characters (also the invisible format characters such as
right-to-left overrides) are written as ``\\xNN``/``\\uNNNN`` (:mod:`auditlib.redaction`),
so a value cannot move the cursor, recolour the terminal or hide text. The caller prints
with ``click.echo`` (no Rich markup is interpreted).
"""

from __future__ import annotations

from typing import Any

from auditlib.redaction import redact

_MESSAGE_MAX = 160


def plain_text(value: object) -> str:
    """``value`` as one line of safe terminal text (:func:`auditlib.redaction.redact`,
    not truncated: personal data redacted, control and format characters escaped).

    >>> plain_text("a\\x1b[31mred\\n[bold]x[/]")
    'a\\\\x1b[31mred\\\\x0a[bold]x[/]'
    """
    return redact(str(value), limit=None, keep_hashes=True)


def _short(text: str) -> str:
    return text if len(text) <= _MESSAGE_MAX else text[: _MESSAGE_MAX - 1] + "…"


def failure_lines(summary: dict[str, Any]) -> list[str]:
    """Lines naming every failing/erroring gate (per table) and rule, gates first."""
    from auditlib.rules import load_catalogue

    catalogue = load_catalogue()
    rules: dict[str, Any] = summary.get("rules") or {}
    lines: list[str] = []
    gates = summary.get("gates")
    gate_ids_listed: set[str] = set()
    if isinstance(gates, list):
        for g in gates:
            if not isinstance(g, dict) or g.get("status") not in ("fail", "error"):
                continue
            gate_ids_listed.add(str(g.get("gate_id")))
            rows = g.get("rows_affected")
            count = f", {rows} row(s)" if isinstance(rows, int) else ""
            lines.append(
                f"gate {g.get('gate_id')} {g.get('status')}: table {g.get('table_name')}"
                f"{count}: {_short(str(g.get('message') or ''))}"
            )
    for rid, r in rules.items():
        status = (r or {}).get("status")
        if status not in ("fail", "error"):
            continue
        if rid.startswith("DQ-"):
            if rid in gate_ids_listed:
                continue  # named per table above
            what = (
                f"gate {rid} fail: {r.get('findings', 0)} table(s)"
                if status == "fail"
                else f"gate {rid} error"
            )
        else:
            rule = catalogue.get(rid)
            tables = f" (tables {', '.join(rule.tables)})" if rule else ""
            entity = f" {rule.entity_type}" if rule else ""
            what = (
                f"rule {rid} fail: {r.get('findings', 0)}{entity} finding(s){tables}"
                if status == "fail"
                else f"rule {rid} error{tables}"
            )
        if status == "error" and r.get("error"):
            what += f": {_short(str(r['error']))}"
        lines.append(what)
    if summary.get("report_error"):
        lines.append(f"report error: {_short(str(summary['report_error']))}")
    return [plain_text(line) for line in lines]
