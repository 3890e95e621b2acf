"""Live PostgreSQL as a snapshot source (:mod:`.source`) and its connection strings
(:mod:`.conninfo`: libpq's parse, passwords refused, the target named without secrets)."""

from auditlib.source.postgres.source import (
    APPLICATION_NAME,
    PostgresSource,
    normalise_pg_type,
    scanner_extension_path,
)

__all__ = ["APPLICATION_NAME", "PostgresSource", "normalise_pg_type", "scanner_extension_path"]
