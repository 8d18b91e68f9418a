"""The parts every service starts from: database, metrics, outbox relay and topic provisioning."""

from __future__ import annotations

from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.http.app import ServiceRuntime
from pidesk.shared.http.metrics import ServiceMetrics
from pidesk.shared.messaging.records import OutboxMessageMixin
from pidesk.shared.messaging.wiring import TopicProvisioner, build_relay
from pidesk.shared.settings import CommonSettings


def service_runtime(
    service: str, settings: CommonSettings, database_url: str, outbox: type[OutboxMessageMixin], topics: list[str]
) -> ServiceRuntime:
    """A runtime whose background already holds the relay (started once the topics exist)."""
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    metrics = ServiceMetrics(service)
    provisioner = TopicProvisioner(settings, topics)
    relay = build_relay(service, settings, sessions, outbox, metrics)
    return ServiceRuntime(
        name=service,
        settings=settings,
        engine=engine,
        sessions=sessions,
        metrics=metrics,
        relay=relay,
        provisioner=provisioner,
        background=[provisioner.then(relay.run)],
    )
