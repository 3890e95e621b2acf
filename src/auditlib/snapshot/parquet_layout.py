"""What a Spark snapshot directory holds (one place for the names).

``<snapshot>/<table>/`` Parquet per schema table, and the metadata tables of the DuckDB
snapshot (``auditlib.snapshot.metadata``) under names without the leading ``_``: Spark skips
files and directories whose names start with ``_`` or ``.`` when reading. Inside a Spark
session they are registered as temp views under the DuckDB names (``_snapshot_meta``,
``_extraction_issues``, ...), so the gate SQL reads the same names on both engines.
"""

from __future__ import annotations

from auditlib.snapshot.metadata import GATES_TABLE, ISSUES_TABLE, META_TABLE

TABLES_TABLE = "_snapshot_tables"
# DuckDB table name -> directory in a Spark snapshot
METADATA_DIRS = {
    META_TABLE: "snapshot_meta",
    TABLES_TABLE: "snapshot_tables",
    ISSUES_TABLE: "extraction_issues",
    GATES_TABLE: "audit_gates",
}
META_DIR = METADATA_DIRS[META_TABLE]
GATES_DIR = METADATA_DIRS[GATES_TABLE]
MARKER = "auditlib-spark-snapshot.json"  # written last: a directory without it is no snapshot

# metadata columns holding JSON text (DuckDB's JSON type in a .duckdb snapshot)
JSON_COLUMNS = {
    META_TABLE: ("value",),
    TABLES_TABLE: ("columns",),
    GATES_TABLE: ("details",),
}
SCHEMAS = {
    META_TABLE: "key STRING, value STRING",
    TABLES_TABLE: "table_name STRING, origin STRING, format STRING, rows_source BIGINT, "
    "rows_snapshot BIGINT, input_sha256 STRING, columns STRING",
    ISSUES_TABLE: "kind STRING, table_name STRING, column_name STRING, row_ref STRING, "
    "rows_affected BIGINT, message STRING",
    GATES_TABLE: "gate_id STRING, table_name STRING, status STRING, rows_affected BIGINT, "
    "message STRING, details STRING",
}
