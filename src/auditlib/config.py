"""Rule parameters: one typed object, defaults from spec/audit-rules.md "Parameters".

A plan (``audits/*.toml``) may override these and the rules' severities, nothing
else; unknown names are refused so a typo cannot silently fall back to a default.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

EU27 = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
EEA_EXTRA = frozenset({"IS", "LI", "NO"})
DEFAULT_ALLOWED_COUNTRIES = tuple(sorted(EU27 | EEA_EXTRA))
SEVERITIES = ("critical", "high", "medium", "low", "info")


def normalise_country(code: str) -> str:
    """Upper-case a country code and read the EU's ``EL`` as ISO ``GR`` (spec).

    The same normalisation in SQL is the macro ``norm_country(c)`` (:data:`COUNTRY_MACRO_SQL`,
    installed with the rule parameters), which the SUB rules and the notebook charts use.
    """
    c = code.strip().upper()
    return "GR" if c == "EL" else c


# normalise_country in DuckDB (NULL stays NULL); a TEMP macro, so it works on a read-only snapshot.
COUNTRY_MACRO_SQL = (
    "CREATE OR REPLACE TEMP MACRO norm_country(c) AS "
    "CASE WHEN upper(trim(c)) = 'EL' THEN 'GR' ELSE upper(trim(c)) END"
)


@dataclass(frozen=True)
class Params:
    offboarding_grace_months: int = 1
    support_ticket_retention_months: int = 24
    cookie_consent_retention_months: int = 13
    login_event_retention_months: int = 12
    accounting_retention_years: int = 7
    subprocessor_notice_days: int = 30
    notice_required_since: date = date(2018, 5, 25)
    dsr_due_soon_days: int = 7
    count_eves_as_holidays: bool = False
    allowed_countries: tuple[str, ...] = field(default=DEFAULT_ALLOWED_COUNTRIES)

    def __post_init__(self) -> None:
        norm = tuple(sorted({normalise_country(c) for c in self.allowed_countries}))
        object.__setattr__(self, "allowed_countries", norm)
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.type in ("int",) and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                raise ValueError(f"parameter {f.name} must be a non-negative integer, got {v!r}")

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> Params:
        values = dict(values or {})
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"unknown rule parameter(s) {unknown}; known: {sorted(names)}")
        if isinstance(values.get("notice_required_since"), str):
            values["notice_required_since"] = date.fromisoformat(values["notice_required_since"])
        if "allowed_countries" in values:
            ac = values["allowed_countries"]
            if isinstance(ac, str):
                ac = [c for c in ac.replace(",", " ").split() if c]
            values["allowed_countries"] = tuple(ac)
        if "count_eves_as_holidays" in values and not isinstance(
            values["count_eves_as_holidays"], bool
        ):
            raise ValueError("parameter count_eves_as_holidays must be true or false")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["notice_required_since"] = self.notice_required_since.isoformat()
        d["allowed_countries"] = list(self.allowed_countries)
        return d
