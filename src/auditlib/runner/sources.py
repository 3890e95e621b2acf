"""``--source`` made ready for a run: classified by the one parser
(:func:`auditlib.source.spec.parse_source_spec`: an export directory, a PostgreSQL
conninfo, or ``demo``), and ``demo`` materialised.

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

from auditlib.demo.cached import demo_export
from auditlib.source.spec import SourceSpecError, parse_source_spec

__all__ = ["ResolvedSource", "SourceSpecError", "resolve_source"]


@dataclass(frozen=True)
class ResolvedSource:
    kind: str  # 'export' | 'postgres' | 'demo'
    spec: str  # what the snapshot notebook receives: a directory or a conninfo without password
    demo: dict | None = None  # scale, seed, ground_truth path for demo sources


def resolve_source(
    spec: str, as_of: date, *, demo_scale: float = 0.05, demo_seed: int = 7
) -> ResolvedSource:
    """Check ``spec`` and turn it into what the snapshot notebook is given.

    Raises :class:`SourceSpecError` (what to pass instead; never echoes a password).
    """
    parsed = parse_source_spec(spec)
    if parsed.kind == "demo":
        out = demo_export(as_of, demo_scale, demo_seed)
        return ResolvedSource(
            "demo", str(out), {"scale": demo_scale, "seed": demo_seed, "export": str(out)}
        )
    return ResolvedSource(parsed.kind, parsed.text)
