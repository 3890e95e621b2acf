"""Audit plans (``audits/<name>.toml``): what a run does, typed and validated.

A plan names the notebooks to run (snapshot first), the rule parameters (the
names of :class:`auditlib.config.Params` only), severities per rule id, and how
to execute (per-notebook timeout, parallelism). Anything else is refused with
the file and the key, so a typo never silently falls back to a default.

Example::

    name = "monthly"
    description = "..."
    notebooks = ["snapshot", "retention", "subprocessors", "dsr"]
    [params]
    offboarding_grace_months = 1
    [severities]
    "RET-08" = "low"
    [execution]
    timeout_seconds = 900
    cell_timeout_seconds = 600
    parallelism = 2
    run_timeout_seconds = 3600
    [source]
    default = "demo"
    demo_scale = 0.05
    demo_seed = 7
    connect_timeout_seconds = 10     # PostgreSQL: libpq connect_timeout
    lock_timeout_seconds = 30        # PostgreSQL: lock_timeout of the snapshot's session
    statement_timeout_seconds = 300  # PostgreSQL: statement_timeout of the snapshot's session
    [duckdb]                  # auditlib.duckdb_resources: DuckDB spills to disk past the limit
    memory_limit = "4GiB"
    threads = 2
    temp_directory = "/var/tmp/auditlib-spill"
    [engine]                 # optional: where the rules run (default: embedded DuckDB)
    name = "spark"           # "duckdb" | "spark" (auditlib[spark]); --engine overrides
    spark_master = "local[2]"  # a master URL (spark://, yarn, k8s://); --spark-master overrides
    [report]
    pdf = true          # also write index.pdf into the run (needs the `pdf` extra)

A plan may name the privacy policy it audits: ``policy = "policy/integritetspolicy.txt"``
(relative to the plan file). The run then also runs the ``policy`` notebook (POL rules).

Time limits (decisions, issue 12): ``run_timeout_seconds`` bounds the whole run; the
default, one hour, is a few times the expected run of the monthly plan on the service's
data (minutes) and far above the demo's (about a minute). When it passes, running
notebooks are killed, pending ones are not started, their rules are ``error`` and the
run exits 2 with the reason. The PostgreSQL timeouts end a stalled snapshot with a
message instead of waiting for the cell timeout: 10 s to connect, 30 s to wait for a
lock (another session holding a lock on a table), 300 s for one statement (a table is
read in many small statements by the scanner's parallel scan).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditlib.config import SEVERITIES, Params
from auditlib.duckdb_resources import DuckDBResources
from auditlib.gate_registry import GATE_IDS as DQ_GATE_IDS

AUDIT_NOTEBOOKS = ("retention", "subprocessors", "dsr")
SNAPSHOT_NOTEBOOK = "snapshot"

_TOP_KEYS = {
    "name",
    "description",
    "notebooks",
    "params",
    "severities",
    "execution",
    "source",
    "policy",
    "report",
    "duckdb",
    "engine",
}
POLICY_NOTEBOOK = "policy"
_EXECUTION_KEYS = {"timeout_seconds", "cell_timeout_seconds", "parallelism", "run_timeout_seconds"}
_PG_TIMEOUT_KEYS = ("connect_timeout_seconds", "lock_timeout_seconds", "statement_timeout_seconds")
_SOURCE_KEYS = {"default", "demo_scale", "demo_seed", *_PG_TIMEOUT_KEYS}
_ENGINE_KEYS = {"name", "spark_master"}
ENGINES = ("duckdb", "spark")
_REPORT_KEYS = {"pdf"}


class PlanError(ValueError):
    """A plan file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Execution:
    timeout_seconds: int = 900  # wall-clock limit per notebook (the runner kills the process)
    cell_timeout_seconds: int = 600  # papermill/nbclient execution_timeout per cell
    parallelism: int = 2  # audit notebooks run at the same time (the machine has 2 cores)
    run_timeout_seconds: int = 3600  # the whole run (snapshot + audits); see the module doc


@dataclass(frozen=True)
class SourceDefaults:
    default: str | None = None  # used when ``auditlib run`` gets no --source
    demo_scale: float = 0.05  # `--source demo`: small enough to be quick
    demo_seed: int = 7
    connect_timeout_seconds: int = 10
    lock_timeout_seconds: int = 30
    statement_timeout_seconds: int = 300


@dataclass(frozen=True)
class ReportSettings:
    pdf: bool = False  # write index.pdf into the run before it is sealed (`pdf` extra)


@dataclass(frozen=True)
class EngineSettings:
    name: str = "duckdb"  # where the audit notebooks evaluate the rules
    spark_master: str | None = None  # engine "spark": master URL; None = local[2]

    def notebook_parameters(self) -> dict[str, Any]:
        """Papermill parameters of the audit notebooks (none for the default engine, so
        plans without [engine] run the notebooks exactly as before)."""
        if self.name == "duckdb":
            return {}
        return {"engine": self.name, "spark_master": self.spark_master}


@dataclass(frozen=True)
class Plan:
    name: str
    path: Path | None
    sha256: str | None
    description: str = ""
    notebooks: tuple[str, ...] = (SNAPSHOT_NOTEBOOK, *AUDIT_NOTEBOOKS)
    params: Params = field(default_factory=Params)
    severities: dict[str, str] = field(default_factory=dict)  # overrides only
    execution: Execution = field(default_factory=Execution)
    source: SourceDefaults = field(default_factory=SourceDefaults)
    engine: EngineSettings = field(default_factory=EngineSettings)
    duckdb: DuckDBResources = field(default_factory=DuckDBResources)
    policy: Path | None = None  # the privacy policy text the POL rules audit (absolute)
    report: ReportSettings = field(default_factory=ReportSettings)

    @property
    def audit_notebooks(self) -> tuple[str, ...]:
        return tuple(n for n in self.notebooks if n != SNAPSHOT_NOTEBOOK)

    def describe(self) -> dict[str, Any]:
        """The ``plan`` object of summary.json."""
        return {
            "name": self.name,
            "path": str(self.path) if self.path else None,
            "sha256": self.sha256,
            "description": self.description,
        }


def _known_rule_ids() -> set[str]:
    from auditlib.policy.rules import load_policy_rules
    from auditlib.rules.catalogue_loader import load_catalogue

    return set(load_catalogue()) | set(DQ_GATE_IDS) | set(load_policy_rules())


def _check_keys(where: str, data: dict[str, Any], allowed: set[str], origin: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PlanError(
            f"{origin}: unknown key(s) {unknown} in {where}; allowed: {sorted(allowed)}"
        )


def _positive_int(origin: str, key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise PlanError(f"{origin}: {key} must be a positive integer, got {value!r}")
    return value


def parse_plan(
    data: dict[str, Any], origin: str, path: Path | None = None, sha256: str | None = None
) -> Plan:
    """Validate a parsed plan mapping; ``origin`` names it in every error."""
    _check_keys("the plan", data, _TOP_KEYS, origin)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PlanError(f"{origin}: key 'name' is required (a non-empty string)")
    if not all(c.isalnum() or c in "-_" for c in name):
        raise PlanError(f"{origin}: key 'name' {name!r} may hold only letters, digits, - and _")

    notebooks = tuple(data.get("notebooks", (SNAPSHOT_NOTEBOOK, *AUDIT_NOTEBOOKS)))
    if not notebooks or notebooks[0] != SNAPSHOT_NOTEBOOK:
        raise PlanError(
            f"{origin}: key 'notebooks' must start with 'snapshot', got {list(notebooks)}"
        )
    bad = [n for n in notebooks[1:] if n not in AUDIT_NOTEBOOKS]
    if bad or len(set(notebooks)) != len(notebooks):
        raise PlanError(
            f"{origin}: key 'notebooks' holds unknown or repeated notebooks {bad or list(notebooks)}; "
            f"known: {[SNAPSHOT_NOTEBOOK, *AUDIT_NOTEBOOKS]}"
        )

    try:
        params = Params.from_mapping(data.get("params") or {})
    except (ValueError, TypeError) as exc:
        raise PlanError(f"{origin}: key 'params': {exc}") from exc

    severities = dict(data.get("severities") or {})
    known = _known_rule_ids()
    for rule_id, sev in severities.items():
        if rule_id not in known:
            raise PlanError(
                f"{origin}: key 'severities.{rule_id}': unknown rule id; known: {sorted(known)}"
            )
        if sev not in SEVERITIES:
            raise PlanError(
                f"{origin}: key 'severities.{rule_id}': severity {sev!r} "
                f"is not one of {list(SEVERITIES)}"
            )

    ex = data.get("execution") or {}
    _check_keys("[execution]", ex, _EXECUTION_KEYS, origin)
    d = Execution()
    execution = Execution(
        timeout_seconds=_positive_int(
            origin, "execution.timeout_seconds", ex.get("timeout_seconds", d.timeout_seconds)
        ),
        cell_timeout_seconds=_positive_int(
            origin,
            "execution.cell_timeout_seconds",
            ex.get("cell_timeout_seconds", d.cell_timeout_seconds),
        ),
        parallelism=_positive_int(
            origin, "execution.parallelism", ex.get("parallelism", d.parallelism)
        ),
        run_timeout_seconds=_positive_int(
            origin,
            "execution.run_timeout_seconds",
            ex.get("run_timeout_seconds", d.run_timeout_seconds),
        ),
    )

    src = data.get("source") or {}
    _check_keys("[source]", src, _SOURCE_KEYS, origin)
    sd = SourceDefaults()
    scale = src.get("demo_scale", sd.demo_scale)
    if not isinstance(scale, int | float) or isinstance(scale, bool) or scale <= 0:
        raise PlanError(
            f"{origin}: key 'source.demo_scale' must be a positive number, got {scale!r}"
        )
    default = src.get("default")
    if default is not None and not isinstance(default, str):
        raise PlanError(f"{origin}: key 'source.default' must be a string")
    timeouts = {
        k: _positive_int(origin, f"source.{k}", src.get(k, getattr(sd, k)))
        for k in _PG_TIMEOUT_KEYS
    }
    source = SourceDefaults(
        default=default,
        demo_scale=float(scale),
        demo_seed=int(src.get("demo_seed", sd.demo_seed)),
        **timeouts,
    )

    eng = data.get("engine") or {}
    _check_keys("[engine]", eng, _ENGINE_KEYS, origin)
    engine_name = eng.get("name", "duckdb")
    if engine_name not in ENGINES:
        raise PlanError(
            f"{origin}: key 'engine.name' {engine_name!r} is not one of {list(ENGINES)}"
        )
    master = eng.get("spark_master")
    if master is not None and (not isinstance(master, str) or not master.strip()):
        raise PlanError(f"{origin}: key 'engine.spark_master' must be a master URL string")
    engine = EngineSettings(name=engine_name, spark_master=master)

    rep = data.get("report") or {}
    _check_keys("[report]", rep, _REPORT_KEYS, origin)
    if not isinstance(rep.get("pdf", False), bool):
        raise PlanError(f"{origin}: key 'report.pdf' must be true or false, got {rep.get('pdf')!r}")

    try:
        duck = DuckDBResources.from_mapping(data.get("duckdb") or {}, f"{origin}: [duckdb]")
    except ValueError as exc:
        raise PlanError(
            f"{origin}: {exc}" if not str(exc).startswith(origin) else str(exc)
        ) from None

    return Plan(
        name=name,
        path=path,
        sha256=sha256,
        description=str(data.get("description", "")),
        notebooks=notebooks,
        params=params,
        severities=severities,
        execution=execution,
        source=source,
        report=ReportSettings(pdf=bool(rep.get("pdf", False))),
        policy=_policy_path(data, origin, path),
        duckdb=duck,
        engine=engine,
    )


def _policy_path(data: dict[str, Any], origin: str, path: Path | None) -> Path | None:
    """``policy = "..."``: relative to the plan file; it must exist (a run never audits
    a text it cannot read)."""
    value = data.get("policy")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise PlanError(f"{origin}: key 'policy' must be a path (a non-empty string)")
    p = Path(value).expanduser()
    if not p.is_absolute():
        p = (path.parent if path is not None else Path.cwd()) / p
    if not p.is_file():
        raise PlanError(f"{origin}: key 'policy': {p} is not a readable file")
    return p.resolve()


def load_plan(path: str | Path) -> Plan:
    """Read and validate ``audits/<name>.toml``. Raises :class:`PlanError` naming file and key."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PlanError(
            f"{p}: cannot read the plan file ({exc.strerror}); pass an existing file with --plan"
        ) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PlanError(f"{p}: not valid TOML: {exc}") from exc
    return parse_plan(data, str(p), path=p, sha256=hashlib.sha256(raw).hexdigest())


PUBLISHED_POLICY = Path("audits") / "policy" / "integritetspolicy.txt"


def published_policy() -> Path | None:
    """The project's published policy in this checkout (None in an installed package)."""
    import auditlib

    p = Path(auditlib.__file__).resolve().parents[2] / PUBLISHED_POLICY
    return p if p.is_file() else None


def default_plan() -> Plan:
    """The plan used without --plan (e.g. ``--source demo``): every notebook, spec defaults,
    and the project's published policy when the checkout has it."""
    return Plan(
        name="default",
        path=None,
        sha256=None,
        description="spec defaults",
        policy=published_policy(),
    )
