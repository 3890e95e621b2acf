"""A throwaway PostgreSQL 15 cluster: initdb in a temp dir, start, use, stop, remove.

Used by the tests (``tests/fixtures_pg.py``), the benchmark and ``auditlib pg sandbox``.

Decisions:
- Binaries from ``/usr/lib/postgresql/15/bin`` (override: ``AUDITLIB_PG_BINDIR`` or the
  ``bindir`` argument). Missing binaries raise ``ClusterError`` with the install hint;
  nothing is skipped silently.
- PostgreSQL refuses to run as root, so when we are root every server command runs
  as ``postgres`` through ``runuser -u postgres --`` and the temp dir is chowned to it.
- TCP on 127.0.0.1 only, with ``scram-sha-256`` (so a wrong password is really
  refused); the Unix socket lives in the temp dir (not /var/run/postgresql) and
  trusts the local OS user, which only the admin helpers here use.
- Two roles: the superuser (``postgres``) for loading and for tests that must
  disturb the server (terminate backends), and ``auditor``, a LOGIN role meant to
  get SELECT only (``auditlib.pg.load`` grants it). Random passwords per cluster.
- Durability settings are off (fsync, synchronous_commit, full_page_writes) and
  ``wal_level = minimal`` (COPY into a table created in the same transaction then
  writes no WAL): the data is thrown away, and loading is much faster.
- Stopping is ``pg_ctl stop -m immediate`` (the data is deleted next, a shutdown checkpoint
  would only cost time); if that fails the postmaster gets SIGKILL
  by its pid from ``postmaster.pid``. The temp dir is removed in every case,
  also when the ``with`` body raised.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

DEFAULT_BINDIR = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "postgres"
AUDITOR = "auditor"
OS_USER = "postgres"


class ClusterError(RuntimeError):
    """The throwaway cluster could not be created, started or stopped."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now (the OS picks it; a race is retried at start)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ThrowawayCluster:
    """``with ThrowawayCluster() as c: psycopg.connect(c.conninfo, password=c.password)``.

    Attributes after start: ``host``, ``port``, ``dbname``, ``user`` (superuser),
    ``password`` (tests only), ``auditor_user``, ``auditor_password``, ``conninfo`` and
    ``auditor_conninfo`` (no password in them), ``env`` / ``auditor_env`` (a copy of
    ``os.environ`` with ``PGPASSWORD`` set), ``data_dir``, ``base_dir``.
    """

    def __init__(
        self,
        *,
        dbname: str = "one2many",
        bindir: Path | str | None = None,
        host: str = "127.0.0.1",
        extra_settings: dict[str, str] | None = None,
    ) -> None:
        self.bindir = Path(bindir or os.environ.get("AUDITLIB_PG_BINDIR") or DEFAULT_BINDIR)
        self.host = host
        self.dbname = dbname
        self.user = SUPERUSER
        self.auditor_user = AUDITOR
        self.password = secrets.token_urlsafe(18)
        self.auditor_password = secrets.token_urlsafe(18)
        self.port = 0
        self.extra_settings = dict(extra_settings or {})
        self.base_dir: Path | None = None
        self._started = False

    # ------------------------------------------------------------------ public API
    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None, "cluster not started"
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.base_dir is not None, "cluster not started"
        return self.base_dir

    @property
    def conninfo(self) -> str:
        """Superuser over TCP with password auth; the password comes from ``env``."""
        return self._conninfo(self.user)

    @property
    def auditor_conninfo(self) -> str:
        return self._conninfo(self.auditor_user)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password}

    @property
    def auditor_env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.auditor_password}

    def postmaster_pid(self) -> int | None:
        """The running postmaster's pid, from ``postmaster.pid`` (None when not running)."""
        if self.base_dir is None:
            return None
        pidfile = self.data_dir / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def start(self) -> ThrowawayCluster:
        if self._started:
            return self
        self._check_binaries()
        self.base_dir = Path(tempfile.mkdtemp(prefix="auditlib-pg-"))
        try:
            if os.geteuid() == 0:
                shutil.chown(self.base_dir, user=OS_USER, group=OS_USER)
            self._initdb()
            last: Exception | None = None
            for _ in range(3):  # the free port may be taken between probe and bind
                self.port = free_port(self.host)
                try:
                    self._pg_ctl_start()
                    break
                except ClusterError as exc:
                    last = exc
            else:
                raise ClusterError(f"could not start PostgreSQL: {last}")
            self._started = True
            self._create_roles_and_db()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (immediate shutdown: its data is thrown away; SIGKILL as a last
        resort) and remove the temp dir."""
        if self.base_dir is None:
            return
        try:
            if self.data_dir.exists() and (self.data_dir / "postmaster.pid").exists():
                proc = self._run(
                    [
                        str(self.bindir / "pg_ctl"),
                        "stop",
                        "-D",
                        str(self.data_dir),
                        "-m",
                        # the data directory is deleted next: no shutdown checkpoint
                        # (under heavy disk load a fast stop's checkpoint took > 30 s)
                        "immediate",
                        "-w",
                        "-t",
                        "30",
                    ],
                    check=False,
                )
                pid = self.postmaster_pid()
                if proc.returncode != 0 and pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    _wait_gone(pid, timeout=10)
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None
            self._started = False

    def __enter__(self) -> ThrowawayCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def psql(self, sql: str, *, dbname: str | None = None) -> str:
        """Run SQL as the superuser over the Unix socket (admin helper); returns stdout."""
        proc = self._run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                dbname or self.dbname,
                "-c",
                sql,
            ]
        )
        return proc.stdout

    # ------------------------------------------------------------------ internals
    def _conninfo(self, user: str) -> str:
        return f"host={self.host} port={self.port} dbname={self.dbname} user={user}"

    def _check_binaries(self) -> None:
        missing = [
            b for b in ("initdb", "pg_ctl", "postgres", "psql") if not (self.bindir / b).exists()
        ]
        if missing:
            raise ClusterError(
                f"PostgreSQL 15 binaries not found in {self.bindir} (missing: {', '.join(missing)}). "
                "Install the server package (Debian/Ubuntu: apt-get install postgresql-15) or set "
                "AUDITLIB_PG_BINDIR to the directory holding initdb and pg_ctl."
            )
        if os.geteuid() == 0 and shutil.which("runuser") is None:
            raise ClusterError("running as root needs 'runuser' to start PostgreSQL as 'postgres'")

    def _as_postgres(self, argv: list[str]) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", OS_USER, "--", *argv]
        return argv

    def _run(self, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        proc = subprocess.run(
            self._as_postgres(argv), capture_output=True, text=True, env=env, cwd=str(self.base_dir)
        )
        if check and proc.returncode != 0:
            raise ClusterError(
                f"{Path(argv[0]).name} failed (exit {proc.returncode}): "
                f"{(proc.stderr or proc.stdout).strip()[-2000:]}"
            )
        return proc

    def _write_as_postgres(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)
        if os.geteuid() == 0:
            shutil.chown(path, user=OS_USER, group=OS_USER)

    def _initdb(self) -> None:
        assert self.base_dir is not None
        pwfile = self.base_dir / "pwfile"
        self._write_as_postgres(pwfile, self.password + "\n")
        try:
            self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    self.user,
                    f"--pwfile={pwfile}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def _pg_ctl_start(self) -> None:
        settings = {
            "listen_addresses": f"'{self.host}'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "password_encryption": "'scram-sha-256'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            "shared_buffers": "256MB",
            "max_wal_size": "4GB",
            "timezone": "'UTC'",
            "wal_level": "minimal",  # COPY into tables created in the same transaction skips WAL
            "max_wal_senders": "0",
            **self.extra_settings,
        }
        conf = "".join(f"{k} = {v}\n" for k, v in settings.items())
        self._write_as_postgres(self.data_dir / "postgresql.auto.conf", conf)
        log = self.base_dir / "server.log"  # type: ignore[operator]
        self._run(
            [
                str(self.bindir / "pg_ctl"),
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
            ],
            check=False,
        )
        ready = self._run(
            [str(self.bindir / "pg_isready"), "-h", str(self.socket_dir), "-p", str(self.port)],
            check=False,
        )
        if ready.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pid = self.postmaster_pid()
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                _wait_gone(pid, timeout=10)
            raise ClusterError(f"server did not start on port {self.port}: {tail}")

    def _create_roles_and_db(self) -> None:
        self.psql(
            f"CREATE ROLE {self.auditor_user} LOGIN PASSWORD '{self.auditor_password}'",
            dbname="postgres",
        )
        if self.dbname != "postgres":
            self.psql(f'CREATE DATABASE "{self.dbname}"', dbname="postgres")
        self.psql(
            f'GRANT CONNECT ON DATABASE "{self.dbname}" TO {self.auditor_user}', dbname="postgres"
        )


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
