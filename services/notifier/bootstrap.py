"""Notifier's composition root: consumer, drafting, delivery loop, notices API and public page."""

from __future__ import annotations

from fastapi import FastAPI

from pidesk.services.notifier.adapters.orm import AuditEntry, OutboxMessage, ProcessedEvent
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.context import NotifierContext
from pidesk.services.notifier.entrypoints.http import router as notices_router
from pidesk.services.notifier.entrypoints.kafka_handlers import kafka_batch_handlers, kafka_handlers
from pidesk.services.notifier.service.delivery import DeliveryService
from pidesk.shared import topics
from pidesk.shared.http.app import create_service_app
from pidesk.shared.http.audit import AuditTrail
from pidesk.shared.http.revocation import RevokedTokens, from_escalation
from pidesk.shared.messaging.consumer import ConsumerHooks
from pidesk.shared.messaging.wiring import LANES, build_consumer
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
    delivery.ledger.on_outcome = lambda channel, status: runtime.metrics.deliveries.labels(channel, status).inc()
    delivery.on_deferred = runtime.metrics.drafting_deferred.inc

    def committed(_envelope: object) -> None:
        delivery.wake()
        runtime.relay.wake()

    handlers = kafka_handlers(settings)
    batch_handlers = kafka_batch_handlers(settings)
    # internal alerts in a lane of their own: they never wait behind drafting
    lanes = {lane: {t: handlers.pop(t) for t in names} for lane, names in LANES[SERVICE].items()}
    consumers = [
        build_consumer(
            SERVICE,
            settings,
            runtime.sessions,
            ProcessedEvent,
            lane_handlers,
            runtime.metrics,
            hooks=ConsumerHooks(db_committed=committed),
            batch_handlers={t: h for t, h in batch_handlers.items() if t in lane_handlers},
            lane=lane,
            # drafting and approvals give way while internal alerts wait for SMTP (service/delivery.py)
            before_round=None if lane else delivery.alerts_first,
        )
        for lane, lane_handlers in [("", handlers), *lanes.items()]
    ]
    runtime.background += [*(runtime.provisioner.then(c.run) for c in consumers), delivery.run]
    runtime.checks["delivery"] = delivery.health  # a dead or crash-looping delivery loop: not ready
    app = create_service_app(runtime, [notices_router], title="pidesk notifier")
    # the notices API's routes read it (entrypoints/http.py)
    app.state.context = NotifierContext(
        runtime.sessions, settings.recipient_cipher(), runtime.relay, settings.public_url
    )
    app.state.token_key, app.state.token_audience = settings.notifier_token_key(), "notifier"
    app.state.public_url = settings.public_url  # the Atom feed's links
    app.state.revoked_tokens = revoked = RevokedTokens()
    fetch = from_escalation(settings.escalation_url)
    runtime.background.append(lambda: revoked.poll(fetch, settings.revocation_poll_seconds))
    app.state.delivery = delivery
    app.add_middleware(AuditTrail, sessions=runtime.sessions, model=AuditEntry)
    return app
