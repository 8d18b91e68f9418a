"""The Japanese fiscal year (April to March, Japan time): what the statistics and the annual summary count
by. Pure.

Everything the desk counts per year — incidents, privacy complaints, government requests — belongs to the
fiscal year it was received in, on the desk's clock (JST, shared/japan_time.py): 23:59 JST on 31 March is
the old year, 00:00 JST on 1 April the new one, whatever UTC says.
"""

from __future__ import annotations

from datetime import datetime

from pidesk.shared.japan_time import JST


def fiscal_year(moment: datetime) -> int:
    """The Japanese fiscal year a moment falls in: April 2026 to March 2027 is FY2026."""
    local = moment.astimezone(JST)
    return local.year if local.month >= 4 else local.year - 1


def fiscal_year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of fiscal `year`: 1 April 00:00 JST to the next 1 April 00:00 JST."""
    return datetime(year, 4, 1, tzinfo=JST), datetime(year + 1, 4, 1, tzinfo=JST)
