"""Kafka handlers: map an event to a use case inside the consumer's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.assessing import PRODUCER
from pidesk.services.escalation.service.incidents import (
    record_incident_update,
    record_reported_incident,
    record_reported_incidents,
)
from pidesk.services.escalation.service.notices import record_notice_drafted, record_notice_issued
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.shared import topics
from pidesk.shared.events import (
    Envelope,
    EventPayload,
    IncidentReported,
    IncidentUpdated,
    NoticeDrafted,
    NoticeIssued,
)
from pidesk.shared.messaging.consumer import BatchHandler, Handler


def kafka_handlers(rules: RoutingRules) -> dict[str, Handler]:
    """The escalation consumer's handler per topic, with the routing rules they apply."""

    async def on_incident_reported(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assert isinstance(payload, IncidentReported)
        if envelope.producer == PRODUCER:
            return  # an incident the desk split out: recorded when it was made
        await record_reported_incident(
            IncidentRepository(session), rules, incident_id=envelope.incident_id, event=payload
        )

    async def on_incident_updated(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assert isinstance(payload, IncidentUpdated)
        if envelope.producer == PRODUCER:
            return  # the desk's own update: applied when it was made
        known = await record_incident_update(
            IncidentRepository(session), rules, incident_id=envelope.incident_id, event=payload
        )
        if not known:  # its reported event has not arrived: retry, and dead-letter if it never does
            raise LookupError(f"incident {envelope.incident_id} is not known yet")

    async def on_notice_drafted(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assert isinstance(payload, NoticeDrafted)
        await record_notice_drafted(session, envelope.incident_id, payload)

    async def on_notice_issued(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assert isinstance(payload, NoticeIssued)
        await record_notice_issued(session, envelope.incident_id, payload)

    return {
        topics.INCIDENT_REPORTED: on_incident_reported,
        topics.INCIDENT_UPDATED: on_incident_updated,
        topics.NOTICE_DRAFTED: on_notice_drafted,
        topics.NOTICE_ISSUED: on_notice_issued,
    }


def kafka_batch_handlers(rules: RoutingRules) -> dict[str, BatchHandler]:
    """Reported incidents arrive in bursts: a fetched batch is assessed and written in one go."""

    async def on_incidents_reported(session: AsyncSession, events: list[tuple[Envelope, EventPayload]]) -> None:
        reported: list[tuple[uuid.UUID, IncidentReported]] = []
        for envelope, payload in events:
            if not isinstance(payload, IncidentReported):
                raise TypeError(f"{envelope.topic} carried {type(payload).__name__}")
            if envelope.producer != PRODUCER:  # the desk's own splits were recorded when made
                reported.append((envelope.incident_id, payload))
        await record_reported_incidents(session, rules, reported)

    return {topics.INCIDENT_REPORTED: on_incidents_reported}
