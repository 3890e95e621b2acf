"""Time helpers of the demo generator: Stockholm wall-clock times to UTC instants.

Every generated instant is made from a Stockholm calendar day and a wall-clock
time, then converted to UTC, so that "the day" of an instant (spec: its
Europe/Stockholm date) is the day it was generated for. Wall-clock times are
kept out of 02:00-03:00 where daylight-saving time makes them ambiguous or
non-existent. Vectorised versions work on NumPy arrays (no Python loop per row).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import numpy as np
import pandas as pd

from auditlib.dates import STOCKHOLM, TZ_NAME


def at(d: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """The UTC instant of Stockholm wall-clock ``hh:mm:ss`` on day ``d``."""
    return datetime.combine(d, time(hh, mm, ss), tzinfo=STOCKHOLM).astimezone(UTC)


def end_of_day(d: date) -> datetime:
    """23:59:59 of ``d`` in Stockholm, as an aware Stockholm datetime (keeps the offset)."""
    return datetime.combine(d, time(23, 59, 59), tzinfo=STOCKHOLM)


def np_day(d: date) -> np.datetime64:
    return np.datetime64(d.isoformat(), "D")


def local_to_utc(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Stockholm day + seconds since local midnight -> UTC ``datetime64[us]`` (vectorised).

    Non-existent local times (spring forward) are shifted forward, ambiguous ones
    (autumn) read as summer time; the generator avoids 02:00-03:00 anyway.
    """
    local = days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    idx = pd.DatetimeIndex(local).tz_localize(
        TZ_NAME, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward"
    )
    return idx.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[us]")


def add_months_np(days: np.ndarray, n: int | np.ndarray) -> np.ndarray:
    """Vectorised ``auditlib.dates.add_months``: same day-of-month, clamped to the month's end."""
    days = days.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    dom = (days - months.astype("datetime64[D]")).astype(np.int64)
    target = months + np.asarray(n).astype("timedelta64[M]")
    last = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    return target.astype("datetime64[D]") + np.minimum(dom, last - 1).astype("timedelta64[D]")


def business_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds since local midnight inside office hours (08:00-17:00), whole seconds."""
    return rng.integers(8 * 3600, 17 * 3600, size=n)
