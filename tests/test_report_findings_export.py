"""findings.csv and findings.xlsx: one row per finding, evidence in columns, formula-safe,
scrubbed, written by render_run before the manifest seals the run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from auditlib.report import render_run, write_manifest
from auditlib.report.findings_table import build_table, neutralise, write_csv, write_xlsx
from test_report_runfactory import PERSONAL_VALUES, make_run

NASTY = [
    {
        "rule_id": "SUB-02",
        "severity": "medium",
        "entity_type": "subprocessor",
        "entity_id": '=HYPERLINK("http://evil.example/","click")',
        "message": "+cmd|' /C calc'!A0 from anna.svensson@example.se",
        "evidence": {
            "legal_country": "@SUM(1+1)",
            "note": "\tTAB",
            "cr": "\rCR",
            "minus": "-2+3",
            "bell": "a\x07b",
            "n": -3,
            "ratio": 1.5,
            "nested": {"a": 1, "b": "=1+1"},
            "items": ["x", "=y"],
        },
    },
    {
        "rule_id": "DSR-01",
        "severity": "high",
        "entity_type": "request",
        "entity_id": "11",
        "message": "late",
        "evidence": {
            "received": "2026-03-05",
            "due": "2026-04-07",
            "answered": "2026-04-08",
            "extension_used": False,
        },
    },
]
SUMMARY = {
    "run_id": "r1",
    "as_of": "2026-06-30",
    "verdict": "fail",
    "parameters": {"count_eves_as_holidays": False},
}


def test_neutralise_prefixes_every_formula_start() -> None:
    for s in ("=1", "+1", "-1", "@x", "\tx", "\rx"):
        assert neutralise(s).startswith("'"), s
    assert neutralise("plain") == "plain" and neutralise("a\x00b") == "a\\x00b"


@pytest.fixture()
def written(tmp_path: Path) -> tuple[Path, Path]:
    table = build_table(NASTY, SUMMARY)
    return write_csv(table, tmp_path / "f.csv"), write_xlsx(table, tmp_path / "f.xlsx", SUMMARY)


def test_csv_rows_columns_and_injection(written: tuple[Path, Path]) -> None:
    rows = list(csv.DictReader(written[0].open(encoding="utf-8-sig", newline="")))
    assert len(rows) == 2
    r = rows[0]
    assert r["entity_id"].startswith("'=HYPERLINK")
    assert r["message"].startswith("'+cmd") and PERSONAL_VALUES[0] not in r["message"]
    assert r["evidence.legal_country"] == "'@SUM(1+1)"
    # the report's redaction already writes tab and CR as visible escapes; either way the
    # cell cannot start a formula
    assert r["evidence.note"] in ("'\tTAB", "\\x09TAB")
    assert r["evidence.cr"] in ("'\rCR", "\\x0dCR")
    assert r["evidence.minus"] == "'-2+3" and r["evidence.bell"] == "a\\x07b"
    assert r["evidence.n"] == "-3"  # a number stays a number
    assert r["evidence.nested.b"] == "'=1+1" and r["evidence.items"] == "x; =y"
    assert r["promise"] == "Subprocessors in the EU/EEA" and r["severity"] == "medium"
    dsr = rows[1]
    assert dsr["promise"].startswith("Data subject rights")
    assert "(Easter Monday skipped)" in dsr["working"]
    for cell in (c for row in rows for c in row.values()):
        if cell and not _is_number(cell):  # numbers (e.g. -3) are numbers, not formulas
            assert cell[0] not in "=+-@\t\r", cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_xlsx_cells_are_text_never_formulas(written: tuple[Path, Path]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(written[1])
    ws = wb["findings"]
    header = [c.value for c in ws[1]]
    values = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)
    ]
    assert len(values) == 2
    for row in ws.iter_rows(min_row=2):
        for c in row:
            assert c.data_type != "f", (c.coordinate, c.value)
            if isinstance(c.value, str):
                assert c.value[0] not in "=+-@\t\r", c.value
    assert values[0]["evidence.n"] == -3 and values[0]["evidence.ratio"] == 1.5
    assert values[0]["entity_id"].startswith("'=HYPERLINK")
    assert [r[0].value for r in wb["run"].iter_rows()] == [
        "run_id",
        "as_of",
        "verdict",
        "started_at",
        "finished_at",
    ]


def test_render_run_writes_them_before_the_manifest(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    run = make_run(archive, "r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    render_run(run, archive)
    write_manifest(run)
    files = json.loads((run / "manifest.json").read_text())["files"]
    for name in ("findings.csv", "findings.xlsx", "findings.html", "index.html"):
        assert name in files, name
    rows = list(csv.DictReader((run / "findings.csv").open(encoding="utf-8-sig")))
    assert len(rows) == len((run / "findings.jsonl").read_text().splitlines())
    text = (run / "findings.csv").read_text(encoding="utf-8-sig") + (
        run / "findings.html"
    ).read_text()
    for value in PERSONAL_VALUES:
        assert value not in text
    assert "ab" * 32 not in text
    index = (run / "index.html").read_text()
    assert 'href="findings.html"' in index and 'href="findings.xlsx"' in index
