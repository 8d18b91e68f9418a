"""The parts every service starts from: database, metrics, outbox relay and topic provisioning."""

from __future__ import annotations

from datetime import timedelta

from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.http.app import ServiceRuntime
from pidesk.shared.http.metrics import ServiceMetrics
from pidesk.shared.messaging.records import OutboxMessageMixin, ProcessedEventMixin
from pidesk.shared.messaging.retention import RetentionPruner
from pidesk.shared.messaging.wiring import TopicProvisioner, build_relay
from pidesk.shared.settings import CommonSettings


def service_runtime(
    service: str,
    settings: CommonSettings,
    database_url: str,
    outbox: type[OutboxMessageMixin],
    topics: list[str],
    processed: type[ProcessedEventMixin] | None = None,
) -> ServiceRuntime:
    """A runtime whose background already holds the relay (started once the topics exist) and the
    retention pruner of its outbox and processed-events tables."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    metrics = ServiceMetrics(service)
    provisioner = TopicProvisioner(settings, topics)
    relay = build_relay(service, settings, sessions, outbox, metrics)
    pruner = RetentionPruner(
        sessions,
        outbox,
        processed,
        retention=timedelta(hours=settings.retention_hours),
        interval_seconds=settings.retention_interval_seconds,
    )
    return ServiceRuntime(
        name=service,
        settings=settings,
        engine=engine,
        sessions=sessions,
        metrics=metrics,
        relay=relay,
        provisioner=provisioner,
        background=[provisioner.then(relay.run), pruner.run],
    )
