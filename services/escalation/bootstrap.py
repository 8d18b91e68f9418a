"""Escalation's composition root: database, consumer, relay and the desk API."""

from __future__ import annotations

from fastapi import FastAPI

from pidesk.services.escalation.adapters.orm import OutboxMessage, ProcessedEvent
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.entrypoints.http import desk_router
from pidesk.services.escalation.entrypoints.kafka_handlers import HANDLERS
from pidesk.shared import topics
from pidesk.shared.http.app import create_service_app
from pidesk.shared.messaging.wiring import build_consumer
from pidesk.shared.runtime import service_runtime

SERVICE = "escalation"
TOPICS = [
    topics.INCIDENT_REPORTED,
    topics.INCIDENT_UPDATED,
    topics.INCIDENT_ASSESSED,
    topics.ESCALATION_REQUESTED,
    topics.NOTICE_REQUESTED,
]


def build_app(settings: EscalationSettings | None = None) -> FastAPI:
    settings = settings or EscalationSettings()
    runtime = service_runtime(SERVICE, settings, settings.database_url, OutboxMessage, TOPICS)
    consumer = build_consumer(SERVICE, settings, runtime.sessions, ProcessedEvent, HANDLERS, runtime.metrics)
    runtime.background.append(runtime.provisioner.then(consumer.run))
    context = EscalationContext(settings=settings, sessions=runtime.sessions, relay=runtime.relay)
    app = create_service_app(runtime, [desk_router(context)], title="pidesk escalation")
    app.state.token_secret = context.token_secret
    return app
