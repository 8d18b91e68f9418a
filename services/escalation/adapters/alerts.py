"""The alerts of incidents' groups (`incident_alerts`): who owns a vendor alert, a group's facts, pages.

Never commits: the caller's transaction does.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import IncidentAlert
from pidesk.services.escalation.domain.alert_groups import AlertFacts
from pidesk.shared.db.engine import rows_affected

AlertKey = tuple[str, str]  # (source, vendor alert id): unique across all incidents
LOOKUP_CHUNK = 2000  # alert ids per query: well inside every driver's limit of bound parameters


def alert_facts(row: Any) -> AlertFacts:
    """What the group rule reads of a stored alert (an IncidentAlert or a row of its columns)."""
    return AlertFacts(
        asset=row.asset,
        detections=row.detections or {},
        data_categories=row.data_categories or [],
        affected_count=row.affected_count,
    )


@dataclass(frozen=True)
class GroupRows:
    """An incident's alerts as the group rule needs them: one summary per place (see `group_of`),
    how many alerts there are, and when the newest came."""

    places: list[AlertFacts]
    count: int
    last_alert_at: datetime | None


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def stored(self, keys: Collection[AlertKey]) -> dict[AlertKey, IncidentAlert]:
        """The stored alerts among `keys`, by key."""
        found: dict[AlertKey, IncidentAlert] = {}
        for wanted, matching in _chunks(keys):
            for row in (await self.session.scalars(select(IncidentAlert).where(matching))).all():
                if (row.source, row.alert_id) in wanted:
                    found[(row.source, row.alert_id)] = row
        return found

    async def owners(self, keys: Collection[AlertKey]) -> dict[AlertKey, uuid.UUID]:
        """Which incident owns each stored alert among `keys` (columns only, no ORM objects)."""
        owners: dict[AlertKey, uuid.UUID] = {}
        for wanted, matching in _chunks(keys):
            statement = select(IncidentAlert.source, IncidentAlert.alert_id, IncidentAlert.incident_id).where(matching)
            owners.update(
                {(s, a): owner for s, a, owner in (await self.session.execute(statement)).all() if (s, a) in wanted}
            )
        return owners

    async def group_of(self, incident_id: uuid.UUID) -> GroupRows:
        """The incident's group, summed up by the database place by place: per asset the largest of
        its alerts' own counts, the alerts without an asset added up (each is a place of its own),
        and an unknown count wherever an alert has none. `group_count` over these summaries is
        `group_count` over the alerts themselves, without reading thousands of rows one by one."""
        own = IncidentAlert.detected_count
        rows = (
            await self.session.execute(
                select(
                    IncidentAlert.asset,
                    func.max(own),
                    func.sum(own),
                    func.count(),
                    func.count(own),
                    func.max(IncidentAlert.received_at),
                )
                .where(IncidentAlert.incident_id == incident_id)
                .group_by(IncidentAlert.asset)
            )
        ).all()
        places: list[AlertFacts] = []
        for asset, largest, added, alerts, counted, _last in rows:
            if counted < alerts:
                places.append(AlertFacts(asset=None, affected_count=None))
            if counted:
                places.append(
                    AlertFacts(asset=asset, affected_count=int((largest if asset is not None else added) or 0))
                )
        return GroupRows(places, sum(r[3] for r in rows), max((r[5] for r in rows), default=None))

    async def one(self, incident_id: uuid.UUID, alert_row_id: int) -> IncidentAlert | None:
        alert = await self.session.get(IncidentAlert, alert_row_id)
        return alert if alert is not None and alert.incident_id == incident_id else None

    async def move_all(self, from_incident: uuid.UUID, to_incident: uuid.UUID, *, now: datetime) -> int:
        """Every alert of one incident to another (a merge); returns how many moved."""
        result = await self.session.execute(
            update(IncidentAlert)
            .where(IncidentAlert.incident_id == from_incident)
            .values(incident_id=to_incident, grouped_at=now)
            .execution_options(synchronize_session=False)
        )
        return rows_affected(result)

    async def page(
        self, incident_id: uuid.UUID, *, after: tuple[datetime, int] | None, limit: int
    ) -> tuple[list[IncidentAlert], bool]:
        """Newest first by (received_at, id); `after` is the last row of the previous page."""
        statement = (
            select(IncidentAlert)
            .where(IncidentAlert.incident_id == incident_id)
            .order_by(IncidentAlert.received_at.desc(), IncidentAlert.id.desc())
            .limit(limit + 1)
        )
        if after is not None:
            received, row_id = after
            statement = statement.where(
                or_(
                    IncidentAlert.received_at < received,
                    and_(IncidentAlert.received_at == received, IncidentAlert.id < row_id),
                )
            )
        rows = list((await self.session.scalars(statement)).all())
        return rows[:limit], len(rows) > limit

    async def grouped_since(self, incident_id: uuid.UUID, since: datetime, *, unsnoozed: bool = False) -> int:
        """How many alerts joined the incident's group after `since` (`unsnoozed`: only those no snooze covered)."""
        statement = (
            select(func.count())
            .select_from(IncidentAlert)
            .where(IncidentAlert.incident_id == incident_id, IncidentAlert.grouped_at > since)
        )
        if unsnoozed:
            statement = statement.where(IncidentAlert.snooze_id.is_(None))
        return int(await self.session.scalar(statement) or 0)


def _chunks(keys: Collection[AlertKey]) -> Iterator[tuple[set[AlertKey], ColumnElement[bool]]]:
    """The keys in chunks, each with a condition matching (at least) its rows on the unique index."""
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        matching = and_(
            IncidentAlert.source.in_({s for s, _ in chunk}), IncidentAlert.alert_id.in_({a for _, a in chunk})
        )
        yield set(chunk), matching


def keys_of(records: Iterable[Any]) -> list[AlertKey]:
    """(source, alert id) of alert records (an AlertRecord's source is an enum, a row's a string)."""
    return [(getattr(r.source, "value", r.source), r.alert_id) for r in records]
