"""Brazilian working days (docs/rules.md §2b "wd"): Monday to Friday less national holidays, in
America/Sao_Paulo; the day of T0 is not counted and the deadline ends at 23:59 local time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
END_OF_DAY = time(23, 59)


@cache
def _national_holidays(year: int) -> frozenset[date]:
    # the "public" category only: Carnival is a ponto facultativo ("optional"), not a national holiday
    return frozenset(holidays.country_holidays("BR", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _national_holidays(day.year)


def working_days_after(start: datetime, n: int) -> datetime:
    """The end (23:59 São Paulo time) of the n-th working day after the day `start` falls on there."""
    if start.tzinfo is None:
        raise ValueError("working days are counted from an aware datetime")
    day, counted = start.astimezone(SAO_PAULO).date(), 0
    while counted < n:
        day += timedelta(days=1)
        counted += is_working_day(day)
    return datetime.combine(day, END_OF_DAY, tzinfo=SAO_PAULO)
