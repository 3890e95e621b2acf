"""PostgreSQL helpers: a throwaway cluster, loading an export with COPY, conninfo checks.

- ``auditlib.pg.cluster.ThrowawayCluster``: initdb + pg_ctl in a temp dir (tests, sandbox).
- ``auditlib.pg.load.load_export``: schema.sql + streamed COPY of an export directory.
- ``auditlib.pg.conninfo``: refuse passwords inside connection strings; describe a target.

The live *source* (reading PostgreSQL into a snapshot) is ``auditlib.source.postgres``.
"""
