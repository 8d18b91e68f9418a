"""Delivery order (issue 11, "risk first"): internal alerts before data-subject mail, riskiest first,
and within one risk level a report from a person before a tool's alert.

Lower goes first; within a priority, the row due longest goes first. A person's report is a confirmed
incident; a DLP tool's alert is a detection no one has looked at yet, and in a storm there are
thousands of them at the same (often worst-case) risk: the person's report must not queue behind them.
"""

from __future__ import annotations

RISK_RANK = {"very_high": 0, "high": 1, "medium": 2, "low": 3}
UNKNOWN_RISK_RANK = 2  # a risk level this code does not know yet: never behind low risk or notices
PEOPLE = frozenset({"api", "form"})
NOTICE_PRIORITY = 10  # data-subject notices: after every internal alert


def alert_priority(risk_level: str, source: str | None = None, *, case: str | None = None) -> int:
    """The priority of an internal alert about an incident of `risk_level` raised from `source`
    (None: not said, read as a tool's), or about a `case` (issue 17)."""
    if case is not None:
        return CASE_PRIORITY
    return 2 * RISK_RANK.get(risk_level, UNKNOWN_RISK_RANK) + (0 if source in PEOPLE else 1)


# a government request's or privacy complaint's tier (issue 17): hours to acknowledge, like a high-risk
# incident reported by a person
CASE_PRIORITY = alert_priority("high", "form")
