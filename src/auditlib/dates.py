"""Date arithmetic of the rule catalogue (spec "Time"), in Python and in DuckDB.

- ``stockholm_date(ts)``: an instant's calendar day in Europe/Stockholm.
- ``add_months(d, n)``: same day-of-month n months later, clamped to the month's
  last day (``dateutil.relativedelta``: 31 Jan + 1 month = 28/29 Feb).
- ``roll(d)``: while d is a Saturday, Sunday or Swedish public holiday
  (Lag 1989:253, ``holidays`` ``categories=("public",)``), d + 1 day. With
  ``count_eves_as_holidays`` the package's ``de_facto`` category (Midsummer Eve,
  Christmas Eve, New Year's Eve) also counts.

The same functions exist as DuckDB macros (``install_date_macros``) so rules
stay in SQL. ``roll`` in SQL looks up a ``_calendar`` table that this module
fills from the ``holidays`` package, so Python and SQL cannot disagree.

The holiday list of the covered years is computed once per ``holidays`` version and
kept in the cache directory (:mod:`auditlib.cache`, ``calendar/``): building it
costs about a second of CPU, which every notebook kernel of a run would pay again.

>>> add_months(date(2024, 1, 31), 1)
datetime.date(2024, 2, 29)
>>> roll(date(2025, 6, 20))  # Midsummer Eve is not a public holiday
datetime.date(2025, 6, 20)
>>> roll(date(2025, 6, 20), count_eves_as_holidays=True)  # ... unless eves count
datetime.date(2025, 6, 23)
>>> stockholm_date(datetime(2024, 3, 30, 23, 30, tzinfo=UTC))
datetime.date(2024, 3, 31)
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

if TYPE_CHECKING:
    import duckdb
    import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TZ_NAME = "Europe/Stockholm"

# The calendar table covers these years; a date outside it makes roll() fail loudly
# (the SQL macro raises an error naming the date) instead of silently not rolling.
CALENDAR_FIRST_YEAR = 1990
CALENDAR_LAST_YEAR = 2100


def stockholm_date(ts: datetime) -> date:
    if ts.tzinfo is None:
        raise ValueError(f"naive timestamp {ts!r}: every timestamp must carry an offset")
    return ts.astimezone(STOCKHOLM).date()


def today_stockholm() -> date:
    return datetime.now(UTC).astimezone(STOCKHOLM).date()


def add_months(d: date, n: int) -> date:
    result: date = d + relativedelta(months=n)
    return result


def _categories(count_eves: bool) -> tuple[str, ...]:
    return ("public", "de_facto") if count_eves else ("public",)


@lru_cache(maxsize=4)
def _swedish_holidays(count_eves: bool) -> holidays.HolidayBase:
    import holidays

    return holidays.country_holidays(
        "SE",
        categories=_categories(count_eves),
        years=range(CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR + 1),
        language="en_US",  # names for reports (holiday_name); membership is the same
    )


def _calendar_cache_file(count_eves: bool) -> Path | None:
    from importlib import metadata

    from auditlib.cache import cache_dir

    try:
        version = metadata.version("holidays")
        folder = cache_dir() / "calendar"
        folder.mkdir(exist_ok=True)
    except (metadata.PackageNotFoundError, OSError):
        return None
    cats = "+".join(_categories(count_eves))
    return folder / f"SE-{cats}-{CALENDAR_FIRST_YEAR}-{CALENDAR_LAST_YEAR}-holidays{version}.json"


@lru_cache(maxsize=4)
def holiday_days(count_eves_as_holidays: bool = False) -> frozenset[date]:
    """The Swedish holidays of the covered years (public; with eves: also ``de_facto``).

    Read from the cache file of this ``holidays`` version when it is there and well
    formed; else computed from the package and written for the next process.
    """
    path = _calendar_cache_file(count_eves_as_holidays)
    if path is not None and path.exists():
        try:
            days = frozenset(date.fromisoformat(d) for d in json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, TypeError):
            days = frozenset()
        if days and all(CALENDAR_FIRST_YEAR <= d.year <= CALENDAR_LAST_YEAR for d in days):
            return days
    days = frozenset(_swedish_holidays(count_eves_as_holidays))
    if path is not None:
        with contextlib.suppress(OSError):  # a read-only cache only costs time
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            tmp.write_text(json.dumps(sorted(d.isoformat() for d in days)), encoding="utf-8")
            os.replace(tmp, path)
    return days


def holiday_name(d: date, count_eves_as_holidays: bool = False) -> str | None:
    """The name of the Swedish holiday on ``d`` (English), from the calendar ``roll`` uses.

    >>> holiday_name(date(2026, 4, 6))
    'Easter Monday'
    """
    return _swedish_holidays(count_eves_as_holidays).get(d)


def is_holiday(d: date, count_eves_as_holidays: bool = False) -> bool:
    """A Swedish public holiday by name (Sundays come from the weekday, not the package)."""
    if CALENDAR_FIRST_YEAR <= d.year <= CALENDAR_LAST_YEAR:
        return d in holiday_days(count_eves_as_holidays)
    return d in _swedish_holidays(count_eves_as_holidays)


def is_non_working_day(d: date, count_eves_as_holidays: bool = False) -> bool:
    return d.weekday() >= 5 or is_holiday(d, count_eves_as_holidays)


def roll(d: date, count_eves_as_holidays: bool = False) -> date:
    while is_non_working_day(d, count_eves_as_holidays):
        d += timedelta(days=1)
    return d


_UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=2)
def _calendar_ordinals(count_eves_as_holidays: bool) -> tuple[range, tuple[int, ...]]:
    """Day ordinals of the covered years and, per day, the ordinal of roll(day).

    One backward pass over integers (weekday of ordinal o is ``(o - 1) % 7``, Monday 0),
    so a kernel pays milliseconds, not the half second of a loop over ``date`` objects.
    """
    first = date(CALENDAR_FIRST_YEAR, 1, 1).toordinal()
    last = date(CALENDAR_LAST_YEAR, 12, 31).toordinal()
    hol = {d.toordinal() for d in holiday_days(count_eves_as_holidays)}
    # Start past the end so the last days roll into a working day too.
    o = nxt = last + 14
    rolled: list[int] = []
    while o >= first:
        if (o - 1) % 7 < 5 and o not in hol:
            nxt = o
        if o <= last:
            rolled.append(nxt)
        o -= 1
    rolled.reverse()
    return range(first, last + 1), tuple(rolled)


@lru_cache(maxsize=2)
def calendar_rows(count_eves_as_holidays: bool = False) -> tuple[tuple[date, date], ...]:
    """(day, roll(day)) for every day of the covered years."""
    days, rolled = _calendar_ordinals(count_eves_as_holidays)
    return tuple(
        (date.fromordinal(d), date.fromordinal(r)) for d, r in zip(days, rolled, strict=True)
    )


def install_date_macros(
    con: duckdb.DuckDBPyConnection, count_eves_as_holidays: bool = False
) -> None:
    """Create ``_calendar`` and the macros ``sthlm_date``, ``add_months``, ``roll`` on ``con``.

    They are TEMP objects: they never end up in a snapshot file.
    """
    import pyarrow as pa

    days, rolled = _calendar_ordinals(count_eves_as_holidays)
    epoch = _UNIX_EPOCH_ORDINAL
    cal = pa.table(
        {
            "day": pa.array([d - epoch for d in days], pa.int32()).cast(pa.date32()),
            "rolled": pa.array([r - epoch for r in rolled], pa.int32()).cast(pa.date32()),
        }
    )
    con.register("_calendar_arrow", cal)
    con.execute("CREATE OR REPLACE TEMP TABLE _calendar AS SELECT day, rolled FROM _calendar_arrow")
    con.unregister("_calendar_arrow")
    con.execute(
        f"CREATE OR REPLACE TEMP MACRO sthlm_date(ts) AS "
        f"CAST(timezone('{TZ_NAME}', CAST(ts AS TIMESTAMPTZ)) AS DATE)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO add_months(d, n) AS "
        "CAST(CAST(d AS DATE) + to_months(CAST(n AS INTEGER)) AS DATE)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP MACRO roll(d) AS "
        "CASE WHEN d IS NULL THEN NULL ELSE coalesce("
        "(SELECT c.rolled FROM _calendar c WHERE c.day = CAST(d AS DATE)), "
        "error('roll(): ' || CAST(d AS VARCHAR) || ' is outside the holiday calendar "
        f"{CALENDAR_FIRST_YEAR}-{CALENDAR_LAST_YEAR} of auditlib.dates')) END"
    )
