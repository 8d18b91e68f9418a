"""Intake's composition root: wires settings, database, relay and routes into an ASGI app."""

from __future__ import annotations

from fastapi import FastAPI

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import OutboxMessage
from pidesk.services.intake.config import IntakeSettings
from pidesk.services.intake.context import IntakeContext
from pidesk.services.intake.entrypoints.http import report_router
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.http.app import ServiceRuntime, create_service_app
from pidesk.shared.http.metrics import ServiceMetrics
from pidesk.shared.messaging.wiring import TopicProvisioner, build_relay

SERVICE = "intake"
PRODUCES = [topics.INCIDENT_REPORTED, topics.INCIDENT_UPDATED]


def build_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    metrics = ServiceMetrics(SERVICE)
    relay = build_relay(SERVICE, settings, sessions, OutboxMessage, metrics)
    assert settings.encryption_keys is not None
    context = IntakeContext(
        settings=settings,
        sessions=sessions,
        cipher=FieldCipher(settings.encryption_keys.get_secret_value()),
        relay=relay,
    )
    runtime = ServiceRuntime(
        name=SERVICE,
        settings=settings,
        engine=engine,
        sessions=sessions,
        metrics=metrics,
        background=[TopicProvisioner(settings, PRODUCES).then(relay.run)],
    )
    return create_service_app(runtime, [report_router(context)], title="pidesk intake")
