"""The throwaway cluster helper: it starts, authenticates for real, and leaves nothing behind."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from auditlib.pg.cluster import ClusterError, ThrowawayCluster

pytestmark = pytest.mark.postgres


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (init reaps those eventually)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_cluster_starts_and_stop_leaves_no_process_or_directory() -> None:
    with ThrowawayCluster() as c:
        base, pid = c.base_dir, c.postmaster_pid()
        assert base is not None and base.is_dir()
        assert pid is not None and _alive(pid)
        assert "password" not in c.conninfo
        assert c.env["PGPASSWORD"] == c.password
        with psycopg.connect(c.conninfo, password=c.password) as con:
            assert con.execute("SHOW server_version_num").fetchone()[0].startswith("15")
        with psycopg.connect(c.auditor_conninfo, password=c.auditor_password) as con:
            row = con.execute(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
            assert row == ("auditor", False)
    assert not base.exists()
    assert not _alive(pid)


def test_cluster_is_removed_when_the_body_raises() -> None:
    with pytest.raises(RuntimeError, match="boom"), ThrowawayCluster() as c:
        base, pid = c.base_dir, c.postmaster_pid()
        raise RuntimeError("boom")
    assert base is not None and not base.exists()
    assert pid is not None and not _alive(pid)


def test_tcp_uses_real_password_authentication(pg_cluster: ThrowawayCluster) -> None:
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(pg_cluster.auditor_conninfo, password="not-the-password")
    with pytest.raises(psycopg.OperationalError):
        # no password at all: scram-sha-256 on TCP, no trust
        psycopg.connect(pg_cluster.auditor_conninfo, password="")


def test_missing_binaries_fail_with_install_hint(tmp_path: Path) -> None:
    before = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("auditlib-pg-*"))
    with pytest.raises(ClusterError, match="initdb.*apt-get install postgresql-15"):
        ThrowawayCluster(bindir=tmp_path).start()
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("auditlib-pg-*")) == before
