"""render_run: notebook pages and index.html, offline, escaped, without personal data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditlib.report import ReportError, remote_resources, render_run
from auditlib.report.offline import OfflineError, assert_offline
from test_report_runfactory import PERSONAL_VALUES, XSS, make_run


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rendered once per module: the tests below only read it."""
    archive = tmp_path_factory.mktemp("render") / "runs"
    run = make_run(archive, "monthly-2026-11-24-20261124T200000Z", "2026-11-24T20:00:00+00:00")
    render_run(run, archive)
    return run


def test_render_writes_index_and_one_page_per_notebook(rendered: Path) -> None:
    assert (rendered / "index.html").is_file()
    assert sorted(p.name for p in (rendered / "reports").iterdir()) == [
        "retention.html",
        "subprocessors.html",
    ]
    index = (rendered / "index.html").read_text()
    for rid in ("DQ-01", "DQ-06", "RET-01", "RET-09", "SUB-07", "DSR-06"):
        assert f"<code>{rid}</code>" in index
    assert 'href="reports/retention.html"' in index
    assert 'href="reports/subprocessors.html"' in index
    assert "Verdict: <strong>ERROR</strong>" in index
    assert "results/dsr.json is missing" in index
    assert "Data protection officer" in index and "Signature" in index
    # the findings chart and the notebook's own chart are embedded
    assert len(re.findall(r'<img src="data:image/png;base64,', index)) >= 3


def test_notebook_page_hides_code_keeps_outputs_and_error_banner(rendered: Path) -> None:
    ok = (rendered / "reports" / "retention.html").read_text()
    assert "SECRET_CODE_MARKER" not in ok
    assert "RET-01: 2 findings" in ok
    assert "data:image/png;base64," in ok
    assert '<a href="../index.html">back to the run summary</a>' in ok
    failed = (rendered / "reports" / "subprocessors.html").read_text()
    assert "An Exception was encountered" in failed
    assert "CatalogException" in failed and "run_sub_rules" not in failed


def test_every_html_file_is_offline(rendered: Path) -> None:
    from auditlib.report.findings_view import view_script
    from auditlib.report.offline import active_content

    pages = list(rendered.rglob("*.html"))
    assert len(pages) == 4
    for page in pages:
        html = page.read_text()
        assert remote_resources(html) == [], page
        if page.name == "findings.html":  # auditlib's own script only, nothing else
            assert active_content(html, allowed_scripts=(view_script(),)) == [], page
            assert active_content(html) != []
            assert "Content-Security-Policy" in html and "default-src 'none'" in html
        else:
            assert active_content(html) == [], page
        # belt and braces, independent of the parser: no src=/href= to http(s) except <a> links
        loads = re.findall(r"<(\w+)[^>]*\s(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", html, re.I)
        assert [t for t in loads if t.lower() != "a"] == [], page
        assert not re.search(r"@import\s+(url\()?\s*['\"]?(https?:)?//", html, re.I), page


def test_own_script_allowance_is_exact() -> None:
    from auditlib.report.offline import active_content

    own = "console.log(1)"
    page = f'<script type="application/json" id="d">{{"a":1}}</script><script>{own}</script>'
    assert active_content(page, allowed_scripts=(own,)) == []
    assert active_content(page.replace(own, own + ";x()"), allowed_scripts=(own,))
    assert active_content('<script src="a.js"></script>', allowed_scripts=(own,))
    assert active_content(f'<p onclick="x()">a</p><script>{own}</script>', allowed_scripts=(own,))


def test_findings_data_block_cannot_be_closed_by_data() -> None:
    from auditlib.report.findings_view import json_for_script

    text = json_for_script({"m": "</script><script>alert(1)</script>&\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    import json

    assert json.loads(text)["m"].startswith("</script>")


def test_offline_check_catches_cdn_resources() -> None:
    assert remote_resources('<script src="https://cdn.example/require.js"></script>')
    assert remote_resources('<link rel="stylesheet" href="//fonts.example/css">')
    assert remote_resources("<style>@import url(https://fonts.example/x.css);</style>")
    assert remote_resources("<div style=\"background:url('http://x/y.png')\"></div>")
    assert remote_resources('<a href="https://example.org/policy">policy</a>') == []
    with pytest.raises(OfflineError):
        assert_offline('<img src="http://tracker/p.gif">', "page")


def test_html_in_data_is_shown_as_text(rendered: Path) -> None:
    index = (rendered / "index.html").read_text()
    assert XSS not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "<b>&lt;script" not in index and "&lt;b&gt;&lt;script&gt;" in index


def test_no_personal_data_or_secret_reaches_the_html(rendered: Path) -> None:
    for page in rendered.rglob("*.html"):
        html = page.read_text()
        for value in (*PERSONAL_VALUES, "ab" * 32, "hunter2"):
            assert value not in html, (page, value)
        for key in ("contact_email", "ip_address", "full_name", "subject_email_hmac"):
            assert key not in html, (page, key)
    index = (rendered / "index.html").read_text()
    assert "days_overdue: 269" in index  # the rest of that evidence is shown


def test_worst_findings_sorted_by_severity_then_days(rendered: Path) -> None:
    index = (rendered / "index.html").read_text()
    section = index[index.index('id="findings"') : index.index('id="charts"')]
    order = [m.group(1) for m in re.finditer(r"customer <code>(\d+)</code>", section)]
    assert order == ["42", "17"]  # both critical; 269 days overdue before 40
    assert section.index("RET-01") < section.index("DSR-01") < section.index("DQ-03")


def test_method_quotes_policy_with_parameters(rendered: Path) -> None:
    from auditlib.rules import load_catalogue

    index = (rendered / "index.html").read_text()
    rule = load_catalogue()["RET-01"]
    assert 'id="method-RET-01"' in index
    if rule.params:
        assert f"<code>{rule.params[0]}</code> = " in index
    if rule.policy_sv:
        import html as html_mod

        assert html_mod.escape(rule.policy_sv, quote=False)[:40] in index


def test_data_quality_section_lists_gates_per_table(rendered: Path) -> None:
    index = (rendered / "index.html").read_text()
    section = index[index.index('id="dq"') : index.index('id="trend"')]
    assert "<code>message_deliveries</code>" in section
    assert "3 rows reference a missing recipient" in section


def test_rule_table_takes_seconds_from_rule_seconds(rendered: Path) -> None:
    index = (rendered / "index.html").read_text()
    section = index[index.index('id="rules"') : index.index('id="findings"')]
    row = section[section.index("<code>RET-01</code>") :]
    row = row[: row.index("</tr>")]
    assert '<td class="num small">0.01</td>' in row
    dq3 = section[section.index("<code>DQ-03</code>") :]
    assert '<td class="num small">1.50</td>' in dq3[: dq3.index("</tr>")]


def test_broken_notebook_is_reported_and_raises(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    run = make_run(archive, "r1", "2026-11-24T20:00:00+00:00")
    (run / "notebooks" / "dsr.ipynb").write_text("{not json")
    with pytest.raises(ReportError, match="dsr"):
        render_run(run, archive)
    index = (run / "index.html").read_text()
    assert "report not rendered" in index


def test_active_output_in_a_notebook_is_shown_as_text(tmp_path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_output

    from auditlib.report.notebook_html import render_notebook
    from auditlib.report.offline import active_content
    from test_report_runfactory import ok_notebook

    nb = ok_notebook()
    nb.cells.append(
        new_code_cell(
            "display(HTML(name))",
            outputs=[
                new_output(
                    "display_data",
                    data={
                        "text/html": f"<b>{XSS}</b><img src=x onerror=alert(3)>",
                        "text/plain": "sub name",
                    },
                )
            ],
        )
    )
    nb.cells.append(
        new_code_cell(
            "df",
            outputs=[
                new_output(
                    "display_data",
                    data={"text/html": "<table><tr><td>&lt;b&gt;7</td></tr></table>"},
                )
            ],
        )
    )
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    html = render_notebook(path, tmp_path / "nb.html").read_text()
    assert active_content(html) == []
    assert "alert(1)" not in html and "sub name" in html
    assert "<td>&lt;b&gt;7</td>" in html  # harmless HTML tables stay tables
    assert active_content("<p onclick='x()'>a</p><script>1</script>") == [
        "<p onclick=...>",
        "<script>",
    ]


def test_the_report_never_opens_the_snapshot_for_gates(tmp_path: Path) -> None:
    """Issue 13: the report shows what the run directory holds; without a gates list in
    summary.json it lists the failed gates of findings.jsonl, never the pseudonymised
    snapshot's ``_audit_gates``."""
    import json

    import duckdb

    archive = tmp_path / "runs"
    run = make_run(archive, "r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    summary = json.loads((run / "summary.json").read_text())
    del summary["gates"]
    (run / "summary.json").write_text(json.dumps(summary))
    (archive / ".snapshots").mkdir()
    con = duckdb.connect(str(archive / ".snapshots" / "r1.duckdb"))
    con.execute(
        "CREATE TABLE _audit_gates(gate_id VARCHAR, table_name VARCHAR, status VARCHAR, "
        "rows_affected BIGINT, message VARCHAR, details JSON)"
    )
    con.execute(
        "INSERT INTO _audit_gates VALUES ('DQ-01', 'invoices', 'pass', 0, '', '{}'), "
        "('DQ-02', 'invoices', 'fail', 2, 'invoice_id 7 appears twice', '{}')"
    )
    con.close()
    render_run(run, archive)
    index = (run / "index.html").read_text()
    section = index[index.index('id="dq"') : index.index('id="trend"')]
    assert "findings.jsonl (failed gates only)" in section
    assert ".snapshots/r1.duckdb" not in section and "invoice_id 7 appears twice" not in section


def test_clean_first_run_renders_pass_without_charts_or_trend(tmp_path: Path) -> None:
    import json

    from test_report_runfactory import rules_status

    run = tmp_path / "runs" / "clean-1"
    run.mkdir(parents=True)
    rules = rules_status()
    rules["DQ-03"] = {"status": "pass", "findings": 0, "error": None}
    rules["DQ-06"] = {"status": "pass", "findings": 0, "error": None}
    (run / "summary.json").write_text(
        json.dumps(
            {
                "run_id": "clean-1",
                "plan": {"name": "monthly"},
                "as_of": "2026-11-24",
                "started_at": "2026-11-24T20:00:00+00:00",
                "rules": rules,
                "verdict": "pass",
                "exit_status": 0,
            }
        )
    )
    (run / "findings.jsonl").write_text("")
    render_run(run, tmp_path / "runs")
    index = (run / "index.html").read_text()
    assert "Verdict: <strong>PASS</strong>" in index
    assert "No findings." in index and "nothing to compare with" in index
    assert "No gate results were recorded" in index  # fail closed: not "every gate passed"


def test_unknown_verdict_is_shown_as_error(tmp_path: Path) -> None:
    import json

    run = tmp_path / "runs" / "odd-1"
    run.mkdir(parents=True)
    (run / "summary.json").write_text(json.dumps({"run_id": "odd-1", "verdict": "green"}))
    render_run(run, tmp_path / "runs")
    index = (run / "index.html").read_text()
    assert "Verdict: <strong>ERROR</strong>" in index
    assert "not run" in index  # rules without a result are never shown as passed


def test_findings_file_disagreeing_with_summary_is_flagged(tmp_path: Path) -> None:
    archive = tmp_path / "runs"
    run = make_run(archive, "r1", "2026-11-24T20:00:00+00:00", failed_nb=False)
    lines = (run / "findings.jsonl").read_text().splitlines()
    (run / "findings.jsonl").write_text("\n".join(ln for ln in lines if '"DSR-01"' not in ln))
    render_run(run, archive)
    index = (run / "index.html").read_text()
    assert "DSR-01: summary.json counts 1 finding(s), findings.jsonl holds 0" in index


def test_verdict_per_promise_at_the_top(rendered: Path) -> None:
    import html as html_lib

    from auditlib.rules.promises import load_promises

    index = (rendered / "index.html").read_text()
    top = index[: index.index('<section id="rules">')]
    assert top.index('id="verdict"') < top.index('id="promises"')
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", top))
    text = re.sub(r"\s+", " ", text)
    for p in load_promises():
        assert p.title in text and p.policy_sv[:60] in text
        assert all(rid in text for rid in p.rules)
    # RET-01 failed; SUB-03 errored (not verified even though SUB-01 failed); DSR-01 failed
    assert "BROKEN Service data deleted one month after the agreement ends" in text
    assert "NOT VERIFIED Subprocessors in the EU/EEA" in text
    assert "Why: SUB-03 error" in text
    assert "BROKEN Data subject rights answered in time and free of charge" in text
    assert "KEPT Accounting records kept as the law requires" in text


def test_worst_findings_show_the_working_of_the_deadline(rendered: Path) -> None:
    import html as html_lib

    index = html_lib.unescape(re.sub(r"<[^>]+>", "", (rendered / "index.html").read_text()))
    assert (
        "Working: received 2026-09-01 → one month later 2026-10-01 (a working day) → "
        "still open at the audit day 2026-11-24: 54 days overdue"
    ) in index
    assert "Working: relationship ended 2026-01-31 → + 1 month grace = 2026-02-28" in index
