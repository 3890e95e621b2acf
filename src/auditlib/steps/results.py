"""``results/<notebook>.json``: what a notebook step hands the runner, as typed objects.

Written by the steps in the notebook kernel (:func:`write_result`), read once by the
runner (:func:`read_result`). Layout (``format_version`` 1)::

    {"format_version": 1, "notebook": "dsr", "as_of": "2025-06-30",
     "environment": {"auditlib": "0.1.0", "python": "3.11.2", "executable": "...",
                     "prefix": "..."},
     "rules": {"DSR-01": {"status", "findings", "error", "severity", "seconds"}},
     "findings": [finding dicts], "observations": {rule_id: [rows]},
     "gates": [...] | null, "snapshot": {...} | null, "source": {...} | null,
     "policy": {...} | null}

``gates``, ``snapshot`` and ``source`` are set by the snapshot step only, ``policy`` by
the policy step (``auditlib.policy``). A file of
another format version, or one that lacks a key, is refused with a message naming
the file and the key (:class:`ResultError`): the runner then fails the notebook's
rules closed. The runner compares ``as_of`` and ``environment`` with its own
(:meth:`Environment.differences`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from auditlib.jsonio import write_json_atomic

FORMAT_VERSION = 1
STATUSES = ("pass", "fail", "error", "skipped")


class ResultError(ValueError):
    """A result file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Environment:
    """Where a step ran: it must be the runner's auditlib, Python and prefix."""

    auditlib: str
    python: str
    executable: str
    prefix: str

    @classmethod
    def current(cls) -> Environment:
        import auditlib

        return cls(auditlib.__version__, sys.version.split()[0], sys.executable, sys.prefix)

    def differences(self, other: Environment) -> list[str]:
        """What differs from ``other`` (the runner's), as sentences; empty when the same."""
        out = []
        if self.auditlib != other.auditlib:
            out.append(f"auditlib {self.auditlib}, not {other.auditlib}")
        if self.python != other.python:
            out.append(f"Python {self.python}, not {other.python}")
        if Path(self.prefix).resolve() != Path(other.prefix).resolve():
            out.append(f"environment {self.prefix}, not {other.prefix}")
        return out


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's (or gate's) status in a result file."""

    status: str
    findings: int
    error: str | None = None
    severity: str | None = None
    seconds: float | None = None


@dataclass
class StepResult:
    notebook: str
    as_of: str
    environment: Environment
    rules: dict[str, RuleOutcome]
    findings: list[dict[str, Any]] = field(default_factory=list)
    observations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gates: list[dict[str, Any]] | None = None
    snapshot: dict[str, Any] | None = None
    source: dict[str, Any] | None = None
    policy: dict[str, Any] | None = None  # the policy step: which text was audited
    engine: dict[str, Any] | None = None  # audit steps: the rule engine (Spark version, master)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {"format_version": d.pop("format_version"), **d}

    @classmethod
    def from_json(cls, data: Any, name: str) -> StepResult:
        """Check and convert the parsed JSON of result file ``name``."""
        if not isinstance(data, dict):
            raise ResultError(f"{name} is not a JSON object")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ResultError(
                f"{name} has format_version {version!r}, this auditlib reads "
                f"{FORMAT_VERSION}: it was written by another version"
            )
        for key, kind in (
            ("notebook", str),
            ("as_of", str),
            ("environment", dict),
            ("rules", dict),
            ("findings", list),
            ("observations", dict),
        ):
            if not isinstance(data.get(key), kind):
                raise ResultError(f"{name} has no {kind.__name__} '{key}'")
        env = data["environment"]
        try:
            environment = Environment(
                **{k: str(env[k]) for k in ("auditlib", "python", "executable", "prefix")}
            )
        except KeyError as exc:
            raise ResultError(f"{name}: environment lacks {exc}") from None
        rules: dict[str, RuleOutcome] = {}
        for rid, r in data["rules"].items():
            if not isinstance(r, dict) or r.get("status") not in STATUSES:
                continue  # the merge reports the rule as having no valid status
            n, secs = r.get("findings"), r.get("seconds")
            rules[rid] = RuleOutcome(
                status=r["status"],
                findings=int(n) if isinstance(n, int | float) and not isinstance(n, bool) else 0,
                error=None if r.get("error") is None else str(r["error"]),
                severity=r.get("severity"),
                seconds=(
                    float(secs)
                    if isinstance(secs, int | float) and not isinstance(secs, bool)
                    else None
                ),
            )
        for key in ("gates", "snapshot", "source", "policy"):
            if data.get(key) is not None and not isinstance(data[key], list | dict):
                raise ResultError(f"{name}: '{key}' is neither null nor an object or list")
        return cls(
            notebook=data["notebook"],
            as_of=data["as_of"],
            environment=environment,
            rules=rules,
            findings=[f for f in data["findings"] if isinstance(f, dict)],
            observations={k: v for k, v in data["observations"].items() if isinstance(v, list)},
            gates=data.get("gates"),
            snapshot=data.get("snapshot"),
            source=data.get("source"),
            policy=data.get("policy"),
            engine=data.get("engine") if isinstance(data.get("engine"), dict) else None,
        )


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def result_path(result_dir: Path | str, notebook: str) -> Path:
    return Path(result_dir) / f"{notebook}.json"


def write_result(result_dir: Path | str, result: StepResult) -> Path:
    """Write ``<result_dir>/<notebook>.json`` atomically."""
    path = result_path(result_dir, result.notebook)
    write_json_atomic(path, result.to_json())
    return path


def read_result(path: Path) -> StepResult:
    """The result file at ``path``; :class:`ResultError` when absent or unusable."""
    if not path.exists():
        raise ResultError(f"{path.name} was not written")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultError(f"{path.name} is not valid JSON: {exc}") from None
    return StepResult.from_json(data, path.name)
