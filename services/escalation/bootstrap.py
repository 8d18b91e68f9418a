"""Escalation's composition root: database, consumer, relay and the desk API."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from pidesk.services.escalation.adapters.case_policy_files import load_case_policy
from pidesk.services.escalation.adapters.notifier_client import NotifierClient
from pidesk.services.escalation.adapters.orm import AuditEntry, OutboxMessage, ProcessedEvent, RateLimitCount
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.dashboard.pages import STATIC, SignInRequired
from pidesk.services.escalation.dashboard.routes import dashboard_routers
from pidesk.services.escalation.entrypoints import cases as cases_api
from pidesk.services.escalation.entrypoints import http as desk_api
from pidesk.services.escalation.entrypoints import ledger as ledger_api
from pidesk.services.escalation.entrypoints import snoozes as snooze_api
from pidesk.services.escalation.entrypoints import tokens as tokens_api
from pidesk.services.escalation.entrypoints.kafka_handlers import case_handlers, kafka_batch_handlers, kafka_handlers
from pidesk.services.escalation.service.case_timers import CaseEscalator
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.services.escalation.service.timers import TimerScheduler
from pidesk.shared import topics
from pidesk.shared.cipher import FieldCipher
from pidesk.shared.http.app import create_service_app
from pidesk.shared.http.audit import AuditTrail
from pidesk.shared.http.auth import token_key
from pidesk.shared.http.csrf import CsrfProtector
from pidesk.shared.http.ratelimit import rate_limits
from pidesk.shared.keys import derive_key
from pidesk.shared.messaging.wiring import build_consumer
from pidesk.shared.runtime import service_runtime

SERVICE = "escalation"
TOPICS = [
    topics.INCIDENT_REPORTED,
    topics.INCIDENT_UPDATED,
    topics.INCIDENT_ASSESSED,
    topics.ESCALATION_REQUESTED,
    topics.NOTICE_REQUESTED,
    topics.NOTICE_DRAFTED,
    topics.NOTICE_ISSUED,
    topics.GOVERNMENT_REQUEST_RECEIVED,
    topics.COMPLAINT_RECEIVED,
]


def build_app(settings: EscalationSettings | None = None) -> FastAPI:
    settings = settings or EscalationSettings()
    runtime = service_runtime(SERVICE, settings, settings.database_url, OutboxMessage, TOPICS, ProcessedEvent)
    # a bad policy or directory file stops the start-up here, naming the file and line
    rules = RoutingRules(
        load_policy(settings.routing_policy),
        load_directory(settings.directory),
        group_update_window=timedelta(seconds=settings.group_update_seconds),
    )
    case_policy = load_case_policy(settings.case_policy)  # government requests and complaints (issue 17)
    case_cipher = FieldCipher(settings.case_keyring())
    consumer = build_consumer(
        SERVICE,
        settings,
        runtime.sessions,
        ProcessedEvent,
        {**kafka_handlers(rules), **case_handlers(case_policy, rules.directory)},
        runtime.metrics,
        batch_handlers=kafka_batch_handlers(rules),
        after_commit=runtime.relay.wake,
    )
    scheduler = TimerScheduler(
        runtime.sessions, rules, interval=settings.timer_interval_seconds, on_commit=runtime.relay.wake
    )
    # the dashboard's sign-in rate, counted in each process and shared through the database (PostgreSQL)
    rates = rate_limits(settings, settings.database_url, runtime.engine, RateLimitCount)
    escalator = CaseEscalator(
        runtime.sessions,
        case_policy,
        rules.directory,
        interval=settings.timer_interval_seconds,
        on_commit=runtime.relay.wake,
    )
    runtime.background += [runtime.provisioner.then(consumer.run), scheduler.run, rates.run, escalator.run]
    context = EscalationContext(settings=settings, sessions=runtime.sessions, relay=runtime.relay, rules=rules)
    context.case_policy, context.case_cipher = case_policy, case_cipher
    context.notifier = NotifierClient(settings.notifier_url, context.token_secret)
    csrf = CsrfProtector(
        derive_key(context.token_secret, "csrf:desk-login"),
        salt="pidesk-desk-login",
        always_secure=settings.env == "production",
    )
    routers = [
        desk_api.router,
        snooze_api.router,
        ledger_api.router,
        cases_api.router,
        tokens_api.router,
        *dashboard_routers(),
    ]
    app = create_service_app(runtime, routers, title="pidesk escalation")
    app.state.token_key, app.state.token_audience = token_key(context.token_secret, "escalation"), "escalation"
    app.state.sessions = runtime.sessions
    app.state.rate_limits = rates
    app.state.context, app.state.csrf = context, csrf  # module-level routers read them (entrypoints/deps.py)
    app.mount("/desk/static", StaticFiles(directory=STATIC), name="desk-static")

    @app.exception_handler(SignInRequired)
    async def _sign_in(_request: Request, exc: SignInRequired) -> RedirectResponse:
        return RedirectResponse(f"/desk/login?{urlencode({'next': exc.next_path})}", status_code=303)

    app.add_middleware(
        AuditTrail, sessions=runtime.sessions, model=AuditEntry, prefixes=("/v1/", "/desk"), skip=("/desk/static",)
    )
    return app
