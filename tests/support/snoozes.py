"""Snoozes and what they left behind, for escalation tests: made at a chosen time, and the outbox,
timers and alert marks of an incident."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.orm import EscalationTimer, IncidentAlert, OutboxMessage
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.domain.snoozes import SnoozeFilter
from pidesk.services.escalation.service.snooze_desk import SnoozeRequest, create_snooze
from pidesk.shared.http.auth import Principal
from pidesk.shared.vocabulary import Role

OPERATOR = Principal(name="snooze-tester", role=Role.DESK_OPERATOR, token_id="test")


async def snooze(
    sessions: async_sessionmaker[AsyncSession],
    *,
    at: datetime,
    hours: float = 2,
    reason: str = "migration of the staging buckets",
    **patterns: str,
) -> int:
    """A snooze the desk made at `at`, running for `hours`."""
    request = SnoozeRequest(SnoozeFilter(**patterns), reason, at + timedelta(hours=hours))
    return await create_snooze(EscalationUnitOfWork(sessions), request, OPERATOR, at)


async def escalations(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> list[dict[str, object]]:
    """The incident's pidesk.escalation.requested.v1 events in the outbox (what would be mailed)."""
    async with sessions() as session:
        values = (
            await session.scalars(
                select(OutboxMessage.value)
                .where(OutboxMessage.message_key == str(incident_id))
                .order_by(OutboxMessage.id)
            )
        ).all()
    events = [json.loads(v) for v in values]
    return [e["payload"] for e in events if e["event_type"] == "pidesk.escalation.requested"]


async def timers(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(select(EscalationTimer.kind).where(EscalationTimer.incident_id == incident_id))
        return sorted(rows.all())


async def alert_marks(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> dict[str, int | None]:
    """Each alert of the incident and the snooze that covered it (None: none)."""
    async with sessions() as session:
        rows = await session.execute(
            select(IncidentAlert.alert_id, IncidentAlert.snooze_id).where(IncidentAlert.incident_id == incident_id)
        )
        return dict(rows.all())
