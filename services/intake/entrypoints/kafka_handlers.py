"""Kafka handlers: what intake learns back from the desk (an incident closed or merged)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.intake.service.groups import close_groups, merge_groups
from pidesk.shared import topics
from pidesk.shared.events import Envelope, EventPayload, IncidentUpdated
from pidesk.shared.messaging.consumer import Handler

DESK = "escalation"


def kafka_handlers() -> dict[str, Handler]:
    async def on_incident_updated(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        if not isinstance(payload, IncidentUpdated):
            raise TypeError(f"{envelope.topic} carried {type(payload).__name__}")
        if envelope.producer != DESK:
            return  # intake's own updates
        if payload.reason == "closed":
            await close_groups(session, envelope.incident_id, payload.updated_at)
        elif payload.reason == "merged" and payload.merged_into is not None:
            await merge_groups(session, envelope.incident_id, payload.merged_into)

    return {topics.INCIDENT_UPDATED: on_incident_updated}
