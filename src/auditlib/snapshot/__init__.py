"""Snapshot: the minimised, pseudonymised DuckDB copy of the service database.

- :mod:`~auditlib.snapshot.builder`: ``build_snapshot(source, out_path, gates=, key=, progress=)`` (gates handed in by
  the caller: ``auditlib.quality.build_gated_snapshot``);
- :mod:`~auditlib.snapshot.minimisation`: the plan from ``data/minimisation.toml`` and the
  generated ``docs/data-minimisation.md``;
- :mod:`~auditlib.snapshot.pseudonym`: the key, e-mail normalisation, HMAC in DuckDB;
- :mod:`~auditlib.snapshot.metadata`: ``_snapshot_meta``, ``_snapshot_tables``,
  ``_extraction_issues``;
- :mod:`~auditlib.snapshot.atomic`: build in a private temp dir, publish with ``os.replace``.
"""

from auditlib.snapshot.builder import SnapshotError, SnapshotInfo, build_snapshot
from auditlib.snapshot.metadata import read_meta
from auditlib.snapshot.minimisation import load_minimisation, render_markdown
from auditlib.snapshot.pseudonym import KEY_ENV, hmac_hex, normalise_email

__all__ = [
    "KEY_ENV",
    "SnapshotError",
    "SnapshotInfo",
    "build_snapshot",
    "hmac_hex",
    "load_minimisation",
    "normalise_email",
    "read_meta",
    "render_markdown",
]
