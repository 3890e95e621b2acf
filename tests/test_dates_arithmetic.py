"""auditlib.dates: add_months, roll, stockholm_date, and the SQL macros that mirror them.

Expected holidays were checked against the installed ``holidays`` package (SE, category
"public"): Whit Monday is not a Swedish holiday; Midsummer Eve, Christmas Eve and New
Year's Eve are only in the "de_facto" category (``count_eves_as_holidays``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import duckdb
import pytest

from auditlib.dates import add_months, install_date_macros, is_non_working_day, roll, stockholm_date


def D(s: str) -> date:  # noqa: N802 - reads like a literal in the tables below
    return date.fromisoformat(s)


ADD_MONTHS = [
    ("2025-01-31", 1, "2025-02-28"),
    ("2024-01-31", 1, "2024-02-29"),  # leap year
    ("2024-02-29", 12, "2025-02-28"),  # 29 Feb -> 28 Feb next year
    ("2024-02-29", 48, "2028-02-29"),
    ("2024-03-31", -1, "2024-02-29"),  # negative months clamp too
    ("2025-03-31", -1, "2025-02-28"),
    ("2024-08-31", -6, "2024-02-29"),
    ("2025-01-15", -13, "2023-12-15"),
    ("2025-05-31", 1, "2025-06-30"),
    ("2025-12-31", 2, "2026-02-28"),
    ("2025-10-31", 13, "2026-11-30"),
    ("2025-01-31", 0, "2025-01-31"),
    ("2025-02-28", 1, "2025-03-28"),  # not "last day of month" arithmetic
]


@pytest.mark.parametrize(("d", "n", "expected"), ADD_MONTHS)
def test_add_months(d: str, n: int, expected: str) -> None:
    assert add_months(D(d), n) == D(expected)


ROLL = [
    # (day, expected without eves, expected with eves)
    ("2025-03-12", "2025-03-12", "2025-03-12"),  # an ordinary Wednesday
    ("2025-03-15", "2025-03-17", "2025-03-17"),  # Saturday -> Monday
    ("2025-03-16", "2025-03-17", "2025-03-17"),  # Sunday -> Monday
    ("2025-04-18", "2025-04-22", "2025-04-22"),  # Good Friday -> past Easter Monday
    ("2025-04-19", "2025-04-22", "2025-04-22"),  # Easter Saturday
    ("2026-04-06", "2026-04-07", "2026-04-07"),  # Easter Monday
    ("2025-05-01", "2025-05-02", "2025-05-02"),  # 1 May (Thursday)
    ("2025-05-29", "2025-05-30", "2025-05-30"),  # Ascension Day (Thursday)
    ("2025-06-06", "2025-06-09", "2025-06-09"),  # National Day (Friday) -> Monday
    ("2024-06-06", "2024-06-07", "2024-06-07"),  # National Day (Thursday)
    ("2025-06-09", "2025-06-09", "2025-06-09"),  # Whit Monday is a working day
    ("2025-06-20", "2025-06-20", "2025-06-23"),  # Midsummer Eve: only with eves
    ("2025-06-21", "2025-06-23", "2025-06-23"),  # Midsummer Day (a Saturday)
    ("2026-06-19", "2026-06-19", "2026-06-22"),  # Midsummer Eve 2026
    ("2025-10-31", "2025-10-31", "2025-10-31"),  # the Friday before All Saints' Day
    ("2025-11-01", "2025-11-03", "2025-11-03"),  # All Saints' Day (a Saturday)
    ("2025-12-24", "2025-12-24", "2025-12-29"),  # Christmas Eve: only with eves
    ("2025-12-25", "2025-12-29", "2025-12-29"),  # Christmas Day, Boxing Day, weekend
    ("2024-12-26", "2024-12-27", "2024-12-27"),  # Boxing Day (Thursday)
    ("2025-12-31", "2025-12-31", "2026-01-02"),  # New Year's Eve: only with eves
    ("2026-01-01", "2026-01-02", "2026-01-02"),  # New Year's Day
    ("2026-01-06", "2026-01-07", "2026-01-07"),  # Epiphany (Tuesday)
    ("2025-01-06", "2025-01-07", "2025-01-07"),  # Epiphany (Monday)
    ("2024-12-24", "2024-12-24", "2024-12-27"),  # Christmas Eve 2024 (Tuesday)
]


@pytest.mark.parametrize(("d", "plain", "with_eves"), ROLL)
def test_roll(d: str, plain: str, with_eves: str) -> None:
    assert roll(D(d)) == D(plain)
    assert roll(D(d), count_eves_as_holidays=True) == D(with_eves)


def test_non_working_days() -> None:
    assert is_non_working_day(D("2025-06-21"))  # Midsummer Day
    assert not is_non_working_day(D("2025-06-20"))  # Midsummer Eve
    assert is_non_working_day(D("2025-06-20"), count_eves_as_holidays=True)
    assert not is_non_working_day(D("2025-06-09"))  # Whit Monday


STOCKHOLM_DATES = [
    # winter, UTC+1
    ("2025-01-31T22:30:00+00:00", "2025-01-31"),
    ("2025-01-31T23:30:00+00:00", "2025-02-01"),
    # summer, UTC+2
    ("2025-07-31T21:30:00+00:00", "2025-07-31"),
    ("2025-07-31T22:30:00+00:00", "2025-08-01"),
    ("2025-05-31T22:30:00+00:00", "2025-06-01"),
    # the DST switch days (30 Mar and 26 Oct 2025, at 01:00 UTC)
    ("2025-03-29T23:30:00+00:00", "2025-03-30"),  # still CET
    ("2025-03-30T22:30:00+00:00", "2025-03-31"),  # CEST already
    ("2025-10-25T22:30:00+00:00", "2025-10-26"),  # still CEST
    ("2025-10-26T22:30:00+00:00", "2025-10-26"),  # CET again: 23:30
    # other offsets are instants like any other
    ("2025-01-31T18:30:00-05:00", "2025-02-01"),  # 23:30 UTC
    ("2025-02-01T00:15:00+01:00", "2025-02-01"),
]


@pytest.mark.parametrize(("ts", "expected"), STOCKHOLM_DATES)
def test_stockholm_date(ts: str, expected: str) -> None:
    assert stockholm_date(datetime.fromisoformat(ts)) == D(expected)


def test_stockholm_date_refuses_naive_timestamps() -> None:
    with pytest.raises(ValueError, match="naive"):
        stockholm_date(datetime(2025, 1, 31, 22, 30))


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "eves"])
def macros(request: pytest.FixtureRequest) -> tuple[duckdb.DuckDBPyConnection, bool]:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'America/New_York'")  # the session zone must not matter
    install_date_macros(con, request.param)
    return con, request.param


@pytest.mark.parametrize(("d", "n", "expected"), ADD_MONTHS)
def test_sql_add_months_table(
    macros: tuple[duckdb.DuckDBPyConnection, bool], d: str, n: int, expected: str
) -> None:
    con, _ = macros
    assert con.execute("SELECT add_months(?::DATE, ?)", [D(d), n]).fetchone()[0] == D(expected)


@pytest.mark.parametrize(("ts", "expected"), STOCKHOLM_DATES)
def test_sql_sthlm_date_table(
    macros: tuple[duckdb.DuckDBPyConnection, bool], ts: str, expected: str
) -> None:
    con, _ = macros
    got = con.execute("SELECT sthlm_date(?::TIMESTAMPTZ)", [ts]).fetchone()[0]
    assert got == D(expected)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_sql_macros_agree_with_python_every_day(
    macros: tuple[duckdb.DuckDBPyConnection, bool],
) -> None:
    """Every day of 2023-2027 (and around the calendar's edges): roll, add_months, sthlm_date."""
    con, eves = macros
    days = _days(date(2023, 1, 1), date(2027, 12, 31)) + _days(date(1990, 1, 1), date(1990, 1, 10))
    con.execute("CREATE OR REPLACE TEMP TABLE _days (d DATE)")
    con.executemany("INSERT INTO _days VALUES (?)", [(d,) for d in days])
    rows = con.execute(
        "SELECT d, roll(d), add_months(d, -13), add_months(d, -1), add_months(d, 1), "
        "add_months(d, 12), "
        "sthlm_date(CAST(d AS TIMESTAMP) AT TIME ZONE 'UTC' + INTERVAL 21 HOUR + INTERVAL 30 MINUTE), "
        "sthlm_date(CAST(d AS TIMESTAMP) AT TIME ZONE 'UTC' + INTERVAL 22 HOUR + INTERVAL 30 MINUTE), "
        "sthlm_date(CAST(d AS TIMESTAMP) AT TIME ZONE 'UTC' + INTERVAL 23 HOUR + INTERVAL 30 MINUTE) "
        "FROM _days ORDER BY d"
    ).fetchall()
    assert len(rows) == len(days)
    mismatches = []
    for d, rolled, m13, m1, p1, p12, s2130, s2230, s2330 in rows:
        utc = datetime(d.year, d.month, d.day, tzinfo=UTC)
        expected = (
            roll(d, count_eves_as_holidays=eves),
            add_months(d, -13),
            add_months(d, -1),
            add_months(d, 1),
            add_months(d, 12),
            stockholm_date(utc + timedelta(hours=21, minutes=30)),
            stockholm_date(utc + timedelta(hours=22, minutes=30)),
            stockholm_date(utc + timedelta(hours=23, minutes=30)),
        )
        if (rolled, m13, m1, p1, p12, s2130, s2230, s2330) != expected:
            mismatches.append((d, (rolled, m13, m1, p1, p12, s2130, s2230, s2330), expected))
    assert mismatches == []


def test_sql_roll_fails_loudly_outside_the_calendar(
    macros: tuple[duckdb.DuckDBPyConnection, bool],
) -> None:
    """Outside 1990..2100 the SQL roll() raises (never a silent unrolled or NULL date)."""
    con, eves = macros
    with pytest.raises(duckdb.Error, match="1989-12-31"):
        con.execute("SELECT roll(DATE '1989-12-31')").fetchone()
    # the last covered day rolls past the calendar's end like Python does
    # (New Year's Eve 2100 is a Friday; with eves it rolls to Monday 3 Jan 2101)
    last = date(2100, 12, 31)
    assert con.execute("SELECT roll(DATE '2100-12-31')").fetchone()[0] == roll(last, eves)
    assert roll(last, eves) == (date(2101, 1, 3) if eves else last)


def test_offsets_round_trip() -> None:
    ts = datetime(2025, 3, 30, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert stockholm_date(ts) == D("2025-03-30")
