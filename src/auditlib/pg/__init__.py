"""PostgreSQL sandbox and loading tools: a throwaway cluster, loading an export with COPY.

- ``auditlib.pg.cluster.ThrowawayCluster``: initdb + pg_ctl in a temp dir (tests, sandbox).
- ``auditlib.pg.load.load_export``: schema.sql + streamed COPY of an export directory.

The live *source* (reading PostgreSQL into a snapshot) and its connection-string policy
(``conninfo``: passwords refused, a target described without secrets) are
``auditlib.source.postgres``.
"""
