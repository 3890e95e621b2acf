"""Calendar anchors for planted cases, found relative to ``as_of``.

Planted cases must work for any audit day D, so every edge (Easter, Ascension,
Midsummer Eve, Christmas, Epiphany, a 31 January) is searched for backwards
from D with the same arithmetic the rules use (``auditlib.dates``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from dateutil.easter import easter

from auditlib.config import Params
from auditlib.dates import add_months, roll


class Deadlines:
    """DSR deadlines of the spec: ``due_1m`` and ``due_3m`` of a received day."""

    def __init__(self, params: Params) -> None:
        self.eves = params.count_eves_as_holidays

    def due1(self, received: date) -> date:
        return roll(add_months(received, 1), self.eves)

    def due3(self, received: date) -> date:
        return roll(add_months(received, 3), self.eves)

    def next_working(self, d: date) -> date:
        return roll(d, self.eves)


def days(start: date, stop: date) -> Iterable[date]:
    """start, start - 1, ..., stop (inclusive, backwards)."""
    d = start
    while d >= stop:
        yield d
        d -= timedelta(days=1)


def latest(pred: Callable[[date], bool], start: date, stop: date) -> date | None:
    """The latest day in [stop, start] satisfying ``pred``."""
    return next((d for d in days(start, stop) if pred(d)), None)


def received_for(target: set[date], before: date) -> date | None:
    """The latest received day R <= ``before`` whose add_months(R, 1) is in ``target``."""
    return latest(lambda r: add_months(r, 1) in target, before, before - timedelta(days=800))


def latest_easter(d: date, margin: int) -> date:
    """Easter Sunday of the latest year where Easter + ``margin`` days <= d."""
    y = d.year
    while easter(y) + timedelta(days=margin) > d:
        y -= 1
    return easter(y)


def latest_yearly(d: date, make: Callable[[int], date], margin: int) -> date:
    """``make(year)`` of the latest year where it + ``margin`` days <= d."""
    y = d.year
    while make(y) + timedelta(days=margin) > d:
        y -= 1
    return make(y)


def midsummer_eve(year: int) -> date:
    """The Friday between 19 and 25 June."""
    d = date(year, 6, 19)
    return d + timedelta(days=(4 - d.weekday()) % 7)


def last_before_limit(months: int, d: date) -> date:
    """Largest X with add_months(X, months) < d: the newest day that is already past a limit."""
    x = add_months(d, -months)
    while add_months(x, months) >= d:
        x -= timedelta(days=1)
    return x
