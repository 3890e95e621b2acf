"""What ``--source`` means: an export directory, a PostgreSQL conninfo, or ``demo``.

``demo`` generates the demo export for the audit day into a cache directory
(``$AUDITLIB_CACHE`` or ``~/.cache/auditlib``) and reuses it on the next run
with the same day, scale and seed, so JupyterLab and cron runs stay quick.

A password inside a PostgreSQL URL or ``key=value`` string is refused: it would
end up in papermill parameters, the executed notebook and shell history. libpq
takes it from ``PGPASSWORD``, ``~/.pgpass`` or a service file instead.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEMO = "demo"


class SourceSpecError(ValueError):
    """``--source`` cannot be used as given; the message says what to pass instead."""


@dataclass(frozen=True)
class ResolvedSource:
    kind: str  # 'export' | 'postgres' | 'demo'
    spec: str  # what the snapshot notebook receives: a directory or a conninfo without password
    demo: dict | None = None  # scale, seed, ground_truth path for demo sources


def cache_dir() -> Path:
    """Where generated demo data and default notebook snapshots live."""
    env = os.environ.get("AUDITLIB_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "auditlib"
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return base


def demo_export(as_of: date, scale: float = 0.05, seed: int = 7) -> Path:
    """The demo export for ``as_of`` (generated once per day, scale and seed; then reused).

    ``generate_export`` writes atomically (temp dir + rename) and puts
    ``ground_truth.json`` beside the export, so a half-written export is never reused.
    """
    from auditlib.demo import generate_export

    base = cache_dir() / "demo" / f"{as_of.isoformat()}-scale{scale:g}-seed{seed}"
    export = base / "export"
    if (export / "manifest.json").exists() and (base / "ground_truth.json").exists():
        return export
    generate_export(export, scale=scale, seed=seed, as_of=as_of, fmt="parquet", overwrite=True)
    return export


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
        from auditlib.redaction import redact
        from auditlib.source.masking import mask_secrets

        # never echo a (mistyped) connection string with its password
        hint = ("; a URL must start with postgresql:// or postgres:// (lower case, two "
                "slashes)" if re.match(r"\s*[A-Za-z][\w+.-]*:", s) else "")
        raise SourceSpecError(
            f"source {redact(mask_secrets(s), 300)!r} is neither an export directory, a "
            "postgresql:// URL, a libpq key=value string, nor 'demo'; pass one of those with "
            f"--source{hint}"
        )
    return ResolvedSource("export", str(p.resolve()))
