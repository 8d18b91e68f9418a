"""Snoozes: the desk silences alerts it knows to be noise (issue 11; as Dispatch's signal snooze).

A snooze is a filter — source, rule, asset and actor, each a case-insensitive pattern with `*` and
`?` wildcards, an empty one matching anything — with a reason, a start and an end. While it runs,
an incident whose every alert matches a running snooze is *snoozed*: stored, counted and listed, but
not on the open board, not routed and not mailed.

A snooze never hides what the law requires: when the facts of such an incident trigger a statutory
obligation (any obligation outside the company's own `internal` ones), it is an incident like any
other, marked as having matched a snooze. And a snoozed incident becomes an open one as soon as an
alert joins that no running snooze matches, or its facts come to trigger a statutory obligation.

A snooze covers the alerts that *arrive* while it runs (by their `received_at`): its expiry does not
reopen what it silenced. The desk may end one early; an ended snooze covers nothing from then on.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

MAX_DURATION = timedelta(days=30)  # the longest the desk may silence a filter at once


@dataclass(frozen=True)
class SnoozeFilter:
    source: str | None = None
    rule: str | None = None
    asset: str | None = None
    actor: str | None = None

    def is_empty(self) -> bool:
        """No pattern that narrows anything: only blanks and `*` (such a filter would silence all)."""
        return not any(_narrows(p) for p in (self.source, self.rule, self.asset, self.actor))


@dataclass(frozen=True)
class SnoozeWindow:
    id: int
    filter: SnoozeFilter
    starts_at: datetime
    ends_at: datetime  # the expiry, or when the desk ended it early
    reason: str = ""

    def running_at(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class AlertKeys:
    source: str
    rule: str | None
    asset: str | None
    actor: str | None
    received_at: datetime


def _narrows(pattern: str | None) -> bool:
    return bool(pattern and pattern.strip().strip("*"))


def _fits(pattern: str | None, value: str | None) -> bool:
    if not pattern or pattern.strip() in ("", "*"):
        return True
    if value is None:
        return False
    return fnmatch.fnmatchcase(value.strip().casefold(), pattern.strip().casefold())


def matches(snooze: SnoozeFilter, alert: AlertKeys) -> bool:
    """Whether the filter covers the alert (an empty filter covers nothing: it would silence all)."""
    if snooze.is_empty():
        return False
    return (
        _fits(snooze.source, alert.source)
        and _fits(snooze.rule, alert.rule)
        and _fits(snooze.asset, alert.asset)
        and _fits(snooze.actor, alert.actor)
    )


def snooze_for(alert: AlertKeys, snoozes: Iterable[SnoozeWindow]) -> SnoozeWindow | None:
    """The snooze (running when the alert arrived) that covers it; the one ending last if several."""
    covering = [s for s in snoozes if s.running_at(alert.received_at) and matches(s.filter, alert)]
    return max(covering, key=lambda s: s.ends_at, default=None)


class SnoozeOutcome(StrEnum):
    NONE = "none"  # some alert matches no snooze: an incident like any other
    SNOOZED = "snoozed"  # every alert matches a snooze and no statutory obligation applies
    OVERRIDDEN = "overridden"  # every alert matches, but the facts trigger a statutory obligation


def is_statutory(obligation_code: str) -> bool:
    """An obligation the law imposes: not the company's own procedure, nor the Privacy Mark's report,
    which is a contract's and comes with every incident at a P-mark entity (docs/rules.md §2b)."""
    return not obligation_code.startswith(("internal.", "pmark."))


def statutory(obligation_codes: Iterable[str]) -> list[str]:
    """The statutory ones among these obligations, in order: what overrides a snooze."""
    return [code for code in obligation_codes if is_statutory(code)]


def snooze_outcome(
    alerts: Sequence[AlertKeys], snoozes: Sequence[SnoozeWindow], obligation_codes: Iterable[str]
) -> tuple[SnoozeOutcome, list[SnoozeWindow]]:
    """What the snoozes do to an incident with these alerts and obligations, and which snoozes matched.

    An incident without alerts (a report from a person) is never snoozed."""
    if not alerts:
        return SnoozeOutcome.NONE, []
    matched: list[SnoozeWindow] = []
    for alert in alerts:
        snooze = snooze_for(alert, snoozes)
        if snooze is None:
            return SnoozeOutcome.NONE, []
        if snooze not in matched:
            matched.append(snooze)
    if any(is_statutory(code) for code in obligation_codes):
        return SnoozeOutcome.OVERRIDDEN, matched
    return SnoozeOutcome.SNOOZED, matched
