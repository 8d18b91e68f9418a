"""The FastAPI application every service is built on: probes, metrics, limits, errors, lifespan."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, Response
from opentelemetry.trace import Span
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pidesk.shared import tracing
from pidesk.shared.db.engine import ping
from pidesk.shared.http.errors import error_response, install_error_handlers
from pidesk.shared.http.limits import BodySizeLimit
from pidesk.shared.http.metrics import ServiceMetrics
from pidesk.shared.http.openapi import documented, install_openapi
from pidesk.shared.messaging.kafka import broker_reachable
from pidesk.shared.messaging.relay import OutboxRelay
from pidesk.shared.messaging.wiring import TopicProvisioner
from pidesk.shared.settings import CommonSettings

log = logging.getLogger(__name__)

BackgroundTask = Callable[[], Awaitable[None]]


@dataclass
class ServiceRuntime:
    """What a running service holds: its settings, database, metrics and background loops."""

    name: str
    settings: CommonSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    metrics: ServiceMetrics
    relay: OutboxRelay
    provisioner: TopicProvisioner
    background: list[BackgroundTask] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # more of what readiness depends on, e.g. a background loop: each answers "ok" or what is wrong
    checks: dict[str, Callable[[], str]] = field(default_factory=dict)


async def readiness(runtime: ServiceRuntime) -> dict[str, str]:
    """'ok' or the failure, per dependency; probes run concurrently with a short timeout."""

    async def database() -> str:
        try:
            await asyncio.wait_for(ping(runtime.engine), 3.0)
            return "ok"
        except Exception as exc:  # noqa: BLE001
            return f"unreachable: {type(exc).__name__}"

    async def kafka() -> str:
        settings = runtime.settings
        ok = await broker_reachable(settings.kafka_bootstrap_servers, security=settings.kafka_security, within=3.0)
        return "ok" if ok else "unreachable"

    db_state, kafka_state = await asyncio.gather(database(), kafka())
    return {"database": db_state, "kafka": kafka_state} | {name: check() for name, check in runtime.checks.items()}


class Liveness(BaseModel):
    """`/healthz`: the process answers."""

    status: Literal["alive"]
    service: str


class Readiness(BaseModel):
    """`/readyz`: every dependency answered (else 503 in the error shape, naming those that did not)."""

    status: Literal["ready"]
    service: str
    checks: dict[str, str]  # each dependency (database, broker…) and "ok"


def probe_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(tags=["probes"])

    @router.get("/healthz")
    async def healthz() -> Liveness:
        return Liveness(status="alive", service=runtime.name)

    @router.get("/readyz", response_model=Readiness, **documented(errors=[503]))
    async def readyz() -> JSONResponse | Readiness:
        checks = await readiness(runtime)
        if all(v == "ok" for v in checks.values()):
            return Readiness(status="ready", service=runtime.name, checks=checks)
        details = [{"check": k, "status": v} for k, v in checks.items() if v != "ok"]
        return error_response(503, "not_ready", f"{runtime.name} is not ready", details)

    @router.get("/metrics", **documented(produces="text/plain"))  # Prometheus text format
    async def metrics() -> Response:
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


class RequestMetrics:
    """Counts and times requests by route template (not raw path, which holds incident ids); with
    tracing on, each request is also a server span named by that template (shared/tracing.py)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if tracing.enabled():
            with tracing.serving(self.metrics.service, scope) as span:
                await self._measured(scope, receive, send, span)
        else:
            await self._measured(scope, receive, send, None)

    async def _measured(self, scope: Scope, receive: Receive, send: Send, span: Span | None) -> None:
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope.get("method", "")
            self.metrics.http_requests.labels(method, route, str(status)).inc()
            self.metrics.http_latency.labels(method, route).observe(time.perf_counter() - started)
            if span is not None:
                tracing.served(span, method, route, status)


def create_service_app(runtime: ServiceRuntime, routers: list[APIRouter], title: str) -> FastAPI:
    tracing.configure(runtime.name)  # PIDESK_OTEL_ENABLED; off by default

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.tasks = [asyncio.create_task(_supervised(runtime.name, job)) for job in runtime.background]
        try:
            yield
        finally:
            for task in runtime.tasks:
                task.cancel()
            await asyncio.gather(*runtime.tasks, return_exceptions=True)
            await runtime.engine.dispose()

    app = FastAPI(title=title, lifespan=lifespan)
    app.state.runtime = runtime
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(probe_router(runtime))
    for router in routers:
        app.include_router(router)
    app.add_middleware(BodySizeLimit, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=runtime.metrics)
    return app


async def _supervised(service: str, job: BackgroundTask) -> None:
    """Runs a background loop for the life of the service, restarting it if it ever crashes."""
    while True:
        try:
            await job()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background loop crashed; restarting", extra={"service": service})
            await asyncio.sleep(1.0)
