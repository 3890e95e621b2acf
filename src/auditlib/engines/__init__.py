"""Execution engines besides the embedded DuckDB one (optional extras, imported lazily).

``auditlib.engines.spark`` runs the same rule catalogue on Apache Spark (``auditlib[spark]``).
Nothing on the DuckDB path imports this package's sub-packages.
"""

ENGINES = ("duckdb", "spark")
DEFAULT_ENGINE = "duckdb"
