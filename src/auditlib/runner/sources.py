"""What ``--source`` means: an export directory, a PostgreSQL conninfo, or ``demo``.

``demo`` generates the demo export for the audit day into a cache directory
(``$AUDITLIB_CACHE`` or ``~/.cache/auditlib``) and reuses it on the next run
with the same day, scale and seed, so JupyterLab and cron runs stay quick.

A password inside a PostgreSQL URL or ``key=value`` string is refused: it would
end up in papermill parameters, the executed notebook and shell history. libpq
takes it from ``PGPASSWORD``, ``~/.pgpass`` or a service file instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from auditlib.cache import cache_dir, demo_export

DEMO = "demo"
__all__ = ["DEMO", "ResolvedSource", "SourceSpecError", "cache_dir", "demo_export",
           "is_postgres_spec", "resolve_source"]


class SourceSpecError(ValueError):
    """``--source`` cannot be used as given; the message says what to pass instead."""


@dataclass(frozen=True)
class ResolvedSource:
    kind: str  # 'export' | 'postgres' | 'demo'
    spec: str  # what the snapshot notebook receives: a directory or a conninfo without password
    demo: dict | None = None  # scale, seed, ground_truth path for demo sources


def is_postgres_spec(spec: str) -> bool:
    s = spec.strip()
    return s.startswith(("postgresql://", "postgres://")) or ("=" in s and not Path(s).exists())


def resolve_source(spec: str, as_of: date, *, demo_scale: float = 0.05,
                   demo_seed: int = 7) -> ResolvedSource:
    """Check ``spec`` and turn it into what the snapshot notebook is given."""
    s = spec.strip()
    if s == DEMO:
        out = demo_export(as_of, demo_scale, demo_seed)
        return ResolvedSource("demo", str(out), {"scale": demo_scale, "seed": demo_seed,
                                                 "export": str(out)})
    if is_postgres_spec(s):
        from auditlib.pg.conninfo import PasswordInConninfoError, check_no_password

        try:
            check_no_password(s)
        except PasswordInConninfoError as exc:
            raise SourceSpecError(str(exc)) from None
        except ValueError as exc:
            raise SourceSpecError(str(exc)) from None
        return ResolvedSource("postgres", s)
    p = Path(s).expanduser()
    if not p.is_dir():
        raise SourceSpecError(
            f"source {s!r} is neither an export directory, a postgresql:// URL, a libpq "
            "key=value string, nor 'demo'; pass one of those with --source"
        )
    return ResolvedSource("export", str(p.resolve()))
