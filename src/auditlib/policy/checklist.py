"""The policy checklist (``data/policy_checklist.toml``): typed, with compiled patterns.

Every pattern must use bounded quantifiers only (``{0,n}``, ``?``): no ``*``, ``+`` or
``{n,}`` outside a character class. With no unbounded repetition there is nothing for a
regular expression engine to backtrack catastrophically over, so matching stays linear in
the length of a sentence. :func:`check_bounded` enforces it when the file is loaded.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

CHECKLIST = "data/policy_checklist.toml"
SCOPES = ("sentence", "section", "document")


class ChecklistError(ValueError):
    """The checklist file is malformed; the message names the entry and key."""


def check_bounded(pattern: str, where: str) -> None:
    """Refuse ``*``, ``+`` and ``{n,}`` outside character classes (linear-time matching)."""
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c in "*+":
            raise ChecklistError(
                f"{where}: pattern {pattern!r} has an unbounded '{c}'; "
                "use a bounded quantifier such as {0,40}"
            )
        elif c == "{" and re.match(r"\{\d{1,4},\}", pattern[i : i + 7]):
            raise ChecklistError(f"{where}: pattern {pattern!r} has an open-ended {{n,}}")
        i += 1


def _compile(patterns: Any, where: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ChecklistError(f"{where}: expected a list of pattern strings")
    out = []
    for p in patterns:
        check_bounded(p, where)
        try:
            out.append(re.compile(p))
        except re.error as exc:
            raise ChecklistError(f"{where}: pattern {p!r} does not compile: {exc}") from exc
    return tuple(out)


def any_match(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    for p in patterns:
        m = p.search(text)
        if m:
            return m
    return None


@dataclass(frozen=True)
class Element:
    id: str
    title_en: str
    title_sv: str
    article: str
    severity: str
    scope: str
    groups: tuple[tuple[re.Pattern[str], ...], ...]
    trigger: tuple[re.Pattern[str], ...] = ()
    trigger_unless: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Narrowing:
    id: str
    article: str
    point_en: str
    groups: tuple[tuple[re.Pattern[str], ...], ...]
    unless: tuple[re.Pattern[str], ...] = ()

    def matches(self, norm: str) -> bool:
        return all(any_match(g, norm) for g in self.groups) and not any_match(self.unless, norm)


@dataclass(frozen=True)
class Superseded:
    name: str
    kind: str
    patterns: tuple[re.Pattern[str], ...]
    replaced_by: str
    since: date
    successor: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Checklist:
    elements: tuple[Element, ...]
    narrowings: tuple[Narrowing, ...]
    superseded: tuple[Superseded, ...]
    delegation: tuple[re.Pattern[str], ...]
    retention_article: str
    retention_context: tuple[re.Pattern[str], ...]
    retention_vague: tuple[re.Pattern[str], ...]
    retention_concrete: tuple[re.Pattern[str], ...]
    version_keywords: tuple[re.Pattern[str], ...]
    version_dates: tuple[re.Pattern[str], ...]
    dangling: frozenset[str]
    placeholders: tuple[re.Pattern[str], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def element(self, element_id: str) -> Element:
        for e in self.elements:
            if e.id == element_id:
                return e
        raise KeyError(element_id)


def parse_checklist(data: dict[str, Any], origin: str = CHECKLIST) -> Checklist:
    elements = []
    for i, e in enumerate(data.get("element", [])):
        where = f"{origin} element[{i}] {e.get('id', '?')}"
        for k in ("id", "title_en", "title_sv", "article", "severity", "scope", "groups"):
            if k not in e:
                raise ChecklistError(f"{where}: missing key {k!r}")
        if e["scope"] not in SCOPES:
            raise ChecklistError(f"{where}: scope {e['scope']!r} not in {SCOPES}")
        elements.append(
            Element(
                e["id"],
                e["title_en"],
                e["title_sv"],
                e["article"],
                e["severity"],
                e["scope"],
                tuple(_compile(g, f"{where} groups") for g in e["groups"]),
                _compile(e.get("trigger", []), f"{where} trigger"),
                _compile(e.get("trigger_unless", []), f"{where} trigger_unless"),
            )
        )
    narrowings = []
    for i, n in enumerate(data.get("narrowing", [])):
        where = f"{origin} narrowing[{i}] {n.get('id', '?')}"
        narrowings.append(
            Narrowing(
                n["id"],
                n["article"],
                n["point_en"],
                tuple(_compile(g, f"{where} groups") for g in n["groups"]),
                _compile(n.get("unless", []), f"{where} unless"),
            )
        )
    superseded = []
    for i, s in enumerate(data.get("superseded", [])):
        where = f"{origin} superseded[{i}] {s.get('name', '?')}"
        since = s["since"]
        if not isinstance(since, date):
            raise ChecklistError(f"{where}: 'since' must be a TOML date")
        superseded.append(
            Superseded(
                s["name"],
                s["kind"],
                _compile(s["patterns"], where),
                s["replaced_by"],
                since,
                _compile(s.get("successor", []), where),
            )
        )
    rv, vd = data["retention_vague"], data["version_date"]
    ids = [e.id for e in elements] + [n.id for n in narrowings]
    if len(ids) != len(set(ids)):
        raise ChecklistError(f"{origin}: element/narrowing ids are not unique")
    return Checklist(
        elements=tuple(elements),
        narrowings=tuple(narrowings),
        superseded=tuple(superseded),
        delegation=_compile(data.get("delegation", []), f"{origin} delegation"),
        retention_article=rv["article"],
        retention_context=_compile(rv["context"], f"{origin} retention_vague.context"),
        retention_vague=_compile(rv["vague"], f"{origin} retention_vague.vague"),
        retention_concrete=_compile(rv["concrete"], f"{origin} retention_vague.concrete"),
        version_keywords=_compile(vd["keywords"], f"{origin} version_date.keywords"),
        version_dates=_compile(vd["dates"], f"{origin} version_date.dates"),
        dangling=frozenset(data["truncation"]["dangling"]),
        placeholders=_compile(
            data["truncation"].get("placeholders", []), f"{origin} truncation.placeholders"
        ),
        raw=data,
    )


@lru_cache(maxsize=1)
def load_checklist() -> Checklist:
    text = resources.files("auditlib").joinpath(CHECKLIST).read_text(encoding="utf-8")
    return parse_checklist(tomllib.loads(text))
