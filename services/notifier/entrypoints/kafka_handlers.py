"""Kafka handlers: each event applied inside the consumer's transaction (idempotent per event id)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.service import alert_batches, alerts, drafting, issuing
from pidesk.shared import topics
from pidesk.shared.events import (
    Envelope,
    EscalationRequested,
    EventPayload,
    IncidentAssessed,
    IncidentReported,
    IncidentUpdated,
    NoticeRequested,
)
from pidesk.shared.messaging.consumer import BatchHandler, Handler


def kafka_handlers(settings: NotifierSettings) -> dict[str, Handler]:
    contact = settings.contact

    async def on_reported(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assert isinstance(payload, IncidentReported)
        await drafting.record_reported(session, envelope.incident_id, payload, contact)

    async def on_updated(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assert isinstance(payload, IncidentUpdated)
        if not payload.changes:
            return  # alerts grouped, a close, a merge: no fact the drafts use changed
        if not await drafting.record_updated(session, envelope.incident_id, payload, contact):
            raise LookupError(f"incident {envelope.incident_id} is not known yet")  # retried, then dead-lettered

    async def on_assessed(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assert isinstance(payload, IncidentAssessed)
        await drafting.record_assessed(session, envelope.incident_id, payload, contact)

    async def on_escalation(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assert isinstance(payload, EscalationRequested)
        await alerts.record_alert(
            session, envelope.incident_id, payload, settings.desk_url, settings.mail_domain, settings.pacing
        )

    async def on_notice_requested(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assert isinstance(payload, NoticeRequested)
        await issuing.approve(session, envelope.incident_id, payload, settings.mail_domain)

    return {
        topics.INCIDENT_REPORTED: on_reported,
        topics.INCIDENT_UPDATED: on_updated,
        topics.INCIDENT_ASSESSED: on_assessed,
        topics.ESCALATION_REQUESTED: on_escalation,
        topics.NOTICE_REQUESTED: on_notice_requested,
    }


def kafka_batch_handlers(settings: NotifierSettings) -> dict[str, BatchHandler]:
    """Escalation requests come in bursts (every role of every new incident): recorded a batch at a time."""

    async def on_escalations(session: AsyncSession, events: list[tuple[Envelope, EventPayload]]) -> None:
        requests: list[tuple[uuid.UUID, EscalationRequested]] = []
        for envelope, payload in events:
            if not isinstance(payload, EscalationRequested):
                raise TypeError(f"{envelope.topic} carried {type(payload).__name__}")
            requests.append((envelope.incident_id, payload))
        await alert_batches.record_alerts(session, requests, settings.desk_url, settings.mail_domain, settings.pacing)

    return {topics.ESCALATION_REQUESTED: on_escalations}
