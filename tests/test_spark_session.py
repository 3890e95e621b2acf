"""The SparkSession helper: version floor, memory cap, one-line install hints, lazy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from auditlib.engines.spark import session as S


def test_spark_before_3_is_refused() -> None:
    with pytest.raises(S.SparkUnavailable, match=r"Spark 2\.4\.8 is too old.*add_months"):
        S.check_spark_version("2.4.8")
    S.check_spark_version("3.0.0")
    S.check_spark_version("4.3.0")


def test_driver_memory_is_capped_at_4g() -> None:
    pytest.importorskip("pyspark")
    with pytest.raises(ValueError, match="exceeds 4g"):
        S.get_session(driver_memory="8g")
    assert S._memory_gb("4g") == 4 and S._memory_gb("512m") == 0.5


def test_missing_pyspark_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(S.SparkUnavailable) as exc:
        S.require_pyspark()
    assert str(exc.value) == "the Spark engine needs pyspark: pip install 'auditlib[spark]'"


def test_missing_java_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nojava"))
    with pytest.raises(S.SparkUnavailable, match="apt-get install default-jre-headless"):
        S.require_java()


def test_missing_jdbc_jar_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("AUDITLIB_JDBC_JAR", str(tmp_path / "nojar.jar"))
    with pytest.raises(S.SparkUnavailable) as exc:
        S.jdbc_jar()
    assert str(exc.value) == (
        f"no PostgreSQL JDBC driver at {tmp_path / 'nojar.jar'}: "
        "apt-get install libpostgresql-jdbc-java or set AUDITLIB_JDBC_JAR"
    )
    (tmp_path / "nojar.jar").write_bytes(b"PK")
    assert S.jdbc_jar() == str(tmp_path / "nojar.jar")


def test_pinned_settings() -> None:
    assert S.PINNED_CONF["spark.sql.session.timeZone"] == "UTC"
    assert S.PINNED_CONF["spark.sql.jsonGenerator.ignoreNullFields"] == "false"
    assert S.PINNED_CONF["spark.sql.ansi.enabled"] == "true"


def test_the_duckdb_path_never_imports_pyspark() -> None:
    code = (
        "import sys, auditlib.steps.audit, auditlib.cli, auditlib.cli.snapshot, auditlib.runner.run, "
        "auditlib.rules, auditlib.engines; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pyspark', 'sqlglot', 'py4j')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.spark
def test_session_is_pinned_and_described(spark: Any) -> None:
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    info = S.describe_session(spark)
    assert info["engine"] == "spark" and info["master"].startswith("local")
    assert info["spark_version"].split(".")[0] >= "3"
    # the JDBC driver jar (live PostgreSQL, engines.spark.jdbc) is loaded at creation
    if os.path.isfile(S.jdbc_jar_path()):
        assert S.jdbc_jar_path() in spark.conf.get("spark.jars").split(",")
