"""Connection strings: where the password may come from, and what may be shown.

Policy (service-db/README.md, ground rules): a password never travels inside a
connection string, because connection strings end up in shell history, notebook
parameters, logs and reports. libpq finds it itself in ``PGPASSWORD``,
``~/.pgpass`` (``PGPASSFILE``) or a service file (``PGSERVICEFILE``), so we only
refuse; we never read or forward a password ourselves.

Parsing is libpq's own (``psycopg.conninfo.conninfo_to_dict``), so URLs and
``key=value`` strings are understood exactly as the server connection will
understand them, including ``?password=`` query parameters.
"""

from __future__ import annotations

import os

import psycopg
from psycopg.conninfo import conninfo_to_dict


class PasswordInConninfoError(ValueError):
    """A connection string carries a password. The message never contains it."""


_SAFE_KEYS = ("host", "hostaddr", "port", "dbname", "user", "service")


def parse_conninfo(conninfo: str) -> dict[str, str]:
    """libpq's parse of ``conninfo`` (URL or key=value). Raises ValueError if unparsable.

    The error text of libpq is not echoed because it may quote the string.
    """
    try:
        parsed = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError as exc:
        raise ValueError(
            "cannot parse the PostgreSQL connection string; use a postgresql:// URL or "
            "libpq key=value pairs, e.g. 'host=db.example port=5432 dbname=one2many user=auditor'"
        ) from exc
    return {k: str(v) for k, v in parsed.items() if v is not None}


def check_no_password(conninfo: str) -> dict[str, str]:
    """Refuse a password inside ``conninfo``; return the parsed keys (without secrets).

    >>> check_no_password("host=db port=5432 dbname=one2many user=auditor")["user"]
    'auditor'
    >>> check_no_password("postgresql://auditor:s3cret@db/one2many")
    Traceback (most recent call last):
    ...
    auditlib.source.postgres.conninfo.PasswordInConninfoError: the PostgreSQL connection string (host=db dbname=one2many user=auditor) contains a password. Remove it and give the password through the environment (PGPASSWORD), ~/.pgpass or a service file (PGSERVICEFILE) instead.
    """
    parsed = parse_conninfo(conninfo)
    if parsed.get("password"):
        raise PasswordInConninfoError(
            f"the PostgreSQL connection string ({target_label(parsed)}) contains a password. "
            "Remove it and give the password through the environment (PGPASSWORD), "
            "~/.pgpass or a service file (PGSERVICEFILE) instead."
        )
    return {k: v for k, v in parsed.items() if k != "password"}


def target_label(parsed: dict[str, str]) -> str:
    """``host=... port=... dbname=... user=...`` for messages: only non-secret keys."""
    return " ".join(f"{k}={parsed[k]}" for k in _SAFE_KEYS if parsed.get(k))


def effective_target(conninfo: str | dict[str, str]) -> dict[str, str]:
    """Host, port, dbname and user libpq will use: the string, else PG* env vars, else defaults.

    ``conninfo`` is the string or its parse (``SourceSpec.conninfo``). For messages before a
    connection exists (e.g. "cannot connect to host=... port=...").
    """
    parsed = conninfo if isinstance(conninfo, dict) else parse_conninfo(conninfo)
    user = parsed.get("user") or os.environ.get("PGUSER") or _login_name()
    return {
        "host": parsed.get("host")
        or parsed.get("hostaddr")
        or os.environ.get("PGHOST", "localhost"),
        "port": parsed.get("port") or os.environ.get("PGPORT", "5432"),
        "dbname": parsed.get("dbname") or os.environ.get("PGDATABASE") or user,
        "user": user,
    }


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"
