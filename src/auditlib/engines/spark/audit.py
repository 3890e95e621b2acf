"""``run_audit(engine="spark")``: a snapshot's rules evaluated by Spark.

A Parquet snapshot built by Spark (``auditlib run --engine spark``: a directory,
:mod:`.snapshot`) is read in place: its tables and its gate rows. A DuckDB snapshot file
(minimised, pseudonymised, with its gate results) is staged as Parquet, one directory per
table the rules read, and Spark evaluates the rules on it
(:func:`.rules.evaluate_rules_spark`).
The staging directory holds pseudonymised data: it is created 0700 under
``$AUDITLIB_SPARK_STAGING`` (a path every executor can read: on a cluster a shared mount)
or the system temp directory, and removed when the rules are done.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from auditlib.config import Params
from auditlib.rules.engine import RuleResult, resolve_rule_ids
from auditlib.rules.guards import rule_guards

STAGING_ENV = "AUDITLIB_SPARK_STAGING"


def evaluate_snapshot(
    snapshot_path: str | Path,
    as_of: date,
    params: Params,
    rule_ids: list[str],
    severities: dict[str, str] | None = None,
    master: str | None = None,
) -> tuple[list[RuleResult], dict[str, Any]]:
    """Evaluate ``rule_ids`` on the snapshot with Spark; (results, engine description)."""
    import duckdb

    from auditlib.engines.spark.rules import evaluate_rules_spark
    from auditlib.engines.spark.session import describe_session, get_session
    from auditlib.engines.spark.tables import (
        gate_rows_from_duckdb,
        register_from_parquet,
        write_parquet_from_duckdb,
    )

    spark = get_session(master)
    if Path(snapshot_path).is_dir():  # a Parquet snapshot built by Spark: read in place
        from auditlib.engines.spark.gates import read_gate_rows
        from auditlib.schema import load_schema

        register_from_parquet(spark, Path(snapshot_path), list(load_schema().tables))
        rows = read_gate_rows(spark, snapshot_path)
        results = evaluate_rules_spark(
            spark,
            as_of,
            params,
            rule_ids,
            severities,
            gate_rows=None
            if rows is None
            else [(r.gate_id, r.table_name, r.status, r.message) for r in rows],
        )
        return results, describe_session(spark)
    rules = resolve_rule_ids(rule_ids)
    needed = sorted(
        {t for r in rules for t in r.tables} | {g.table for r in rules for g in rule_guards(r)}
    )
    base = os.environ.get(STAGING_ENV) or None
    staging = Path(tempfile.mkdtemp(prefix="auditlib-spark-", dir=base))
    os.chmod(staging, 0o700)
    try:
        with duckdb.connect(str(snapshot_path), read_only=True) as con:
            gate_rows = gate_rows_from_duckdb(con)
            write_parquet_from_duckdb(con, staging, needed)
        register_from_parquet(spark, staging, needed)
        results = evaluate_rules_spark(
            spark, as_of, params, rule_ids, severities, gate_rows=gate_rows
        )
        for name in needed:
            spark.catalog.dropTempView(name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return results, describe_session(spark)
