"""Planted cases: true findings for every rule id, edge cases and near misses.

One module per rule family (:mod:`.retention`, :mod:`.subprocessors`, :mod:`.dsr`,
:mod:`.quality`), registered in :data:`FAMILIES` under the rule-id prefix it plants for;
the machinery (``Planter``, ``Truth``) is :mod:`.core`. Every planted row is deterministic
given ``as_of`` (no randomness, ids from ``PLANT_BASE`` upwards, allocated in the order of
:data:`FAMILIES`), so the planted set is the same at every scale and seed. ``Truth``
records what the rules must find (``expected``), what they must NOT find although it looks
close (``near_misses``) and the customers under a legal hold in force (``held_customers``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from auditlib.config import Params
from auditlib.demo.frame import Tables
from auditlib.demo.planted import dsr, quality, retention, subprocessors
from auditlib.demo.planted.core import MISSING_RECIPIENT, PLANT_BASE, Planter, Truth

__all__ = [
    "FAMILIES",
    "MISSING_RECIPIENT",
    "PLANT_BASE",
    "Planter",
    "Truth",
    "plant",
    "planter_for",
]

# rule-id prefix -> the family's planter; the order is the id allocation order (keep it).
FAMILIES: dict[str, Callable[[Planter], None]] = {
    "RET": retention.plant,
    "SUB": subprocessors.plant,
    "DSR": dsr.plant,
    "DQ": quality.plant,
}


def planter_for(rule_id: str) -> Callable[[Planter], None]:
    """The planter of the family ``rule_id`` belongs to (``RET-03`` -> retention)."""
    return FAMILIES[rule_id.split("-", 1)[0]]


def plant(t: Tables, d: date, params: Params) -> Planter:
    p = Planter(t, d, params)
    for family in FAMILIES.values():
        family(p)
    p.flush()
    return p
