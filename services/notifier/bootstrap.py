"""Notifier's composition root: consumer, drafting, delivery loop, notices API and public page."""

from __future__ import annotations

from fastapi import FastAPI

from pidesk.services.notifier.adapters.orm import AuditEntry, OutboxMessage, ProcessedEvent
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.entrypoints.http import notices_router
from pidesk.services.notifier.entrypoints.kafka_handlers import kafka_batch_handlers, kafka_handlers
from pidesk.services.notifier.service.delivery import DeliveryService
from pidesk.shared import topics
from pidesk.shared.http.app import create_service_app
from pidesk.shared.http.audit import AuditTrail
from pidesk.shared.messaging.consumer import ConsumerHooks
from pidesk.shared.messaging.wiring import build_consumer
from pidesk.shared.runtime import service_runtime

SERVICE = "notifier"
TOPICS = [
    topics.INCIDENT_REPORTED,
    topics.INCIDENT_UPDATED,
    topics.INCIDENT_ASSESSED,
    topics.ESCALATION_REQUESTED,
    topics.NOTICE_REQUESTED,
    topics.NOTICE_ISSUED,
    topics.NOTICE_DRAFTED,
]


def build_app(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    runtime = service_runtime(SERVICE, settings, settings.database_url, OutboxMessage, TOPICS, ProcessedEvent)
    delivery = DeliveryService(runtime.engine, runtime.sessions, settings, on_commit=runtime.relay.wake)

    def committed(_envelope: object) -> None:
        delivery.wake()
        runtime.relay.wake()

    consumer = build_consumer(
        SERVICE,
        settings,
        runtime.sessions,
        ProcessedEvent,
        kafka_handlers(settings),
        runtime.metrics,
        hooks=ConsumerHooks(db_committed=committed),
        batch_handlers=kafka_batch_handlers(settings),
    )
    runtime.background += [runtime.provisioner.then(consumer.run), delivery.run]
    app = create_service_app(runtime, [notices_router(runtime.sessions)], title="pidesk notifier")
    assert settings.token_secret is not None
    app.state.token_secret = settings.token_secret.get_secret_value()
    app.state.delivery = delivery
    app.add_middleware(AuditTrail, sessions=runtime.sessions, model=AuditEntry)
    return app
