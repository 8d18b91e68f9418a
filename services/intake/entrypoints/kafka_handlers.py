"""Kafka handlers: what intake learns back from the desk (an incident closed or merged)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.intake.service.groups import close_groups, merge_groups
from pidesk.shared import topics
from pidesk.shared.events import Envelope, EventPayload, IncidentUpdated, payload_as
from pidesk.shared.messaging.consumer import Handler
from pidesk.shared.vocabulary import UpdateReason

DESK = "escalation"


def kafka_handlers() -> dict[str, Handler]:
    async def on_incident_updated(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        update = payload_as(IncidentUpdated, envelope, payload)
        if envelope.producer != DESK:
            return  # intake's own updates
        if update.reason == UpdateReason.CLOSED:
            await close_groups(session, envelope.incident_id, update.updated_at)
        elif update.reason == UpdateReason.MERGED and update.merged_into is not None:
            await merge_groups(session, envelope.incident_id, update.merged_into)

    return {topics.INCIDENT_UPDATED: on_incident_updated}
