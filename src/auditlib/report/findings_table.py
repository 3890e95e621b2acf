"""Every finding as one flat row: for findings.csv, findings.xlsx and the findings view.

One row per line of ``findings.jsonl`` (``n`` is its line number, a stable id within
the run): rule, the promise the rule tests (``data/promises.toml``), severity, entity,
message, the evidence flattened to one column per key (``evidence.<key>``, nested
objects as ``evidence.<key>.<sub>``, lists joined with ``; ``) and the working of
the deadline (:mod:`auditlib.report.deadlines`). Everything goes through the report's
privacy scrubbing first (:func:`auditlib.report.privacy.safe_evidence`, ``scrub_text``),
so the spreadsheets carry no more than the HTML report.

Spreadsheet safety (OWASP "CSV injection"): a text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is written with a leading ``'`` in both files,
so no spreadsheet program evaluates it as a formula; numbers stay numbers. Other
control characters are written as ``\\xNN`` (the audit data must not carry raw control
characters, and the xlsx format cannot hold most of them).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditlib.ranking import severity_rank
from auditlib.report.deadlines import working_text
from auditlib.report.privacy import safe_evidence, scrub_text

CSV_NAME, XLSX_NAME = "findings.csv", "findings.xlsx"
FIXED_COLUMNS = (
    "n",
    "rule_id",
    "rule_title",
    "promise",
    "severity",
    "entity_type",
    "entity_id",
    "message",
    "working",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NO_PROMISE = "data quality (no promise)"


def neutralise(text: str) -> str:
    """Text safe for a spreadsheet cell: formula starts quoted, control characters escaped.

    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-3")
    "'-3"
    """
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def plain(value: Any) -> Any:
    """An evidence value as a cell value: numbers stay numbers, the rest is text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(str(plain(v)) if not isinstance(v, dict) else _pairs(v) for v in value)
    if isinstance(value, dict):
        return _pairs(value)
    return str(value)


def _pairs(d: dict[str, Any]) -> str:
    return ", ".join(f"{k}={plain(v)}" for k, v in d.items())


def flatten(evidence: dict[str, Any], prefix: str = "evidence") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in evidence.items():
        key = f"{prefix}.{k}"
        if isinstance(v, dict) and v and all(not isinstance(x, dict | list) for x in v.values()):
            out.update(flatten(v, key))
        else:
            out[key] = plain(v)
    return out


@dataclass
class FindingsTable:
    columns: list[str]
    rows: list[dict[str, Any]]  # column -> cell value (str, int, float or None)


def build_table(findings: Iterable[dict[str, Any]], summary: dict[str, Any]) -> FindingsTable:
    """The flat, scrubbed rows of the run's findings (in findings.jsonl order)."""
    from auditlib.rules import load_catalogue
    from auditlib.rules.promises import promise_of

    catalogue = load_catalogue()
    params = summary.get("parameters") or {}
    as_of = summary.get("as_of")
    rows: list[dict[str, Any]] = []
    ev_cols: dict[str, None] = {}
    for n, f in enumerate(findings, 1):
        rid = str(f.get("rule_id", ""))
        promise = promise_of(rid)
        ev = safe_evidence(f.get("evidence"))
        flat = flatten(ev)
        for k in flat:
            ev_cols.setdefault(k, None)
        rule = catalogue.get(rid)
        rows.append(
            {
                "n": n,
                "rule_id": rid,
                "rule_title": rule.title if rule else "",
                "promise": promise.title if promise else NO_PROMISE,
                "severity": str(f.get("severity", "")),
                "entity_type": scrub_text(str(f.get("entity_type", ""))),
                "entity_id": scrub_text(str(f.get("entity_id", ""))),
                "message": scrub_text(str(f.get("message", ""))),
                "working": scrub_text(working_text({**f, "evidence": ev}, params, as_of)),
                **{k: (scrub_text(v) if isinstance(v, str) else v) for k, v in flat.items()},
            }
        )
    return FindingsTable([*FIXED_COLUMNS, *ev_cols], rows)


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return neutralise(str(value))


def write_csv(table: FindingsTable, path: Path) -> Path:
    """UTF-8 with a byte-order mark (so spreadsheet programs read the arrows and å ä ö)."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(table.columns)
        for row in table.rows:
            w.writerow(["" if (v := _cell(row.get(c))) is None else v for c in table.columns])
    return Path(path)


def write_xlsx(table: FindingsTable, path: Path, summary: dict[str, Any]) -> Path:
    """One sheet ``findings`` (header frozen, auto-filter) and one sheet ``run``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("findings")
    ws.freeze_panes = "A2"
    widths = {"message": 80, "working": 80, "rule_title": 40, "promise": 40}
    for i, c in enumerate(table.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(c, 16)
    bold = Font(bold=True)
    header = []
    for c in table.columns:
        cell = WriteOnlyCell(ws, value=c)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in table.rows:
        ws.append([_cell(row.get(c)) for c in table.columns])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    meta = wb.create_sheet("run")
    for k in ("run_id", "as_of", "verdict", "started_at", "finished_at"):
        meta.append([k, _cell(summary.get(k))])
    wb.save(str(path))
    return Path(path)


def write_findings_files(
    run_dir: Path, findings: list[dict[str, Any]], summary: dict[str, Any]
) -> FindingsTable:
    """Write ``findings.csv`` and ``findings.xlsx`` into ``run_dir`` (before the manifest)."""
    table = build_table(findings, summary)
    write_csv(table, Path(run_dir) / CSV_NAME)
    write_xlsx(table, Path(run_dir) / XLSX_NAME, summary)
    return table


def view_rows(table: FindingsTable) -> list[dict[str, Any]]:
    """Rows for the findings view, most serious first (severity, then rule, then entity)."""
    return sorted(table.rows, key=lambda r: (severity_rank(r["severity"]), r["rule_id"], r["n"]))
