"""Intake's composition root: wires settings, database, relay and routes into an ASGI app."""

from __future__ import annotations

from fastapi import FastAPI

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.correlation_policy import load_correlation_policy
from pidesk.services.intake.adapters.orm import OutboxMessage, ProcessedEvent, RateLimitCount
from pidesk.services.intake.adapters.references import CaseNumbers, ReferenceNumbers
from pidesk.services.intake.config import IntakeSettings
from pidesk.services.intake.context import IntakeContext
from pidesk.services.intake.entrypoints import case_forms, cases, form, http, webhooks
from pidesk.services.intake.entrypoints.kafka_handlers import kafka_handlers
from pidesk.services.intake.service.correlation import AlertCorrelator
from pidesk.services.intake.service.report_batches import ReportBatcher
from pidesk.services.intake.webhooks.registry import load_sources
from pidesk.shared import topics
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.app import create_service_app
from pidesk.shared.http.csrf import CsrfProtector
from pidesk.shared.http.ratelimit import rate_limits
from pidesk.shared.messaging.wiring import build_consumer
from pidesk.shared.runtime import service_runtime

SERVICE = "intake"
PRODUCES = [
    topics.INCIDENT_REPORTED,
    topics.INCIDENT_UPDATED,
    topics.GOVERNMENT_REQUEST_RECEIVED,
    topics.COMPLAINT_RECEIVED,
]


def build_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    runtime = service_runtime(SERVICE, settings, settings.database_url, OutboxMessage, PRODUCES, ProcessedEvent)
    assert settings.encryption_keys is not None
    # counted in each process, shared through the database by the workers and instances (PostgreSQL)
    rates = rate_limits(settings, settings.database_url, runtime.engine, RateLimitCount)
    assert settings.csrf_secret is not None
    csrf = CsrfProtector(settings.csrf_secret.get_secret_value(), always_secure=settings.env == "production")
    context = IntakeContext(
        settings=settings,
        sessions=runtime.sessions,
        cipher=FieldCipher(settings.encryption_keys.get_secret_value()),
        relay=runtime.relay,
        report_rate=rates.per_minute(settings.reports_per_minute),
        webhook_rate=rates.per_minute(settings.webhooks_per_minute),
        numbers=ReferenceNumbers(runtime.engine),
        case_numbers=CaseNumbers(runtime.engine),
        csrf=csrf,
        sources=load_sources(),
    )
    context.batcher = ReportBatcher(
        runtime.sessions, context.numbers, context.cipher, clock=utcnow, after_commit=runtime.relay.wake
    )
    # a bad correlation policy stops the start-up here, naming the file and line
    context.correlator = AlertCorrelator(
        runtime.sessions,
        context.numbers,
        context.cipher,
        load_correlation_policy(settings.correlation_policy),
        after_commit=runtime.relay.wake,
    )
    consumer = build_consumer(SERVICE, settings, runtime.sessions, ProcessedEvent, kafka_handlers(), runtime.metrics)
    runtime.background += [context.batcher.run, context.correlator.run, runtime.provisioner.then(consumer.run)]
    runtime.background.append(rates.run)  # shares the rate-limit counts (returns at once on `memory`)
    app = create_service_app(
        runtime, [http.router, form.router, webhooks.router, cases.router, case_forms.router], title="pidesk intake"
    )
    app.state.context = context  # the module-level routers read it (entrypoints/deps.py)
    app.state.rate_limits = rates
    return app
