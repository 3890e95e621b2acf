"""The rule catalogue on Apache Spark (``pip install 'auditlib[spark]'``).

- :mod:`.session`: the one SparkSession helper (master, memory, UTC, pinned SQL behaviour).
- :mod:`.compile`: the catalogue's DuckDB SQL compiled to Spark SQL (sqlglot + rewrites).
- :mod:`.tables`: snapshot tables registered as Spark temp views.
- :mod:`.rules`: :func:`evaluate_rules_spark`, the twin of :func:`auditlib.rules.evaluate_rules`.

pyspark is imported only inside functions, so importing this package never needs it.
"""
