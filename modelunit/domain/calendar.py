"""Dates: today's date (overridable only in a drill database) and working-day arithmetic."""

from __future__ import annotations

import os
from collections.abc import Set
from datetime import date, datetime, timedelta

from modelunit.errors import BadInput, Refused

# A date given with --date may lie at most this far ahead of today (DESIGN §6).
MAX_DAYS_AHEAD = 60
# A self-check gap's rectification (整改) may be due up to a year ahead: the campaign's own cycle.
MAX_GAP_DAYS_AHEAD = 366
# The clock a drill may be set to: far enough from date.max that date arithmetic never overflows.
_CLOCK_RANGE = (date(1970, 1, 1), date(9000, 12, 31))


def forced_today() -> date | None:
    """``MODELUNIT_TODAY`` when set (checked against the database by :func:`check_clock`)."""
    forced = os.environ.get("MODELUNIT_TODAY")
    if not forced:
        return None
    day = parse_date(forced, "MODELUNIT_TODAY")
    if not _CLOCK_RANGE[0] <= day <= _CLOCK_RANGE[1]:
        raise BadInput("date.bad", value=forced, what="MODELUNIT_TODAY")
    return day


def today() -> date:
    """Today, or ``MODELUNIT_TODAY`` in a drill — deadlines and publicity use this."""
    return forced_today() or date.today()


def check_clock(tx) -> None:
    """Refuse a set clock on a real database, and a drill's clock turned back.

    Only a drill database (``meta.drill``) may be run on a set clock; there, the
    latest date it was set to is kept, so nobody can backdate an act in it either.
    """
    forced = forced_today()
    if forced is None:
        return
    drill = tx.meta.get("drill")
    if drill is None:
        raise BadInput("clock.not_drill")
    latest = drill.get("latest")
    if latest and forced < date.fromisoformat(latest):
        raise Refused("clock.backwards", day=forced.isoformat(), latest=latest)


def note_clock(tx) -> None:
    """Inside a write: check the clock, and remember a drill's set date as the latest one."""
    check_clock(tx)
    forced = forced_today()
    drill = tx.meta.get("drill")
    if forced is not None and drill is not None and (not drill.get("latest") or
                                                     forced.isoformat() > drill["latest"]):
        tx.meta.put("drill", {**drill, "latest": forced.isoformat()})


def opened_on(campaign) -> date:
    """The day the campaign's current stage opened (or, without a log, the day it was created)."""
    for step in reversed(getattr(campaign, "stage_log", None) or []):
        if step.get("opened_on"):
            return date.fromisoformat(step["opened_on"])
    return date.fromisoformat(campaign.created_at[:10]) if campaign.created_at else today()


def given_date(text: str, what: str, earliest: date, days_ahead: int = MAX_DAYS_AHEAD) -> date:
    """A date typed by a user (``--date``, ``--due``): from ``earliest`` to today + ``days_ahead``
    (MAX_DAYS_AHEAD unless said), else bad input."""
    day = parse_date(text, what)
    latest = today() + timedelta(days=days_ahead)
    if not earliest <= day <= latest:
        raise BadInput("date.out_of_range", what=what, value=text, earliest=earliest.isoformat(),
                       latest=latest.isoformat())
    return day


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


def is_working_day(day: date, holidays: Set[date], workdays: Set[date] = frozenset()) -> bool:
    """Mon–Fri except holidays; a make-up working day (调休, usually a Saturday) counts too."""
    if day in workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Set[date], workdays: Set[date] = frozenset()) -> date:
    """The last day of a period of ``days`` working days beginning on ``start``.

    ``start`` counts as the first day when it is a working day; otherwise the
    period begins on the next working day.
    """
    day = start
    counted = 0
    while True:
        if is_working_day(day, holidays, workdays):
            counted += 1
            if counted >= days:
                return day
        day += timedelta(days=1)


def working_days_left(today_: date, end: date, holidays: Set[date], workdays: Set[date] = frozenset()) -> int:
    """Working days from today (inclusive) to ``end`` (inclusive); 0 once it has passed."""
    count = 0
    day = today_
    while day <= end:
        if is_working_day(day, holidays, workdays):
            count += 1
        day += timedelta(days=1)
    return count
