"""Delivery order (issue 11, "risk first"): internal alerts before data-subject mail, riskiest first.

Lower goes first; within a priority, the row due longest goes first.
"""

from __future__ import annotations

ALERT_PRIORITY = {"very_high": 0, "high": 1, "medium": 2, "low": 3}
UNKNOWN_RISK_PRIORITY = 2  # a risk level this code does not know yet: never behind low risk or notices
NOTICE_PRIORITY = 5  # data-subject notices: after every internal alert


def alert_priority(risk_level: str) -> int:
    """The priority of an internal alert about an incident of `risk_level`."""
    return ALERT_PRIORITY.get(risk_level, UNKNOWN_RISK_PRIORITY)
