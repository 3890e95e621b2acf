"""Option parsing shared by the subcommands (one definition of what a day on the command
line is)."""

from __future__ import annotations

from datetime import date

import click

from auditlib.dates import today_stockholm


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a day YYYY-MM-DD") from None


def day_or_today(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    """Click callback: ``YYYY-MM-DD``, or today in Europe/Stockholm when not given."""
    return today_stockholm() if value is None else _day(value)


def day_or_none(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """Click callback: ``YYYY-MM-DD``, or None when not given (the command decides)."""
    return None if value is None else _day(value)
