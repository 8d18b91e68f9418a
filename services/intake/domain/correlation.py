"""Correlation of DLP alerts into incidents: which alerts belong together, and for how long.

A storm of alerts from one misfiring rule (a Purview rule matching every outgoing mail, a Macie job
over a big bucket, a secret-scanning backfill) is one incident with many alerts, not ten thousand
incidents, as Alerta's correlation and PagerDuty's alert grouping do for operations alerts. Alerts
from one source whose configured keys (the rule that fired, the asset, the actor) are equal form a
group; a group takes alerts while it is open:

- the window slides: a group stays open while alerts keep arriving within `window_minutes` of the
  last one;
- the caps end it: a group older than `max_span_hours`, or holding `max_alerts`, takes no more
  (the next alert opens a new incident, linked to the capped one);
- the desk ends it: an incident that is closed takes no more alerts (the next opens a new incident
  linked to it).

Reports from people (the API and the form) are never grouped: only webhook alerts are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pidesk.shared.vocabulary import ReportSource

T = TypeVar("T")


class GroupingKey(StrEnum):
    RULE = "rule"  # the rule, policy or detector that fired
    ASSET = "asset"  # bucket, site, repository, mailbox, device
    ACTOR = "actor"  # the user or account whose action raised the alert


PEOPLE = frozenset({ReportSource.API, ReportSource.FORM})


class SourceGrouping(BaseModel):
    """How one source's alerts are grouped; a field left out takes the policy's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool | None = None
    keys: Annotated[list[GroupingKey], Field(min_length=1, max_length=3)] | None = None
    window_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    max_span_hours: Annotated[int, Field(ge=1, le=24 * 30)] | None = None
    max_alerts: Annotated[int, Field(ge=2, le=1_000_000)] | None = None


class Grouping(BaseModel):
    """The settings in force for one source, every field decided."""

    model_config = ConfigDict(frozen=True)

    enabled: bool
    keys: tuple[GroupingKey, ...]
    window: timedelta
    max_span: timedelta
    max_alerts: int


class CorrelationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    keys: Annotated[list[GroupingKey], Field(min_length=1, max_length=3)] = [GroupingKey.RULE]
    window_minutes: Annotated[int, Field(ge=1, le=1440)] = 15
    max_span_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 24
    max_alerts: Annotated[int, Field(ge=2, le=1_000_000)] = 10_000
    sources: dict[ReportSource, SourceGrouping] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _no_people(self) -> CorrelationPolicy:
        people = sorted(s.value for s in self.sources if s in PEOPLE)
        if people:
            raise ValueError(f"reports from people are never grouped: remove {', '.join(people)}")
        return self

    def grouping(self, source: ReportSource) -> Grouping:
        own = self.sources.get(source, SourceGrouping())
        return Grouping(
            enabled=source not in PEOPLE and _pick(own.enabled, self.enabled),
            keys=tuple(dict.fromkeys(_pick(own.keys, self.keys))),
            window=timedelta(minutes=_pick(own.window_minutes, self.window_minutes)),
            max_span=timedelta(hours=_pick(own.max_span_hours, self.max_span_hours)),
            max_alerts=_pick(own.max_alerts, self.max_alerts),
        )


def _pick(mine: T | None, default: T) -> T:
    return default if mine is None else mine


@dataclass(frozen=True)
class AlertKeys:
    """What an alert offers to group on (None: the vendor did not say)."""

    rule: str | None
    asset: str | None
    actor: str | None


@dataclass(frozen=True)
class GroupKey:
    source: ReportSource
    values: tuple[tuple[str, str | None], ...]  # (key, value) in the policy's order

    @property
    def digest(self) -> str:
        """A stable 64-hex name of the group (stored and indexed, and hashed into a lock number)."""
        text = "\x1f".join([self.source.value, *(f"{k}={v if v is not None else ''}" for k, v in self.values)])
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def lock_number(self) -> int:
        """A signed 64-bit number for an advisory lock on this group."""
        return int.from_bytes(bytes.fromhex(self.digest[:16]), "big", signed=True)

    def as_dict(self) -> dict[str, str | None]:
        return dict(self.values)


def group_key(grouping: Grouping, source: ReportSource, keys: AlertKeys) -> GroupKey | None:
    """The group an alert belongs to, or None when it stands alone: grouping is off for its source,
    or the alert carries none of the keys (nothing says it is related to anything)."""
    if not grouping.enabled:
        return None
    values = tuple((key.value, _normal(getattr(keys, key.value))) for key in grouping.keys)
    if all(value is None for _, value in values):
        return None
    return GroupKey(source, values)


def _normal(value: str | None) -> str | None:
    value = (value or "").strip()
    return value.casefold() if value else None


@dataclass(frozen=True)
class GroupState:
    opened_at: datetime
    last_alert_at: datetime
    alert_count: int
    closed: bool


class GroupClosed(StrEnum):
    """Why an alert cannot join the latest group of its key (it opens a new incident)."""

    QUIET = "quiet"  # no alert within the window: a new episode
    SPAN = "span"  # the group is older than the cap
    FULL = "full"  # the group holds max_alerts
    CLOSED = "closed"  # the desk closed its incident


def why_not_join(grouping: Grouping, group: GroupState, at: datetime, joining: int = 1) -> GroupClosed | None:
    """None when an alert received `at` joins `group` (with `joining` alerts in all); else why not."""
    if group.closed:
        return GroupClosed.CLOSED
    if at - group.last_alert_at > grouping.window:
        return GroupClosed.QUIET
    if at - group.opened_at > grouping.max_span:
        return GroupClosed.SPAN
    if group.alert_count + joining > grouping.max_alerts:
        return GroupClosed.FULL
    return None


def links_to_previous(reason: GroupClosed) -> bool:
    """A new incident names the one before it when the group ended by the desk or a cap; a group that
    went quiet is an episode of its own."""
    return reason is not GroupClosed.QUIET
