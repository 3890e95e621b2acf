"""How the deadline of a DSR or retention finding was reached, step by step.

The rules compute their dates in SQL (``rules/views.sql``); this module re-does
the arithmetic in Python from the finding's evidence with :mod:`auditlib.dates`
(the same ``holidays`` calendar, the same ``add_months``/``roll``) and writes it
out for the reader, e.g.::

    received 2026-03-05 → one month later 2026-04-05 (Easter Sunday)
    → next working day 2026-04-07 (Easter Monday skipped) → answered 2026-04-08: 1 day late

When the re-done arithmetic does not give the date the rule recorded, the working
says so (the recorded date is what the finding used); it never hides a mismatch.
Findings of other rules (SUB, DQ) have no working: :func:`working` returns ``[]``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from auditlib.dates import add_months, holiday_name, is_non_working_day, roll

ARROW = " → "
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if abs(n) == 1 else f"{n} {word}s"


def day_label(d: date, eves: bool = False) -> str:
    """``2026-04-05 (Easter Sunday)``, ``2026-04-04 (Saturday)`` or ``2026-11-05 (Thursday)``."""
    return f"{d.isoformat()} ({holiday_name(d, eves) or _WEEKDAYS[d.weekday()]})"


def _skipped(start: date, rolled: date, eves: bool) -> list[str]:
    """Names of the non-working days after ``start`` that ``roll`` stepped over."""
    out, d = [], start + timedelta(days=1)
    while d < rolled:
        out.append(holiday_name(d, eves) or _WEEKDAYS[d.weekday()])
        d += timedelta(days=1)
    return out


def month_deadline(start: date, months: int, what: str, eves: bool) -> tuple[list[str], date]:
    """Steps of ``roll(add_months(start, months))`` and the day it gives."""
    later = add_months(start, months)
    steps = [f"{what} later {day_label(later, eves)}"]
    rolled = roll(later, eves)
    if rolled != later:
        skipped = _skipped(later, rolled, eves)
        tail = f" ({', '.join(skipped)} skipped)" if skipped else ""
        steps.append(f"next working day {rolled.isoformat()}{tail}")
    elif not is_non_working_day(later, eves):
        steps[-1] = f"{what} later {later.isoformat()} (a working day)"
    return steps, rolled


def _check(recorded: date | None, computed: date, name: str) -> list[str]:
    if recorded is None or recorded == computed:
        return []
    return [
        f"NOTE: the rule recorded {name} {recorded.isoformat()}, the working gives "
        f"{computed.isoformat()}"
    ]


def _late(due: date, answered: date | None, as_of: date | None) -> str:
    if answered is not None:
        n = (answered - due).days
        return (
            f"answered {answered.isoformat()}: {_plural(n, 'day')} late"
            if n > 0
            else f"answered {answered.isoformat()}: in time"
        )
    if as_of is not None:
        n = (as_of - due).days
        return (
            f"still open at the audit day {as_of.isoformat()}: {_plural(n, 'day')} overdue"
            if n > 0
            else f"still open at the audit day {as_of.isoformat()}"
        )
    return "still open"


def _dsr_due(ev: dict[str, Any], eves: bool, extension: bool) -> tuple[list[str], date] | None:
    received = _day(ev.get("received"))
    if received is None:
        return None
    steps, due_1m = month_deadline(received, 1, "one month", eves)
    steps = [f"received {received.isoformat()}", *steps]
    if not extension:
        return steps, due_1m
    more, due_3m = month_deadline(received, 3, "valid extension: three months", eves)
    return steps + more, due_3m


def _dsr_01(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    eves = bool(p.get("count_eves_as_holidays"))
    got = _dsr_due(ev, eves, bool(ev.get("extension_used")))
    if got is None:
        return []
    steps, due = got
    return [
        *steps,
        _late(due, _day(ev.get("answered")), as_of),
        *_check(_day(ev.get("due")), due, "due"),
    ]


def _dsr_02(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    eves = bool(p.get("count_eves_as_holidays"))
    got = _dsr_due(ev, eves, False)
    if got is None:
        return []
    steps, due_1m = got
    notified = _day(ev.get("extension_notified_on"))
    if notified is None:
        steps.append("extension never notified to the subject (by the audit day)")
    elif notified > due_1m:
        steps.append(
            f"extension notified {notified.isoformat()}: "
            f"{_plural((notified - due_1m).days, 'day')} after the one-month deadline"
        )
    else:
        steps.append(f"extension notified {notified.isoformat()}: in time")
    if not ev.get("reason_given"):
        steps.append("no reason for the extension recorded")
    steps.append("extension not valid: the one-month deadline stands")
    return [*steps, *_check(_day(ev.get("due_1m")), due_1m, "due_1m")]


def _dsr_03(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    received = _day(ev.get("received"))
    if received is None:
        return []
    window = add_months(received, -12)
    steps = [
        f"received {received.isoformat()}",
        f"twelve months earlier {window.isoformat()} (start of the free-extract year)",
    ]
    if ev.get("request_type") not in (None, "access"):
        steps = [
            f"received {received.isoformat()}",
            f"a {ev.get('request_type')} request is always free",
        ]
    else:
        last = _day(ev.get("last_earlier_access"))
        steps.append(
            f"last earlier access request {last.isoformat()}: before that year"
            if last
            else "no earlier access request"
        )
        steps.append("the first extract of the year is free")
    steps.append(f"charged {ev.get('fee_sek')} SEK")
    return [*steps, *_check(_day(ev.get("window_start")), window, "window_start")]


def _dsr_04(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    answered = _day(ev.get("answered"))
    if answered is None:
        return []
    end = f"still there at the audit day {as_of.isoformat()}" if as_of else "still there"
    return [
        f"erasure answered as fulfilled {answered.isoformat()}",
        f"rows created before that day {end}",
    ]


def _dsr_05(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    received, answered = _day(ev.get("received")), _day(ev.get("answered"))
    if received is None:
        return []
    steps, due_1m = month_deadline(received, 1, "one month", bool(p.get("count_eves_as_holidays")))
    out = [f"received {received.isoformat()}", *steps]
    if answered:
        out.append(f"refused {answered.isoformat()} without a ground (Art. 12(4))")
    return out


def _dsr_06(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    eves = bool(p.get("count_eves_as_holidays"))
    got = _dsr_due(ev, eves, bool(ev.get("extension_used")))
    if got is None:
        return []
    steps, due = got
    if as_of is not None:
        steps.append(
            f"open at the audit day {as_of.isoformat()}: {_plural((due - as_of).days, 'day')} left"
        )
    return [*steps, *_check(_day(ev.get("due")), due, "due")]


def _overdue(due: date, as_of: date | None, what: str = "still kept") -> str:
    if as_of is None:
        return what
    return (
        f"{what} at the audit day {as_of.isoformat()}: {_plural((as_of - due).days, 'day')} overdue"
    )


def _grace(p: dict[str, Any]) -> int:
    g = p.get("offboarding_grace_months")
    return g if isinstance(g, int) and not isinstance(g, bool) else 1


def _ret_01(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    end = _day(ev.get("relationship_end"))
    if end is None:
        return []
    g = _grace(p)
    due = add_months(end, g)
    steps = [
        f"relationship ended {end.isoformat()}",
        f"+ {_plural(g, 'month')} grace = {due.isoformat()}",
    ]
    lifted = _day(ev.get("hold_lifted_on"))
    if lifted is not None:
        after = add_months(lifted, g)
        steps.append(
            f"legal hold lifted {lifted.isoformat()} + {_plural(g, 'month')} = {after.isoformat()}"
        )
        due = max(due, after)
    steps.append(f"due {due.isoformat()} (a contractual date: not moved to a working day)")
    steps.append(_overdue(due, as_of, f"{ev.get('rows_total', 'some')} row(s) still held"))
    return [*steps, *_check(_day(ev.get("deletion_due")), due, "deletion_due")]


def _ret_02(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    done = _day(ev.get("completed_on") or ev.get("completed_at"))
    if done is None:
        return []
    end = f"still there at the audit day {as_of.isoformat()}" if as_of else "still there"
    return [
        f"{ev.get('scope', 'deletion')} run reported completed {done.isoformat()}",
        f"{ev.get('rows_total', 'some')} row(s) created before it {end}",
    ]


def _ret_03(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    taken, due = _day(ev.get("taken_on")), _day(ev.get("earliest_deletion_due"))
    if taken is None or due is None:
        return []
    return [
        f"backup taken {taken.isoformat()} with the customer's data in it",
        f"customer's deletion due {due.isoformat()}",
        _overdue(due, as_of, "backup still exists"),
    ]


def _ret_04(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    taken, expires = _day(ev.get("taken_on")), _day(ev.get("expires_on"))
    if expires is None:
        return []
    return [
        *([f"backup taken {taken.isoformat()}"] if taken else []),
        f"expires {expires.isoformat()}",
        _overdue(expires, as_of, "backup still exists"),
    ]


def _fiscal_keep(ev: dict[str, Any], p: dict[str, Any]) -> tuple[list[str], date] | None:
    year = _int(ev.get("fiscal_year"))
    years = _int(p.get("accounting_retention_years"))
    if year is None:
        return None
    years = 7 if years is None else years
    keep = date(year + years, 12, 31)
    return (
        [
            f"fiscal year {year}",
            f"+ {_plural(years, 'year')} (bookkeeping law) = keep until {keep.isoformat()}",
        ],
        keep,
    )


def _ret_05(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    got = _fiscal_keep(ev, p)
    if got is None:
        return []
    steps, keep = got
    return [
        *steps,
        _overdue(keep, as_of, "invoice still kept"),
        *_check(_day(ev.get("keep_until")), keep, "keep_until"),
    ]


def _ret_06(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
    got = _fiscal_keep(ev, p)
    if got is None:
        return []
    steps, keep = got
    return [
        *steps,
        f"number {ev.get('number')} must exist until then but is missing",
        *_check(_day(ev.get("keep_until")), keep, "keep_until"),
    ]


def _months_after(
    key: str, months_param: str, default: int, what: str, recorded_key: str | None = None
) -> Callable[..., list[str]]:
    def work(ev: dict[str, Any], p: dict[str, Any], as_of: date | None) -> list[str]:
        start = _day(ev.get(key))
        if start is None:
            return []
        n = _int(p.get(months_param))
        n = default if n is None else n
        keep = add_months(start, n)
        steps = [
            f"{what} {start.isoformat()}",
            f"+ {_plural(n, 'month')} = keep until {keep.isoformat()}",
            _overdue(keep, as_of),
        ]
        return steps + (
            _check(_day(ev.get(recorded_key)), keep, recorded_key) if recorded_key else []
        )

    return work


WORKINGS: dict[str, Callable[[dict[str, Any], dict[str, Any], date | None], list[str]]] = {
    "DSR-01": _dsr_01,
    "DSR-02": _dsr_02,
    "DSR-03": _dsr_03,
    "DSR-04": _dsr_04,
    "DSR-05": _dsr_05,
    "DSR-06": _dsr_06,
    "RET-01": _ret_01,
    "RET-02": _ret_02,
    "RET-03": _ret_03,
    "RET-04": _ret_04,
    "RET-05": _ret_05,
    "RET-06": _ret_06,
    "RET-07": _months_after(
        "closed_on", "support_ticket_retention_months", 24, "ticket closed", "keep_until"
    ),
    "RET-08": _months_after(
        "oldest", "cookie_consent_retention_months", 13, "oldest consent given"
    ),
    "RET-09": _months_after("oldest", "login_event_retention_months", 12, "oldest login event"),
}


def working(finding: dict[str, Any], params: dict[str, Any], as_of: date | str | None) -> list[str]:
    """The steps from the event to the deadline and the verdict, for DSR and RET findings.

    ``params`` are the run's parameters (summary.json ``parameters``); ``as_of`` the audit day.
    Evidence that lacks the dates gives ``[]`` (nothing is guessed).
    """
    fn = WORKINGS.get(str(finding.get("rule_id")))
    ev = finding.get("evidence")
    if fn is None or not isinstance(ev, dict):
        return []
    try:
        return fn(ev, params or {}, _day(as_of) if as_of is not None else None)
    except (ValueError, OverflowError, TypeError) as exc:  # odd evidence: say so, do not fail
        return [f"NOTE: the working could not be computed from the evidence ({exc})"]


def working_text(finding: dict[str, Any], params: dict[str, Any], as_of: date | str | None) -> str:
    return ARROW.join(working(finding, params, as_of))
