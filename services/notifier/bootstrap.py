"""Notifier's composition root."""

from __future__ import annotations

from fastapi import FastAPI

from pidesk.services.notifier.adapters.orm import OutboxMessage
from pidesk.services.notifier.config import NotifierSettings
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.http.app import ServiceRuntime, create_service_app
from pidesk.shared.http.metrics import ServiceMetrics
from pidesk.shared.messaging.wiring import TopicProvisioner, build_relay

SERVICE = "notifier"
TOPICS = [topics.ESCALATION_REQUESTED, topics.NOTICE_REQUESTED, topics.NOTICE_ISSUED]


def build_app(settings: NotifierSettings | None = None) -> FastAPI:
    settings = settings or NotifierSettings()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    metrics = ServiceMetrics(SERVICE)
    relay = build_relay(SERVICE, settings, sessions, OutboxMessage, metrics)
    runtime = ServiceRuntime(
        name=SERVICE,
        settings=settings,
        engine=engine,
        sessions=sessions,
        metrics=metrics,
        background=[TopicProvisioner(settings, TOPICS).then(relay.run)],
    )
    return create_service_app(runtime, [], title="pidesk notifier")
