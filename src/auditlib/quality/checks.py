"""The outcome of one expectation on one table, whichever backend evaluated it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SAMPLE_SIZE = 5


@dataclass
class CheckResult:
    """One expectation's result. ``error`` set = it could not be evaluated (never a pass).

    ``samples`` name rows by primary key (``user_id=42``), never by personal data;
    ``values`` holds offending values only for domain checks (enum/country), which
    are not personal data.
    """

    check_id: str
    gate_id: str
    check: str
    expectation_type: str
    table: str
    columns: tuple[str, ...]
    backend: str  # 'duckdb' | 'gx-pandas' | 'catalog'
    unexpected_count: int = 0
    element_count: int | None = None
    samples: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.error is None and self.unexpected_count == 0

    def to_details(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "check_id": self.check_id,
            "check": self.check,
            "expectation": self.expectation_type,
            "columns": list(self.columns),
            "backend": self.backend,
            "unexpected": self.unexpected_count,
            "sample_ids": self.samples[:SAMPLE_SIZE],
        }
        if self.values:
            d["values"] = self.values[:SAMPLE_SIZE]
        if self.error:
            d["error"] = self.error
        d.update(self.extra)
        return d


def expectation_columns(exp: dict[str, Any]) -> tuple[str, ...]:
    kw = exp["kwargs"]
    if "column" in kw:
        return (kw["column"],)
    if "column_list" in kw:
        return tuple(kw["column_list"])
    if "column_A" in kw:
        return (kw["column_A"], kw["column_B"])
    if "column" in exp.get("meta", {}):
        return (exp["meta"]["column"],)
    return ()


def new_result(table: str, exp: dict[str, Any], backend: str) -> CheckResult:
    meta = exp.get("meta", {})
    extra = {}
    if meta.get("parent_table"):
        extra["parent"] = f"{meta['parent_table']}.{meta.get('parent_column', '')}"
    return CheckResult(
        check_id=meta.get("check_id", exp["type"]),
        gate_id=meta.get("gate", "?"),
        check=meta.get("check", exp["type"]),
        expectation_type=exp["type"],
        table=table,
        columns=expectation_columns(exp),
        backend=backend,
        extra=extra,
    )


def format_ref(pk: tuple[str, ...], values: tuple[Any, ...]) -> str:
    """``user_id=42`` / ``message_id=1, recipient_id=7``; floats from pandas print as ints.

    >>> format_ref(("message_id", "recipient_id"), (1.0, None))
    'message_id=1, recipient_id=NULL'
    """
    parts = []
    for c, v in zip(pk, values, strict=True):
        if v is None or (isinstance(v, float) and v != v):
            s = "NULL"
        elif isinstance(v, float) and v.is_integer():
            s = str(int(v))
        else:
            s = str(v)
        parts.append(f"{c}={s}")
    return ", ".join(parts)
