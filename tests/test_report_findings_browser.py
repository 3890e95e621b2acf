"""The findings view in a real headless browser (Debian's chromium): filters, search,
sorting and pages over 100,000 findings, JavaScript off, and not one network request."""

from __future__ import annotations

import html as html_lib
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from auditlib.report.findings_table import build_table
from auditlib.report.findings_view import STATIC_ROWS, write_findings_view
from headless_chromium import dump_dom, page_requests, require_chromium

SUMMARY: dict[str, Any] = {
    "run_id": "monthly-2026-06-30-big",
    "as_of": "2026-06-30",
    "plan": {"name": "monthly"},
    "parameters": {},
}
RULES = [
    ("RET-01", "critical", "customer"),
    ("SUB-01", "critical", "subprocessor"),
    ("DSR-01", "high", "request"),
    ("RET-06", "high", "invoice_number"),
    ("SUB-04", "medium", "subprocessor"),
    ("DSR-06", "info", "request"),
]


def generated(n: int, canary: str = "") -> list[dict[str, Any]]:
    """``n`` findings spread over six rules; entity ids are unique per rule."""
    out = []
    for i in range(n):
        rid, sev, etype = RULES[i % len(RULES)]
        ev: dict[str, Any] = {"days_overdue": i % 97}
        if rid == "DSR-01":
            ev = {
                "received": "2026-03-05",
                "due": "2026-04-07",
                "answered": "2026-04-08",
                "extension_used": False,
            }
        out.append(
            {
                "rule_id": rid,
                "severity": sev,
                "entity_type": etype,
                "entity_id": str(100000 + i),
                "message": f"finding {i} of {rid}",
                "evidence": ev,
            }
        )
    if canary:  # data that tries to become markup or code, and to call home
        out.append(
            {
                "rule_id": "SUB-02",
                "severity": "medium",
                "entity_type": "subprocessor",
                "entity_id": "x</script><img src=" + canary + "/img>",
                "message": "</script><script>fetch('" + canary + "/js')</script>"
                "<img src=" + canary + "/msg>",
                "evidence": {"legal_country": "<style>@import '" + canary + "/css'</style>"},
            }
        )
    return out


def status(dom: str) -> dict[str, int]:
    m = re.search(r'<p id="findings-status"[^>]*>', dom)
    assert m, dom[:3000]
    attrs = dict(re.findall(r'data-(\w+)="(\d+)"', m.group(0)))
    return {k: int(v) for k, v in attrs.items()}


def body_rows(dom: str) -> list[str]:
    m = re.search(r'<tbody id="findings-body">(.*?)</tbody>', dom, re.S)
    assert m
    return re.findall(r"<tr data-n=.*?</tr>", m.group(1), re.S)


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        _Canary.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def canary() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def big_view(tmp_path_factory: pytest.TempPathFactory, canary: str) -> tuple[Path, list]:
    require_chromium()
    findings = generated(100_000, canary)
    run = tmp_path_factory.mktemp("big")
    return write_findings_view(run, build_table(findings, SUMMARY), SUMMARY), findings


@pytest.mark.slow
def test_100k_findings_load_paged_and_filter(
    big_view: tuple[Path, list], tmp_path: Path, canary: str
) -> None:
    page, findings = big_view
    total = len(findings)
    netlog = tmp_path / "net.json"
    _Canary.hits.clear()
    dom = dump_dom(page.as_uri(), netlog=netlog)
    st = status(dom)
    assert st == {"matching": total, "page": 1, "pages": -(-total // 100), "shown": 100}
    rows = body_rows(dom)
    assert len(rows) == 100  # a page, not 100,000 DOM rows
    assert ">critical<" in rows[0]  # most serious first
    # the hostile finding is text, not markup: no element was made from it, nothing called home
    assert "<img src=" + canary not in dom and "<script>fetch" not in dom
    assert page_requests(netlog) == [] and _Canary.hits == []

    dsr = sum(1 for f in findings if f["rule_id"] == "DSR-01")
    dom = dump_dom(page.as_uri() + "#rule=DSR-01&severity=high&page=3&size=50")
    assert status(dom) == {"matching": dsr, "page": 3, "pages": -(-dsr // 50), "shown": 50}
    rows = body_rows(dom)
    assert len(rows) == 50 and all(">DSR-01<" in r for r in rows)
    assert "(Easter Monday skipped)" in rows[0]  # the working of the deadline is shown


@pytest.mark.slow
def test_search_promise_filter_and_sort(big_view: tuple[Path, list]) -> None:
    page, findings = big_view
    target = findings[4242]
    dom = dump_dom(page.as_uri() + "#q=" + target["entity_id"])
    st = status(dom)
    assert st["matching"] == 1 and st["shown"] == 1
    assert f">{target['rule_id']}<" in body_rows(dom)[0]

    promise = quote("Subprocessors in the EU/EEA")
    sub = sum(1 for f in findings if f["rule_id"] in ("SUB-01", "SUB-02", "SUB-04"))
    dom = dump_dom(page.as_uri() + f"#promise={promise}&sort=id&dir=desc&size=25&page=2")
    assert status(dom)["matching"] == sub
    ids = [int(m) for m in re.findall(r'class="mono">subprocessor (\d+)<', "".join(body_rows(dom)))]
    numeric = sorted(
        (int(f["entity_id"]) for f in findings if f["rule_id"] in ("SUB-01", "SUB-04")),
        reverse=True,
    )
    # page 2 of a descending sort: the hostile text id sorts first, then the numbers
    assert ids == numeric[24:49]


@pytest.mark.slow
def test_readable_with_javascript_off(big_view: tuple[Path, list]) -> None:
    page, findings = big_view
    dom = dump_dom(page.as_uri(), javascript=False)
    static = re.findall(r"<tr><td class=\"num\">\d+</td>", dom)
    assert len(static) == STATIC_ROWS
    assert 'href="findings.csv"' in dom and "JavaScript is off" in html_lib.unescape(dom)
    assert body_rows(dom) == []  # the script did not run


def test_network_check_detects_a_request(tmp_path: Path, canary: str) -> None:
    """Positive control: the checks above would see a page that loads something."""
    require_chromium()
    page = tmp_path / "leaky.html"
    page.write_text(f'<!DOCTYPE html><html><body><img src="{canary}/probe"></body></html>')
    netlog = tmp_path / "net.json"
    _Canary.hits.clear()
    dump_dom(page.as_uri(), netlog=netlog)
    assert any("/probe" in u for u in page_requests(netlog))
    assert "/probe" in _Canary.hits
