"""What ``--source`` names: the one parser, used by the CLI, the runner, the kernel and
``PostgresSource``.

``parse_source_spec(text)`` classifies, in this order (the first match wins):

1. ``demo`` (any case) -> the generated demo export (``auditlib run``/notebooks materialise
   it for the audit day; a directory called ``demo`` is given as ``./demo``);
2. a URL whose scheme is ``postgresql://`` or ``postgres://``, in any case -> PostgreSQL;
3. an existing directory -> an export directory, even if its name contains ``=``;
4. a libpq ``key=value`` string (it starts with ``word=``) -> PostgreSQL, so a path that
   does not exist but contains ``=`` later on (``/data/run=1``) is not a conninfo;
5. anything else is refused with what to pass instead (an existing file: "a file, not an
   export directory").

A PostgreSQL spec is parsed once, by libpq's own parser (``psycopg``), and refused when it
carries a password (connection strings end up in shell history, notebook parameters and
reports; libpq finds the password in ``PGPASSWORD``, ``~/.pgpass`` or a service file). The
parsed keys travel in :attr:`SourceSpec.conninfo`, so nothing downstream parses again.
Messages never echo something that may be a mistyped URL with a password in it.

>>> parse_source_spec("DEMO").kind
'demo'
>>> parse_source_spec("PostgreSQL://auditor@db/one2many").conninfo["dbname"]
'one2many'
>>> parse_source_spec("host=db dbname=one2many user=auditor").kind
'postgres'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from auditlib.redaction import mask_secrets, redact
from auditlib.source.base import SourceError

DEMO = "demo"
SourceKind = Literal["export", "postgres", "demo"]

_URL_RE = re.compile(r"^postgres(?:ql)?://", re.I)
# libpq key=value: a keyword and "=" at the start (what libpq itself requires).
_KEYVALUE_RE = re.compile(r"^\w+\s*=")


class SourceSpecError(SourceError, ValueError):
    """``--source`` cannot be used as given; the message says what to pass instead."""


@dataclass(frozen=True)
class SourceSpec:
    """A classified ``--source``: ``text`` is a resolved directory, the conninfo as typed
    (no password: refused), or ``demo``; ``conninfo`` holds libpq's parse (PostgreSQL)."""

    kind: SourceKind
    text: str
    conninfo: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def path(self) -> Path:
        if self.kind != "export":
            raise ValueError(f"a {self.kind} source has no export directory")
        return Path(self.text)


def parse_source_spec(text: str) -> SourceSpec:
    """Classify ``text`` (see the module docstring). Raises :class:`SourceSpecError`."""
    s = text.strip()
    if not s:
        raise SourceSpecError(
            "no source given: pass an export directory, a postgresql:// URL or 'demo'"
        )
    if s.lower() == DEMO:
        return SourceSpec("demo", DEMO)
    if _URL_RE.match(s):  # libpq knows the scheme in lower case only
        return _postgres(_URL_RE.sub(lambda m: m.group(0).lower(), s, count=1))
    path = Path(s).expanduser()
    if path.is_dir():
        return SourceSpec("export", str(path.resolve()))
    if _KEYVALUE_RE.match(s):
        return _postgres(s)
    shown = repr(redact(mask_secrets(s), 300))  # a mistyped URL is shown without its password
    if path.exists():
        raise SourceSpecError(
            f"source {shown} is a file, not an export directory: point --source at the "
            "directory that holds the table files (users.parquet, users.csv, ...)"
        )
    raise SourceSpecError(
        f"source {shown} is neither an existing export directory, a PostgreSQL connection "
        "string (postgresql://user@host/db or 'host=... dbname=... user=...') nor 'demo'; "
        "pass one of those with --source"
    )


def _postgres(s: str) -> SourceSpec:
    from auditlib.source.postgres.conninfo import check_no_password

    try:
        parsed = check_no_password(s)
    except ValueError as exc:  # a password inside, or unparsable: never echoes the string
        raise SourceSpecError(str(exc)) from None
    return SourceSpec("postgres", s, parsed)
