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

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

if TYPE_CHECKING:
    import duckdb

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


@lru_cache(maxsize=4)
def _swedish_holidays(count_eves: bool) -> holidays.HolidayBase:
    categories: tuple[str, ...] = ("public", "de_facto") if count_eves else ("public",)
    return holidays.country_holidays(
        "SE",
        categories=categories,
        years=range(CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR + 1),
        language="en_US",  # names for reports (holiday_name); membership is the same
    )


def holiday_name(d: date, count_eves_as_holidays: bool = False) -> str | None:
    """The name of the Swedish holiday on ``d`` (English), from the calendar ``roll`` uses.

    >>> holiday_name(date(2026, 4, 6))
    'Easter Monday'
    """
    return _swedish_holidays(count_eves_as_holidays).get(d)


def is_holiday(d: date, count_eves_as_holidays: bool = False) -> bool:
    """A Swedish public holiday by name (Sundays come from the weekday, not the package)."""
    return d in _swedish_holidays(count_eves_as_holidays)


def is_non_working_day(d: date, count_eves_as_holidays: bool = False) -> bool:
    return d.weekday() >= 5 or is_holiday(d, count_eves_as_holidays)


def roll(d: date, count_eves_as_holidays: bool = False) -> date:
    while is_non_working_day(d, count_eves_as_holidays):
        d += timedelta(days=1)
    return d


@lru_cache(maxsize=2)
def calendar_rows(count_eves_as_holidays: bool = False) -> tuple[tuple[date, date], ...]:
    """(day, roll(day)) for every day of the covered years, computed backwards in one pass."""
    first, last = date(CALENDAR_FIRST_YEAR, 1, 1), date(CALENDAR_LAST_YEAR, 12, 31)
    # Start past the end so the last days roll into a working day too.
    d = last + timedelta(days=14)
    nxt = d
    out: list[tuple[date, date]] = []
    while d >= first:
        if not is_non_working_day(d, count_eves_as_holidays):
            nxt = d
        if d <= last:
            out.append((d, nxt))
        d -= timedelta(days=1)
    out.reverse()
    return tuple(out)


def install_date_macros(con: duckdb.DuckDBPyConnection,
                        count_eves_as_holidays: bool = False) -> None:
    """Create ``_calendar`` and the macros ``sthlm_date``, ``add_months``, ``roll`` on ``con``.

    They are TEMP objects: they never end up in a snapshot file.
    """
    import pyarrow as pa

    days, rolled = zip(*calendar_rows(count_eves_as_holidays), strict=True)
    cal = pa.table({"day": pa.array(days, pa.date32()), "rolled": pa.array(rolled, pa.date32())})
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
