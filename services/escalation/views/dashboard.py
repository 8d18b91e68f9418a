"""What the dashboard's pages read: the board, an incident, the snoozes, a fiscal year, the change mark.

The pages hold no queries; each function here takes the session the page opened and returns rows or
plain records, so what a page reads is in one place and the pages stay about rendering.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from pidesk.services.escalation.adapters.orm import Incident, LedgerRecord, NoticeRecord, Snooze, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.adapters.snoozes import SNOOZED, SnoozeRepository
from pidesk.services.escalation.dashboard import board, stats
from pidesk.services.escalation.domain.fiscal_years import fiscal_year_bounds
from pidesk.services.escalation.views import disclosure

BOARD_LIMIT = 2000
MERGE_CANDIDATES = 200


async def board_rows(session: AsyncSession) -> list[board.BoardRow]:
    """The board's rows in board order: incidents not closed, merged or snoozed."""
    open_incidents = (
        select(Incident)
        .where(Incident.closed_at.is_(None), Incident.status != SNOOZED)
        .options(lazyload(Incident.timeline))  # deadlines and routes, never the timelines
        .limit(BOARD_LIMIT)
    )
    incidents = (await session.scalars(open_incidents)).all()
    return board.sort_board([board.board_row(i) for i in incidents])


async def companies(session: AsyncSession) -> list[str]:
    """Every group company with an incident, for the board's filter."""
    return list((await session.scalars(select(Incident.entity).distinct().order_by(Incident.entity))).all())


async def snoozed_count(session: AsyncSession) -> int:
    return await SnoozeRepository(session).snoozed_count()


async def change_mark(session: AsyncSession, incident_id: uuid.UUID | None = None) -> str:
    """Changes whenever an incident is added or anything lands on a timeline (of `incident_id` if given)."""
    latest_entry, last_update = select(func.max(TimelineEntry.id)), select(func.max(Incident.updated_at))
    if incident_id is not None:
        latest_entry = latest_entry.where(TimelineEntry.incident_id == incident_id)
        last_update = last_update.where(Incident.id == incident_id)
    # one round trip a poll
    row = (await session.execute(select(latest_entry.scalar_subquery(), last_update.scalar_subquery()))).one()
    latest, updated = row
    return f"{latest or 0}:{updated.timestamp() if updated else 0}"


@dataclass(frozen=True)
class IncidentRecords:
    """An incident with what its page shows beside it (ORM rows: read them while the session is open)."""

    incident: Incident
    notices: list[NoticeRecord]  # as the desk last heard of them
    references: dict[uuid.UUID, str]  # of the incident it follows and the one it was merged into
    merge_candidates: list[dict[str, Any]]
    snooze: Snooze | None  # the snooze that matched it


async def incident_records(
    session: AsyncSession, incident_id: uuid.UUID, *, with_candidates: bool
) -> IncidentRecords | None:
    """The incident's page data, or None if there is no such incident."""
    incidents = IncidentRepository(session)
    incident = await incidents.get(incident_id)
    if incident is None:
        return None
    notices = (await session.scalars(select(NoticeRecord).where(NoticeRecord.incident_id == incident_id))).all()
    linked = [i for i in (incident.follows_incident_id, incident.merged_into) if i is not None]
    matched = await session.get(Snooze, incident.matched_snooze_id) if incident.matched_snooze_id else None
    return IncidentRecords(
        incident=incident,
        notices=list(notices),
        references=await incidents.references(linked),
        merge_candidates=await merge_candidates(session, incident) if with_candidates else [],
        snooze=matched,
    )


async def merge_candidates(session: AsyncSession, incident: Incident) -> list[dict[str, Any]]:
    """Open incidents this one could be merged into, newest first (grouped ones and reports alike)."""
    if incident.closed_at is not None:
        return []
    rows = await session.execute(
        select(Incident.id, Incident.reference, Incident.facts, Incident.alert_count)
        .where(Incident.closed_at.is_(None), Incident.id != incident.id)
        .order_by(Incident.received_at.desc())
        .limit(MERGE_CANDIDATES)
    )
    return [
        {"id": str(i), "reference": ref, "kind": (facts or {}).get("incident_kind", "other"), "alert_count": n}
        for i, ref, facts, n in rows.all()
    ]


async def year_stats(session: AsyncSession, year: int, now: datetime) -> stats.YearStats:
    """The counts of fiscal `year`, over the incidents, complaints and government requests received in it."""
    start, end = fiscal_year_bounds(year)
    incidents = (
        await session.scalars(
            select(Incident)
            .where(Incident.received_at >= start, Incident.received_at < end)
            .options(lazyload(Incident.timeline), lazyload(Incident.routes))
        )
    ).all()
    holdings = (await session.scalars(select(LedgerRecord.id).where(LedgerRecord.retired.is_(False)))).all()
    return stats.year_stats(
        year,
        list(incidents),
        now,
        list(holdings),
        complaints=await disclosure.year_complaints(session, year),
        requests=await disclosure.year_requests(session, year),
    )
