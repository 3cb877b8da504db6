"""Dates: today's date (overridable for rehearsals) and working-day arithmetic."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

from modelunit.errors import BadInput


def today() -> date:
    """Today, or ``MODELUNIT_TODAY`` (YYYY-MM-DD) when set — deadlines and publicity use this."""
    forced = os.environ.get("MODELUNIT_TODAY")
    if forced:
        return parse_date(forced, "MODELUNIT_TODAY")
    return date.today()


def now() -> str:
    """A timestamp for the audit log (the real clock, to the second)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def parse_date(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise BadInput("date.bad", value=text, what=what) from None


def is_past(due: str | None) -> bool:
    """True once a deadline (YYYY-MM-DD, or none) has passed: the due day itself is still on time."""
    return bool(due and today() > parse_date(due))


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: set[date]) -> date:
    """The last day of a period of ``days`` working days beginning on ``start``.

    ``start`` counts as the first day when it is a working day; otherwise the
    period begins on the next working day.
    """
    day = start
    counted = 0
    while True:
        if is_working_day(day, holidays):
            counted += 1
            if counted >= days:
                return day
        day += timedelta(days=1)


def working_days_left(today_: date, end: date, holidays: set[date]) -> int:
    """Working days from today (inclusive) to ``end`` (inclusive); 0 once it has passed."""
    count = 0
    day = today_
    while day <= end:
        if is_working_day(day, holidays):
            count += 1
        day += timedelta(days=1)
    return count
