"""Kafka handlers: map an event to a use case inside the consumer's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_incident_update, record_reported_incident
from pidesk.shared import topics
from pidesk.shared.events import Envelope, EventPayload, IncidentReported, IncidentUpdated
from pidesk.shared.messaging.consumer import Handler


async def on_incident_reported(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
    assert isinstance(payload, IncidentReported)
    await record_reported_incident(IncidentRepository(session), incident_id=envelope.incident_id, event=payload)


async def on_incident_updated(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
    assert isinstance(payload, IncidentUpdated)
    known = await record_incident_update(IncidentRepository(session), incident_id=envelope.incident_id, event=payload)
    if not known:  # its reported event has not arrived: retry, and dead-letter if it never does
        raise LookupError(f"incident {envelope.incident_id} is not known yet")


HANDLERS: dict[str, Handler] = {
    topics.INCIDENT_REPORTED: on_incident_reported,
    topics.INCIDENT_UPDATED: on_incident_updated,
}
