"""Statutory handling clocks of privacy complaints and data-subject requests (issue 17). Pure.

Where a law sets a time to answer, the clock says when (docs/rules.md §7):
- GDPR Art. 12(3): information on action taken on a request under Arts. 15-22 without undue delay and in
  any event within one month of receipt; extendable by two further months where necessary, taking into
  account the complexity and number of requests, the data subject being told within the first month.
  The month is a calendar month (Regulation 1182/71 Art. 3(2)(c)): the same day of the next month, or
  that month's last day when it has no such day.
- APPI Art. 33(2) (disclosure), Art. 34(2)-(3) (correction), Art. 35(3)-(7) (cessation): without delay
  (遅滞なく) — no fixed period; the desk answers as soon as it can, and the clock marks it so.
- APPI Art. 40: complaints in general are handled appropriately and promptly — no statutory clock.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

from pidesk.shared.vocabulary import ComplaintRequestKind


@dataclass(frozen=True)
class HandlingClock:
    basis: str
    due_at: datetime | None = None  # a fixed statutory date
    extended_due_at: datetime | None = None  # the latest it may be extended to
    without_delay: bool = False  # the law says "without delay" and sets no period


def add_months(at: datetime, months: int) -> datetime:
    """The same day `months` calendar months later, or that month's last day (Reg. 1182/71 Art. 3(2)(c))."""
    month_index = at.month - 1 + months
    year, month = at.year + month_index // 12, month_index % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


def handling_clock(kind: ComplaintRequestKind, received_at: datetime) -> HandlingClock:
    """The clock a law sets for a complaint of this kind received at `received_at`."""
    if kind is ComplaintRequestKind.GDPR_DATA_SUBJECT_REQUEST:
        return HandlingClock(
            basis="GDPR Art. 12(3): within one month of receipt, extendable by two further months",
            due_at=add_months(received_at, 1),
            extended_due_at=add_months(received_at, 3),
        )
    if kind is ComplaintRequestKind.APPI_DISCLOSURE_REQUEST:
        return HandlingClock(basis="APPI Art. 33(2): disclose without delay", without_delay=True)
    if kind is ComplaintRequestKind.APPI_CORRECTION_REQUEST:
        return HandlingClock(basis="APPI Art. 34(2)-(3): investigate and answer without delay", without_delay=True)
    if kind is ComplaintRequestKind.APPI_CESSATION_REQUEST:
        return HandlingClock(basis="APPI Art. 35(3)-(7): cease and answer without delay", without_delay=True)
    return HandlingClock(basis="APPI Art. 40: handle appropriately and promptly (no statutory period)")


def extension_allowed(clock: HandlingClock, now: datetime) -> bool:
    """GDPR Art. 12(3): an extension is told to the data subject within the first month."""
    return clock.due_at is not None and clock.extended_due_at is not None and now <= clock.due_at
