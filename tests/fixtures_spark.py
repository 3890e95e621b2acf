"""The one local Spark session of a test run (tests marked ``spark``).

Session-scoped: starting Spark costs tens of seconds, so every ``spark`` test shares it
(``local[2]``, driver memory 2 GiB, the pinned settings of auditlib.engines.spark.session).
When pyspark or Java is missing the tests skip with the one line saying what to install
(``make setup`` installs both, so CI runs them).
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Any:
    from auditlib.engines.spark.session import SparkUnavailable, get_session

    try:
        # tiny data: one shuffle partition saves task start-ups, answers are the same
        session = get_session("local[2]", driver_memory="2g", app_name="auditlib-tests",
                              extra_conf={"spark.sql.shuffle.partitions": "1"})
    except SparkUnavailable as exc:
        pytest.skip(str(exc))
    yield session
    session.stop()
