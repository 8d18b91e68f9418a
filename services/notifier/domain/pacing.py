"""How often one person may be mailed internal alerts (issue 11, "less noise, nothing hidden"): pure rules.

- **Rate limit**: at most `per_hour` alert mails to one address in any hour; a mail over it is held until
  a slot frees, and what was held is named in the next mail that does go (never dropped). A very_high
  first routing is never held, and neither is a daily digest.
- **Group updates**: at most one mail per person and incident per `group_window`; updates within it fold
  into the next mail, sent when the window ends.
- **Daily digest**: a person whose directory entry says `digest: daily` gets their non-urgent alerts
  (low/medium risk, group updates, reminders not yet overdue) as one mail a day at `digest_hour` (JST);
  very_high/high first routing, escalations of such incidents and overdue statutory reminders go at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pidesk.shared.events import EscalationRequested
from pidesk.shared.japan_time import JST

HOUR = timedelta(hours=1)
ROUTED, REMINDER, GROUP_UPDATE = "routed", "obligation_reminder", "group_update"
URGENT_RISKS = frozenset({"very_high", "high"})


@dataclass(frozen=True)
class Pacing:
    per_hour: int = 30  # 0: no rate limit
    group_window: timedelta = timedelta(minutes=5)
    digest_hour: int = 9  # Japan time

    def rate_free_at(self, mailed: Iterable[datetime], now: datetime) -> datetime | None:
        """None when one more alert mail may go to a person mailed at `mailed` times; else when it may."""
        if self.per_hour <= 0:
            return None
        recent = sorted(at for at in mailed if at > now - HOUR)
        if len(recent) < self.per_hour:
            return None
        return recent[len(recent) - self.per_hour] + HOUR  # once that one leaves the hour, a slot is free

    def group_opens_at(self, last_mailed: datetime | None, now: datetime) -> datetime | None:
        """None when a group update may go now; else when the window since the last one ends."""
        if last_mailed is None or last_mailed + self.group_window <= now:
            return None
        return last_mailed + self.group_window

    def next_digest(self, after: datetime) -> datetime:
        """The first digest time (`digest_hour`:00 Japan time) strictly after `after`."""
        local = after.astimezone(JST)
        at = local.replace(hour=self.digest_hour, minute=0, second=0, microsecond=0)
        return at if at > local else at + timedelta(days=1)


def rate_exempt(event: EscalationRequested) -> bool:
    """A very_high incident's first routing is never held by the rate limit, nor is any routing of a
    government request or privacy complaint (issue 17: its people are told at once; cases are few)."""
    return event.case is not None or (event.reason == ROUTED and event.risk_level == "very_high")


def digestible(event: EscalationRequested, digest_at: datetime) -> bool:
    """Whether the alert may wait for a digest person's daily digest at `digest_at` (a case's never does:
    its tier has hours to acknowledge, not a day)."""
    if event.case is not None:
        return False
    if event.reason == GROUP_UPDATE:
        return True
    if event.reason == REMINDER:  # a statutory duty overdue, or overdue by the digest, goes at once
        covered = event.obligations or ([event.nearest_obligation] if event.nearest_obligation else [])
        statutory = [o for o in covered if not o.code.startswith("internal.")]
        return all(o.due_at > digest_at for o in statutory)
    return event.risk_level not in URGENT_RISKS


@dataclass(frozen=True)
class AlertMailing:
    """How the mail rows of one alert are paced: the mail they share with the person's other alerts of
    the same incident and step (`mail_key`), whether the rate limit may hold them, and — for digestible
    alerts — when the digest of the people who take one goes."""

    mail_key: str
    exempt: bool = False
    digest_at: datetime | None = None
    digest_people: frozenset[str] = frozenset()  # addresses, lower-cased

    def row_values(self, address: str, now: datetime) -> dict[str, object]:
        """The pacing columns of this alert's mail row to `address` (lower-cased)."""
        values: dict[str, object] = {"mail_key": self.mail_key, "exempt": self.exempt}
        if self.digest_at is not None and address in self.digest_people:
            values |= {"hold": "digest", "next_attempt_at": self.digest_at}
            values["note"] = f"for the daily digest at {self.digest_at.astimezone(JST):%Y-%m-%d %H:%M} JST"
        return values


def mail_key(incident_id: object, event: EscalationRequested) -> str:
    """One mail per person per incident per step: group updates per incident, the rest per reason and step."""
    if event.reason == GROUP_UPDATE:
        return f"{incident_id}/{GROUP_UPDATE}"
    return f"{incident_id}/{event.reason}/{event.step}"


def alert_mailing(incident_id: object, event: EscalationRequested, pacing: Pacing) -> AlertMailing:
    digest_at = pacing.next_digest(event.requested_at)
    takers = frozenset(p.email.strip().lower() for p in event.recipients if p.digest == "daily")
    return AlertMailing(
        mail_key=mail_key(incident_id, event),
        exempt=rate_exempt(event),
        digest_at=digest_at if takers and digestible(event, digest_at) else None,
        digest_people=takers,
    )
