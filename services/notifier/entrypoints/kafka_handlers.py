"""Kafka handlers: each event applied inside the consumer's transaction (idempotent per event id)."""

from __future__ import annotations

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
    payload_as,
)
from pidesk.shared.messaging.consumer import BatchHandler, Handler


def kafka_handlers(settings: NotifierSettings) -> dict[str, Handler]:
    contact = settings.contact
    people = settings.recipient_cipher()

    async def on_reported(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        reported = payload_as(IncidentReported, envelope, payload)
        await drafting.record_reported(session, envelope.incident_id, reported, contact)

    async def on_updated(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        update = payload_as(IncidentUpdated, envelope, payload)
        if not update.changes:
            return  # alerts grouped, a close, a merge: no fact the drafts use changed
        if not await drafting.record_updated(session, envelope.incident_id, update, contact):
            raise LookupError(f"incident {envelope.incident_id} is not known yet")  # retried, then dead-lettered

    async def on_assessed(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        assessed = payload_as(IncidentAssessed, envelope, payload)
        await drafting.record_assessed(session, envelope.incident_id, assessed, contact)

    async def on_escalation(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        await alerts.record_alert(
            session,
            envelope.incident_id,
            payload_as(EscalationRequested, envelope, payload),
            settings.desk_url,
            settings.mail_domain,
            settings.pacing,
            people=people,
        )

    async def on_notice_requested(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
        requested = payload_as(NoticeRequested, envelope, payload)
        await issuing.approve(session, envelope.incident_id, requested, settings.mail_domain, people=people)

    return {
        topics.INCIDENT_REPORTED: on_reported,
        topics.INCIDENT_UPDATED: on_updated,
        topics.INCIDENT_ASSESSED: on_assessed,
        topics.ESCALATION_REQUESTED: on_escalation,
        topics.NOTICE_REQUESTED: on_notice_requested,
    }


def kafka_batch_handlers(settings: NotifierSettings) -> dict[str, BatchHandler]:
    """Escalation requests come in bursts (every role of every new incident): recorded a batch at a time.
    The facts and assessments of a batch are applied one by one as usual, after one query has loaded all
    their incidents (each handler's own look-up then finds its incident without asking the database)."""
    people = settings.recipient_cipher()
    one_by_one = kafka_handlers(settings)

    def preloading(topic: str) -> BatchHandler:
        handler = one_by_one[topic]

        async def on_batch(session: AsyncSession, events: list[tuple[Envelope, EventPayload]]) -> None:
            await drafting.load_incidents(session, {envelope.incident_id for envelope, _ in events})
            try:
                for envelope, payload in events:
                    await handler(session, envelope, payload)
            finally:
                drafting.forget_incidents(session)

        return on_batch

    async def on_escalations(session: AsyncSession, events: list[tuple[Envelope, EventPayload]]) -> None:
        requests = [(e.incident_id, payload_as(EscalationRequested, e, payload)) for e, payload in events]
        await alert_batches.record_alerts(
            session, requests, settings.desk_url, settings.mail_domain, settings.pacing, people=people
        )

    return {
        topics.ESCALATION_REQUESTED: on_escalations,
        **{topic: preloading(topic) for topic in (topics.INCIDENT_REPORTED, topics.INCIDENT_UPDATED)},
        topics.INCIDENT_ASSESSED: preloading(topics.INCIDENT_ASSESSED),
    }
