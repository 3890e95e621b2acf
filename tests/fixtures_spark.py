"""The one local Spark session of a test run (tests marked ``spark``).

Session-scoped: starting Spark costs tens of seconds, so every ``spark`` test shares it
(``local[2]``, driver memory 2 GiB, the pinned settings of auditlib.engines.spark.session).
When pyspark or Java is missing the tests skip with the one line saying what to install
(``make setup`` installs both, so CI runs them).
"""

from __future__ import annotations

from typing import Any

import pytest

TINY_DATA_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    # short-lived JVM doing many tiny queries: the C1 compiler only, a small serial GC
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC -XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


@pytest.fixture(scope="session")
def spark() -> Any:
    from auditlib.engines.spark.session import SparkUnavailable, get_session

    try:
        # Tiny data: one shuffle partition, no whole-stage code generation (compiling the
        # generated Java of every query costs more than running it), no adaptive re-planning,
        # a JVM tuned for short runs. These change how Spark executes, never what it answers.
        session = get_session(
            "local[2]", driver_memory="2g", app_name="auditlib-tests", extra_conf=TINY_DATA_CONF
        )
    except SparkUnavailable as exc:
        pytest.skip(str(exc))
    yield session
    session.stop()
