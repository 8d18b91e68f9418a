"""The desk's snoozes (`snoozes`) and what they matched: the alerts each covered, the incidents it
snoozed. Never commits: the caller's transaction does.

Recording reads the running snoozes once per transaction (a consumer batch), then matches in Python:
they are few, and most of the time there are none.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import Incident, IncidentAlert, Snooze
from pidesk.services.escalation.domain.snoozes import AlertKeys, SnoozeFilter, SnoozeWindow
from pidesk.shared.db.engine import on_postgresql
from pidesk.shared.vocabulary import IncidentStatus

SNOOZED = IncidentStatus.SNOOZED  # an incident's status while a snooze silences it
# an alert is matched by the snoozes running when it *arrived*: one still in flight after its snooze
# expired is covered all the same (a consumer's lag is seconds, minutes in a storm; a day is ample)
LATE_ALERTS = timedelta(days=1)
_CACHE = "pidesk.escalation.running_snoozes"


def window_of(row: Snooze) -> SnoozeWindow:
    """A stored snooze as the domain's rules see it (an ended one runs until it was ended)."""
    ends_at = min(row.expires_at, row.ended_at) if row.ended_at is not None else row.expires_at
    return SnoozeWindow(
        id=row.id,
        filter=SnoozeFilter(source=row.source, rule=row.rule, asset=row.asset, actor=row.actor),
        starts_at=row.starts_at,
        ends_at=ends_at,
        reason=row.reason,
    )


def alert_keys(alert: Any) -> AlertKeys:
    """What a snooze filter reads of an alert (an IncidentAlert, an AlertRecord or a row of columns)."""
    return AlertKeys(
        source=str(getattr(alert.source, "value", alert.source)),
        rule=alert.rule,
        asset=alert.asset,
        actor=alert.actor,
        received_at=alert.received_at,
    )


async def running_windows(session: AsyncSession, now: datetime, *, fresh: bool = False) -> list[SnoozeWindow]:
    """The snoozes that may cover an alert recorded now: not ended by the desk, and not expired before
    `now - LATE_ALERTS`. Read once per transaction (`fresh`: read again)."""
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_CACHE)
    if not fresh and cached is not None and transaction is not None and cached[0] is transaction:
        windows: list[SnoozeWindow] = cached[1]
        return windows
    statement = select(Snooze).where(Snooze.ended_at.is_(None), Snooze.expires_at > now - LATE_ALERTS)
    with session.no_autoflush:  # what is being recorded stays pending (its relationships unloaded)
        rows = (await session.scalars(statement.order_by(Snooze.id))).all()
    windows = [window_of(row) for row in rows]
    session.info[_CACHE] = (session.sync_session.get_transaction(), windows)
    return windows


@dataclass(frozen=True)
class Matches:
    """What a snooze matched: alerts it covered, incidents it matched, and those still snoozed."""

    alerts: int = 0
    incidents: int = 0
    snoozed: int = 0


class SnoozeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, snooze_id: int, *, for_update: bool = False) -> Snooze | None:
        if for_update and on_postgresql(self.session):
            return await self.session.get(Snooze, snooze_id, with_for_update=True, populate_existing=True)
        return await self.session.get(Snooze, snooze_id)

    async def page(self, *, active: bool | None, now: datetime, before_id: int | None, limit: int) -> list[Snooze]:
        """Newest first; `active`: only those running now (True) or only those that are not (False)."""
        statement = select(Snooze).order_by(Snooze.id.desc()).limit(limit)
        running = (Snooze.ended_at.is_(None)) & (Snooze.starts_at <= now) & (Snooze.expires_at > now)
        if active is True:
            statement = statement.where(running)
        elif active is False:
            statement = statement.where(~running)
        if before_id is not None:
            statement = statement.where(Snooze.id < before_id)
        return list((await self.session.scalars(statement)).all())

    async def matches(self, snooze_ids: Collection[int]) -> dict[int, Matches]:
        """Per snooze: how many alerts it covered, how many incidents it matched, how many it still snoozes."""
        wanted = list(snooze_ids)
        if not wanted:
            return {}
        alerts = dict(
            (
                await self.session.execute(
                    select(IncidentAlert.snooze_id, func.count())
                    .where(IncidentAlert.snooze_id.in_(wanted))
                    .group_by(IncidentAlert.snooze_id)
                )
            ).all()
        )
        incidents: dict[int, tuple[int, int]] = {
            snooze_id: (int(total), int(snoozed or 0))
            for snooze_id, total, snoozed in (
                await self.session.execute(
                    select(
                        Incident.matched_snooze_id,
                        func.count(),
                        func.sum(case((Incident.status == SNOOZED, 1), else_=0)),
                    )
                    .where(Incident.matched_snooze_id.in_(wanted))
                    .group_by(Incident.matched_snooze_id)
                )
            ).all()
        }
        return {
            i: Matches(int(alerts.get(i, 0)), incidents.get(i, (0, 0))[0], incidents.get(i, (0, 0))[1]) for i in wanted
        }

    async def snoozed_count(self) -> int:
        """How many incidents are snoozed now (the board's link to them)."""
        total = await self.session.scalar(select(func.count()).select_from(Incident).where(Incident.status == SNOOZED))
        return int(total or 0)

    async def snoozed_under_ended(self) -> list[uuid.UUID]:
        """Snoozed incidents with an alert covered by a snooze the desk has ended: whether they are still
        silenced depends on the snoozes left (each alert names the one snooze that covered it)."""
        ended = (
            select(IncidentAlert.id)
            .join(Snooze, Snooze.id == IncidentAlert.snooze_id)
            .where(IncidentAlert.incident_id == Incident.id, Snooze.ended_at.is_not(None))
        )
        statement = select(Incident.id).where(Incident.status == SNOOZED, exists(ended)).order_by(Incident.id)
        return list((await self.session.scalars(statement)).all())

    async def group_keys(self, incident_id: uuid.UUID) -> list[AlertKeys]:
        """What the filters read of every alert the incident groups (distinct combinations only)."""
        rows = await self.session.execute(
            select(
                IncidentAlert.source,
                IncidentAlert.rule,
                IncidentAlert.asset,
                IncidentAlert.actor,
                IncidentAlert.received_at,
            )
            .where(IncidentAlert.incident_id == incident_id)
            .distinct()
        )
        return [alert_keys(row) for row in rows.all()]

    async def locked_incidents(self, incident_ids: Sequence[uuid.UUID]) -> list[Incident]:
        """These incidents, their rows locked in id order (PostgreSQL)."""
        statement = select(Incident).where(Incident.id.in_(list(incident_ids))).order_by(Incident.id)
        if on_postgresql(self.session):
            statement = statement.with_for_update()
        return list((await self.session.scalars(statement)).all())
