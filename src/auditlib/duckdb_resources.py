"""How much of the machine DuckDB may use: one place for the memory limit, threads and spill directory.

Every DuckDB connection of an audit (the snapshot build with its gates, the rule
notebooks) calls :func:`apply`. With a memory limit DuckDB works out of core:
sorts, joins and aggregates that do not fit spill to ``temp_directory``, so a
snapshot of scale 100 (about 340 million rows) is built and audited in 4 GiB.

Where the values come from, first hit wins:
1. the audit plan's ``[duckdb]`` table (``memory_limit``, ``threads``,
   ``temp_directory``), which the runner hands to its notebook workers as
2. the environment: ``AUDITLIB_DUCKDB_MEMORY_LIMIT`` (a DuckDB size such as
   ``"4GiB"``), ``AUDITLIB_DUCKDB_THREADS`` (an integer >= 1),
   ``AUDITLIB_DUCKDB_TEMP_DIRECTORY`` (a directory with room for the spill);
3. the defaults below: 4 GiB, DuckDB's thread count (all cores), DuckDB's spill
   directory (``<database>.tmp`` beside a database file).

Decision: the default memory limit is 4 GiB, not DuckDB's own 80 % of RAM: the
audit shares its host (here: 2 cores, 8 developers), and a limit that is reached
makes DuckDB spill instead of the kernel killing the process.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import duckdb

DEFAULT_MEMORY_LIMIT = "4GiB"
ENV_MEMORY_LIMIT = "AUDITLIB_DUCKDB_MEMORY_LIMIT"
ENV_THREADS = "AUDITLIB_DUCKDB_THREADS"
ENV_TEMP_DIRECTORY = "AUDITLIB_DUCKDB_TEMP_DIRECTORY"
_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DuckDBResources:
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None  # None: DuckDB's default (the number of cores)
    temp_directory: str | None = None  # None: DuckDB's default spill directory

    def __post_init__(self) -> None:
        if not _SIZE.match(str(self.memory_limit)):
            raise ValueError(
                f"duckdb memory_limit {self.memory_limit!r} is not a size such as '4GiB' or '512MB'"
            )
        if self.threads is not None and (
            not isinstance(self.threads, int) or isinstance(self.threads, bool) or self.threads < 1
        ):
            raise ValueError(f"duckdb threads must be an integer >= 1, got {self.threads!r}")

    @classmethod
    def from_mapping(cls, data: dict[str, Any], where: str = "[duckdb]") -> DuckDBResources:
        unknown = set(data) - {"memory_limit", "threads", "temp_directory"}
        if unknown:
            raise ValueError(
                f"{where}: unknown key(s) {sorted(unknown)}; known: memory_limit, threads, "
                "temp_directory"
            )
        return cls(
            memory_limit=str(data.get("memory_limit", DEFAULT_MEMORY_LIMIT)),
            threads=data.get("threads"),
            temp_directory=data.get("temp_directory") or None,
        )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> DuckDBResources:
        env = os.environ if environ is None else environ
        threads = env.get(ENV_THREADS)
        try:
            n = int(threads) if threads else None
        except ValueError:
            raise ValueError(f"{ENV_THREADS}={threads!r} is not an integer") from None
        return cls(
            memory_limit=env.get(ENV_MEMORY_LIMIT) or DEFAULT_MEMORY_LIMIT,
            threads=n,
            temp_directory=env.get(ENV_TEMP_DIRECTORY) or None,
        )

    def to_env(self) -> dict[str, str]:
        env = {ENV_MEMORY_LIMIT: self.memory_limit}
        if self.threads is not None:
            env[ENV_THREADS] = str(self.threads)
        if self.temp_directory:
            env[ENV_TEMP_DIRECTORY] = self.temp_directory
        return env

    def to_dict(self) -> dict[str, Any]:
        return {
            "memory_limit": self.memory_limit,
            "threads": self.threads,
            "temp_directory": self.temp_directory,
        }

    def apply(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"SET memory_limit = '{self.memory_limit}'")
        if self.threads is not None:
            con.execute(f"SET threads = {int(self.threads)}")
        if self.temp_directory:
            con.execute("SET temp_directory = '" + self.temp_directory.replace("'", "''") + "'")


def apply(
    con: duckdb.DuckDBPyConnection, resources: DuckDBResources | None = None
) -> DuckDBResources:
    """Apply ``resources`` (default: from the environment) to ``con``; returns what was applied."""
    res = resources or DuckDBResources.from_env()
    res.apply(con)
    return res
