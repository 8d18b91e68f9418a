"""Escalation's composition root: database, consumer, relay and the desk API."""

from __future__ import annotations

from fastapi import FastAPI

from pidesk.services.escalation.adapters.orm import OutboxMessage, ProcessedEvent
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.entrypoints.http import desk_router
from pidesk.services.escalation.entrypoints.kafka_handlers import HANDLERS
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.http.app import ServiceRuntime, create_service_app
from pidesk.shared.http.metrics import ServiceMetrics
from pidesk.shared.messaging.wiring import TopicProvisioner, build_consumer, build_relay

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
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    metrics = ServiceMetrics(SERVICE)
    relay = build_relay(SERVICE, settings, sessions, OutboxMessage, metrics)
    consumer = build_consumer(SERVICE, settings, sessions, ProcessedEvent, HANDLERS, metrics)
    provisioner = TopicProvisioner(settings, TOPICS)
    context = EscalationContext(settings=settings, sessions=sessions, relay=relay)
    runtime = ServiceRuntime(
        name=SERVICE,
        settings=settings,
        engine=engine,
        sessions=sessions,
        metrics=metrics,
        background=[provisioner.then(relay.run), provisioner.then(consumer.run)],
    )
    app = create_service_app(runtime, [desk_router(context)], title="pidesk escalation")
    app.state.token_secret = context.token_secret
    return app
