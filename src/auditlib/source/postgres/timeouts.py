"""Time limits of the snapshot's PostgreSQL sessions (issue 12).

Without them a table locked by another session stalls the snapshot until the notebook's
cell timeout, and the server-side query keeps waiting after the kernel is killed.
:meth:`PgTimeouts.apply` adds to a conninfo string (every connection the DuckDB
postgres scanner opens uses it):

- ``connect_timeout`` (libpq, seconds);
- ``options=-c lock_timeout=...ms -c statement_timeout=...ms`` (kept after any
  ``options`` the user gave);
- ``-c client_connection_check_interval=...ms`` (PostgreSQL 14+): the server checks
  during a running or waiting query that the client is still there and cancels the
  query when the run gave up (its kernel killed), instead of holding the lock queue.
  Decision: on by default; set ``AUDITLIB_PG_CLIENT_CHECK_MS=0`` for a server older
  than 14 (which refuses unknown settings at connect time).

The runner passes the plan's values (``[source]`` ``connect_timeout_seconds``,
``lock_timeout_seconds``, ``statement_timeout_seconds``) to the snapshot notebook
through the environment (``AUDITLIB_PG_*``), never as notebook parameters; a library
caller without them gets the defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from psycopg.conninfo import conninfo_to_dict, make_conninfo

ENV = {
    "connect": "AUDITLIB_PG_CONNECT_TIMEOUT",
    "lock": "AUDITLIB_PG_LOCK_TIMEOUT",
    "statement": "AUDITLIB_PG_STATEMENT_TIMEOUT",
    "client_check_ms": "AUDITLIB_PG_CLIENT_CHECK_MS",
}


@dataclass(frozen=True)
class PgTimeouts:
    connect: int = 10  # seconds
    lock: int = 30  # seconds
    statement: int = 300  # seconds
    client_check_ms: int = 2000  # 0 = do not set client_connection_check_interval

    @classmethod
    def from_env(cls) -> PgTimeouts:
        d = cls()
        values = {}
        for field, var in ENV.items():
            raw = os.environ.get(var)
            try:
                values[field] = int(raw) if raw not in (None, "") else getattr(d, field)
            except ValueError:
                raise ValueError(f"{var}={raw!r} is not a whole number") from None
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        return {var: str(getattr(self, field)) for field, var in ENV.items()}

    def options(self) -> str:
        opts = f"-c lock_timeout={self.lock * 1000} -c statement_timeout={self.statement * 1000}"
        if self.client_check_ms > 0:
            opts += f" -c client_connection_check_interval={self.client_check_ms}"
        return opts

    def apply(self, conninfo: str) -> str:
        """``conninfo`` with the timeouts added (a user's own ``options`` are kept first).

        >>> PgTimeouts(5, 2, 60, 0).apply("host=db dbname=x")
        "dbname=x host=db options='-c lock_timeout=2000 -c statement_timeout=60000' connect_timeout=5"
        """
        given = conninfo_to_dict(conninfo)
        options = " ".join(str(x) for x in (given.get("options"), self.options()) if x)
        extra: dict[str, str] = {"options": options}
        if not given.get("connect_timeout"):
            extra["connect_timeout"] = str(self.connect)
        return make_conninfo(conninfo, **extra)
