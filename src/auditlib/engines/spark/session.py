"""The one SparkSession helper of auditlib.

Every Spark run goes through :func:`get_session`: ``local[2]`` unless a master URL is given,
driver memory at most 4 GiB, session time zone UTC (instants are turned into Stockholm days
explicitly, never through the session zone), NULL fields kept in ``to_json`` (evidence keeps
its NULL keys as DuckDB's does) and ANSI SQL behaviour pinned on, so an overflow or a bad cast
raises (the rule is then ``error``) instead of silently becoming NULL. Spark before 3.0 is
refused: it (and Hive) moves a month's last day to the next month's last day in
``add_months``, which breaks the spec's deadline arithmetic.
"""

from __future__ import annotations

import os
import shutil
import warnings
from typing import Any

DEFAULT_MASTER = "local[2]"
MAX_DRIVER_MEMORY_GB = 4
DEFAULT_DRIVER_MEMORY = "2g"
LOCAL_SHUFFLE_PARTITIONS = "4"
MIN_SPARK = (3, 0)
INSTALL_HINT = "pip install 'auditlib[spark]'"
JDBC_JAR = "/usr/share/java/postgresql.jar"  # Debian's libpostgresql-jdbc-java
JDBC_JAR_ENV = "AUDITLIB_JDBC_JAR"
JDBC_HINT = "apt-get install libpostgresql-jdbc-java or set AUDITLIB_JDBC_JAR"
JAVA_HINT = (
    "install a Java 17+ runtime (Debian: apt-get install default-jre-headless) or set JAVA_HOME"
)

# Settings that make Spark's answers those of the spec (and of the DuckDB engine).
PINNED_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.jsonGenerator.ignoreNullFields": "false",
    "spark.sql.ansi.enabled": "true",
    # DuckDB's a || NULL is NULL; keep Spark's concat NULL-propagating too (default, pinned).
    "spark.sql.function.concatBinaryAsString": "false",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


class SparkUnavailable(RuntimeError):
    """Spark cannot be used here; the message is one line saying what to install."""


def _parse_version(text: str) -> tuple[int, int]:
    parts = text.split(".")
    return int(parts[0]), int(parts[1])


def check_spark_version(version: str) -> None:
    """Refuse Spark before 3.0 (its add_months moves a month's last day to the next last day)."""
    if _parse_version(version) < MIN_SPARK:
        raise SparkUnavailable(
            f"Spark {version} is too old: auditlib needs Spark >= 3.0 (earlier add_months moves "
            f"a month's last day to the next month's last day); {INSTALL_HINT}"
        )


def _memory_gb(value: str) -> float:
    v = value.strip().lower()
    units = {"k": 1 / 1024**2, "m": 1 / 1024, "g": 1.0, "t": 1024.0}
    if v and v[-1] in units:
        return float(v[:-1]) * units[v[-1]]
    if v.endswith("b") and v[-2:-1] in units:
        return float(v[:-2]) * units[v[-2]]
    return float(v) / 1024**3


def require_pyspark() -> Any:
    """The pyspark module, or :class:`SparkUnavailable` with one line on what to install."""
    try:
        import pyspark
    except ImportError:
        raise SparkUnavailable(f"the Spark engine needs pyspark: {INSTALL_HINT}") from None
    check_spark_version(pyspark.__version__)
    return pyspark


def require_java() -> str:
    """The java executable Spark will use, or :class:`SparkUnavailable`."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise SparkUnavailable(f"the Spark engine needs Java, none found: {JAVA_HINT}")
    return java


def jdbc_jar_path() -> str:
    """Where the PostgreSQL JDBC driver jar should be: ``$AUDITLIB_JDBC_JAR`` or Debian's."""
    return os.environ.get(JDBC_JAR_ENV) or JDBC_JAR


def jdbc_jar() -> str:
    """The PostgreSQL JDBC driver jar (live PostgreSQL through Spark), or SparkUnavailable."""
    jar = jdbc_jar_path()
    if not os.path.isfile(jar):
        raise SparkUnavailable(f"no PostgreSQL JDBC driver at {jar}: {JDBC_HINT}")
    return jar


def get_session(
    master: str | None = None,
    driver_memory: str = DEFAULT_DRIVER_MEMORY,
    app_name: str = "auditlib",
    extra_conf: dict[str, str] | None = None,
) -> Any:
    """The SparkSession (created once per process; later calls return the same one).

    ``master`` defaults to ``local[2]`` (or ``$AUDITLIB_SPARK_MASTER``); a cluster URL
    (``spark://``, ``yarn``, ``k8s://``) works the same. The pinned settings are re-applied
    to an existing session, so a session made elsewhere cannot change the answers.
    """
    # pyspark warns about every pandas release newer than it was tested with; auditlib hands
    # Spark no pandas objects on the audit path, so keep the notebooks' output clean.
    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    require_pyspark()
    if _memory_gb(driver_memory) > MAX_DRIVER_MEMORY_GB:
        raise ValueError(
            f"driver memory {driver_memory} exceeds {MAX_DRIVER_MEMORY_GB}g: the driver only "
            "plans queries and collects findings; give executors the memory instead"
        )
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is None:
        require_java()
        builder = (
            SparkSession.builder.master(
                master or os.environ.get("AUDITLIB_SPARK_MASTER") or DEFAULT_MASTER
            )
            .appName(app_name)
            .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
            .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
            .config("spark.driver.memory", driver_memory)
            # silent from the start (Spark >= 3.5; setLogLevel below for older ones)
            .config("spark.log.level", "OFF")
        )
        chosen = master or os.environ.get("AUDITLIB_SPARK_MASTER") or DEFAULT_MASTER
        if chosen.startswith("local"):
            # a local session talks to itself only: bind the driver to the loopback address
            builder = builder.config("spark.driver.host", "127.0.0.1").config(
                "spark.driver.bindAddress", "127.0.0.1"
            )
            # two local cores: few shuffle partitions (measured: BENCHMARKS.md). A cluster
            # keeps its own setting (Spark's 200 with adaptive coalescing, or the
            # cluster's spark-defaults), which large data needs.
            builder = builder.config("spark.sql.shuffle.partitions", LOCAL_SHUFFLE_PARTITIONS)
        conf = {**PINNED_CONF, **(extra_conf or {})}
        jar = jdbc_jar_path()
        if os.path.isfile(jar):  # the JDBC source (engines.spark.jdbc); jars load at start only
            conf["spark.jars"] = ",".join(j for j in (conf.get("spark.jars"), jar) if j)
        for key, value in conf.items():
            builder = builder.config(key, value)
        active = builder.getOrCreate()
        # Spark's own log lines quote the rows a task failed on (a malformed CSV record, a
        # failed cast), i.e. personal data in clear on the terminal: auditlib reports every
        # failure itself (named by table, column and key), so the JVM log stays silent.
        active.sparkContext.setLogLevel("OFF")
    check_spark_version(active.version)
    for key, value in PINNED_CONF.items():
        if not key.startswith(("spark.ui.", "spark.sql.shuffle", "spark.sql.adaptive")):
            active.conf.set(key, value)
    return active


def describe_session(spark: Any) -> dict[str, str]:
    """Engine facts for summary.json: Spark version and master (never a secret)."""
    return {"engine": "spark", "spark_version": spark.version, "master": spark.sparkContext.master}
