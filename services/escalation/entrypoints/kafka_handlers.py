"""Kafka handlers: map an event to a use case inside the consumer's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.domain.case_policy import CasePolicy
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.service.assessing import PRODUCER
from pidesk.services.escalation.service.cases import record_complaint, record_government_request
from pidesk.services.escalation.service.incidents import (
    record_reported_incident,
    record_reported_incidents,
)
from pidesk.services.escalation.service.notices import known_notices, record_notice_drafted, record_notice_issued
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.services.escalation.service.updates import apply_early_updates, lock_incidents, record_incident_updates
from pidesk.shared import topics
from pidesk.shared.db.base import utcnow
from pidesk.shared.events import (
    ComplaintReceived,
    Envelope,
    EventPayload,
    GovernmentRequestReceived,
    IncidentReported,
    IncidentUpdated,
    NoticeDrafted,
    NoticeIssued,
    payload_as,
)
from pidesk.shared.messaging.consumer import BatchHandler, Handler


def kafka_handlers(rules: RoutingRules) -> dict[str, Handler]:
    """The escalation consumer's handler per topic, with the routing rules they apply."""

    async def on_incident_reported(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        reported = payload_as(IncidentReported, envelope, payload)
        if envelope.producer == PRODUCER:
            return  # an incident the desk split out: recorded when it was made
        await lock_incidents(session, [envelope.incident_id])
        await record_reported_incident(
            IncidentRepository(session), rules, incident_id=envelope.incident_id, event=reported
        )
        await apply_early_updates(session, rules, [envelope.incident_id])

    async def on_incident_updated(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        await record_incident_updates(session, rules, [(envelope, payload_as(IncidentUpdated, envelope, payload))])

    async def on_notice_drafted(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        await record_notice_drafted(session, envelope.incident_id, payload_as(NoticeDrafted, envelope, payload))

    async def on_notice_issued(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        await record_notice_issued(session, envelope.incident_id, payload_as(NoticeIssued, envelope, payload))

    return {
        topics.INCIDENT_REPORTED: on_incident_reported,
        topics.INCIDENT_UPDATED: on_incident_updated,
        topics.NOTICE_DRAFTED: on_notice_drafted,
        topics.NOTICE_ISSUED: on_notice_issued,
    }


def kafka_batch_handlers(rules: RoutingRules) -> dict[str, BatchHandler]:
    """Reported incidents arrive in bursts: a fetched batch is assessed and written in one go; a
    batch of updates re-assesses each incident once (coalesced), keeping those that came early."""

    async def on_incidents_reported(session: AsyncSession, events: list[tuple[Envelope, EventPayload]]) -> None:
        reported: list[tuple[uuid.UUID, IncidentReported]] = []
        for envelope, payload in events:
            event = payload_as(IncidentReported, envelope, payload)
            if envelope.producer != PRODUCER:  # the desk's own splits were recorded when made
                reported.append((envelope.incident_id, event))
        ids = [incident_id for incident_id, _ in reported]
        await lock_incidents(session, ids)
        await record_reported_incidents(session, rules, reported)
        await apply_early_updates(session, rules, ids)

    async def on_incidents_updated(session: AsyncSession, events: list[tuple[Envelope, EventPayload]]) -> None:
        updates = [(envelope, payload_as(IncidentUpdated, envelope, payload)) for envelope, payload in events]
        await record_incident_updates(session, rules, updates)

    async def on_notices_drafted(session: AsyncSession, events: list[tuple[Envelope, EventPayload]]) -> None:
        drafted = [(envelope, payload_as(NoticeDrafted, envelope, payload)) for envelope, payload in events]
        known = await known_notices(session, (event.notice_id for _, event in drafted))
        for envelope, event in drafted:
            await record_notice_drafted(session, envelope.incident_id, event, known)

    async def on_notices_issued(session: AsyncSession, events: list[tuple[Envelope, EventPayload]]) -> None:
        issued = [(envelope, payload_as(NoticeIssued, envelope, payload)) for envelope, payload in events]
        known = await known_notices(session, (event.notice_id for _, event in issued))
        for envelope, event in issued:
            await record_notice_issued(session, envelope.incident_id, event, known)

    return {
        topics.INCIDENT_REPORTED: on_incidents_reported,
        topics.INCIDENT_UPDATED: on_incidents_updated,
        topics.NOTICE_DRAFTED: on_notices_drafted,  # a draft per kind and language, an issue per alert sent
        topics.NOTICE_ISSUED: on_notices_issued,
    }


def case_handlers(policy: CasePolicy, directory: Directory) -> dict[str, Handler]:
    """Issue 17: government requests and privacy complaints intake received, recorded and routed by the
    case policy to the people the directory names (the envelope's `incident_id` is the case id)."""

    async def on_government_request(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        event = payload_as(GovernmentRequestReceived, envelope, payload)
        await record_government_request(session, policy, directory, envelope.incident_id, event, utcnow())

    async def on_complaint(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        event = payload_as(ComplaintReceived, envelope, payload)
        await record_complaint(session, policy, directory, envelope.incident_id, event, utcnow())

    return {topics.GOVERNMENT_REQUEST_RECEIVED: on_government_request, topics.COMPLAINT_RECEIVED: on_complaint}
