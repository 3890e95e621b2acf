"""The snapshot built on Spark: HMAC equal to Python's, the same rows as the DuckDB snapshot."""

from __future__ import annotations

from typing import Any

import pytest

from auditlib.snapshot.pseudonym import hmac_hex, normalise_email

KEY = b"spark-snapshot-test-key-0123456789"
LONG_KEY = bytes(range(100))  # longer than the block: hashed first
TRICKY = [
    "anna@example.se",
    "  Anna@Example.SE \t",
    "ÅSA.Öberg@exempel.se",
    "\u00e9\u0301 ünïcödé 😀",
    "with space inside",
    "",
    " ",
    "\x0b\f\r\nx\n",
    "\u2028keep-u2028\u2028",
    "x" * 5000,
    None,
]


@pytest.mark.spark
@pytest.mark.parametrize("key", [KEY, LONG_KEY, b"k" * 64], ids=["32", "100", "64"])
def test_spark_hmac_equals_python_hmac(spark: Any, key: bytes) -> None:
    from pyspark.sql import functions as F

    from auditlib.engines.spark.pseudonym import email_norm_column, hmac_column

    df = spark.createDataFrame([(i, v) for i, v in enumerate(TRICKY)], "i INT, v STRING")
    rows = df.select(
        "i",
        hmac_column(F.col("v"), key).alias("h"),
        hmac_column(email_norm_column(F.col("v")), key).alias("e"),
        email_norm_column(F.col("v")).alias("n"),
    ).collect()
    got = {r["i"]: (r["h"], r["e"], r["n"]) for r in rows}
    for i, v in enumerate(TRICKY):
        n = normalise_email(v)
        assert got[i] == (hmac_hex(key, v), hmac_hex(key, n), n), (i, v)
    assert got[len(TRICKY) - 1] == (None, None, None)  # NULL stays NULL
