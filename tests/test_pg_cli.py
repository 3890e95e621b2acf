"""`auditlib pg load` and `auditlib pg sandbox` as a user runs them."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from auditlib.cli import main
from auditlib.pg.cluster import ThrowawayCluster
from fixtures_pg import TinyExport, _create_database

pytestmark = pytest.mark.postgres


def test_pg_load_cli(pg_cluster: ThrowawayCluster, tiny_export: TinyExport) -> None:
    conninfo = _create_database(pg_cluster, "cli_load")
    runner = CliRunner()
    res = runner.invoke(
        main,
        ["pg", "load", "--export", str(tiny_export.out_dir), "--conninfo", conninfo],
        env={"PGPASSWORD": pg_cluster.password},
    )
    assert res.exit_code == 0, res.output
    assert re.search(r"message_deliveries\s+5", res.output)
    assert re.search(r"total\s+49", res.output)
    res = runner.invoke(
        main,
        ["pg", "load", "--export", str(tiny_export.out_dir), "--conninfo", conninfo],
        env={"PGPASSWORD": pg_cluster.password},
    )
    assert res.exit_code == 2 and "already exists" in res.output and "--replace" in res.output


def test_pg_load_cli_refuses_password_in_url(tiny_export: TinyExport) -> None:
    res = CliRunner().invoke(
        main,
        [
            "pg",
            "load",
            "--export",
            str(tiny_export.out_dir),
            "--conninfo",
            "postgresql://postgres:pw-in-url-123@127.0.0.1:1/x",
        ],
    )
    assert res.exit_code == 2
    assert "contains a password" in res.output and "pw-in-url-123" not in res.output


def test_pg_sandbox_serves_the_export_until_interrupted(tiny_export: TinyExport) -> None:
    before = set(Path("/tmp").glob("auditlib-pg-*"))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from auditlib.cli import main; sys.argv[0]='auditlib'; main()",
            "pg",
            "sandbox",
            "--export",
            str(tiny_export.out_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            out.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(out)
        password = re.search(r"export PGPASSWORD='([^']+)'", text)
        conninfo = re.search(r"conninfo \(read-only role\): (.+)", text)
        assert password and conninfo, text
        with psycopg.connect(conninfo.group(1).strip(), password=password.group(1)) as con:
            assert con.execute("SELECT count(*) FROM one2many.users").fetchone() == (4,)
    finally:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(60)
    assert rc == 0, proc.stderr.read() if proc.stderr else ""
    assert set(Path("/tmp").glob("auditlib-pg-*")) <= before
