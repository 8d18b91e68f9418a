"""Japan Standard Time, the desk's clock: UTC+9 all year (Japan keeps no daylight saving time).

Reference numbers take their year from it, the dashboard and the notices show it beside UTC, and the
fiscal year (April to March) is counted in it."""

from __future__ import annotations

from datetime import timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")
