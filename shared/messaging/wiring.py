"""Builds the messaging parts of a service from its settings: relay, consumer, topic provisioning."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.shared import topics
from pidesk.shared.http.metrics import ServiceMetrics
from pidesk.shared.messaging.backoff import Backoff
from pidesk.shared.messaging.consumer import BatchHandler, ConsumerHooks, Handler, IdempotentConsumer
from pidesk.shared.messaging.kafka import (
    ensure_topics,
    manual_commit_consumer,
    reliable_producer,
    start_where_group_is,
)
from pidesk.shared.messaging.records import OutboxMessageMixin, ProcessedEventMixin
from pidesk.shared.messaging.relay import OutboxRelay
from pidesk.shared.settings import CommonSettings

log = logging.getLogger(__name__)


def build_relay(
    service: str,
    settings: CommonSettings,
    sessions: async_sessionmaker[AsyncSession],
    model: type[OutboxMessageMixin],
    metrics: ServiceMetrics,
) -> OutboxRelay:
    return OutboxRelay(
        name=service,
        sessions=sessions,
        model=model,
        producer_factory=lambda: reliable_producer(
            settings.kafka_bootstrap_servers, f"pidesk-{service}-relay", security=settings.kafka_security
        ),
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
        on_published=metrics.outbox_published.inc,
        on_backlog=metrics.outbox_measured,
    )


# consumers of their own (own group, own fetch loop) for topics that must not wait behind the rest
LANES: dict[str, dict[str, tuple[str, ...]]] = {"notifier": {"alerts": (topics.ESCALATION_REQUESTED,)}}


def consumer_group_id(service: str, settings: CommonSettings) -> str:
    """`pidesk-<service>`, plus PIDESK_CONSUMER_GROUP_SUFFIX when one is set."""
    return f"pidesk-{service}{settings.consumer_group_suffix}"


def consumer_group_ids(service: str, suffix: str = "") -> list[str]:
    """Every consumer group of a service: its main one and one per lane (`pidesk-notifier-alerts`)."""
    main = f"pidesk-{service}{suffix}"
    return [main, *(f"{main}-{lane}" for lane in LANES.get(service, {}))]


def build_consumer(
    service: str,
    settings: CommonSettings,
    sessions: async_sessionmaker[AsyncSession],
    model: type[ProcessedEventMixin],
    handlers: dict[str, Handler],
    metrics: ServiceMetrics,
    hooks: ConsumerHooks | None = None,
    *,
    batch_handlers: dict[str, BatchHandler] | None = None,
    after_commit: Callable[[], None] | None = None,
    lane: str = "",
    before_round: Callable[[], Awaitable[None]] | None = None,
) -> IdempotentConsumer:
    """The service's idempotent consumer of `handlers`' topics. A `lane` (LANES) is a consumer with a
    group and fetch loop of its own, for topics that must not wait behind the others' work (the
    notifier's internal alerts behind its drafting). Its new group starts where the service's group
    had got to, and records stay deduplicated under the service's name: nothing is applied twice."""
    bootstrap = settings.kafka_bootstrap_servers
    security = settings.kafka_security
    hooks = hooks or ConsumerHooks()
    hooks.processed = lambda e: metrics.events_processed.labels(e.topic).inc()
    hooks.duplicate = lambda e: metrics.events_duplicate.labels(e.topic).inc()
    hooks.dead_lettered = lambda topic, _error: metrics.events_dead_lettered.labels(topic).inc()
    parent = consumer_group_id(service, settings)
    group_id = f"{parent}-{lane}" if lane else parent
    hooks.lag = lambda topic, behind: metrics.consumer_lag.labels(group_id, topic).set(behind)

    async def from_parent() -> None:
        await start_where_group_is(bootstrap, group_id, parent, sorted(handlers), security=security)

    return IdempotentConsumer(
        name=service,
        group_id=group_id,
        handlers=handlers,
        sessions=sessions,
        processed_model=model,
        consumer_factory=lambda names: manual_commit_consumer(bootstrap, group_id, names, group_id, security=security),
        producer_factory=lambda: reliable_producer(bootstrap, f"pidesk-{service}-dlq", security=security),
        max_attempts=settings.consumer_max_attempts,
        hooks=hooks,
        batch_handlers=batch_handlers or {},
        after_commit=after_commit or (lambda: None),
        before_first_start=from_parent if lane else None,
        before_round=before_round,
        round_target_seconds=settings.consumer_round_seconds,
    )


def dead_letter_configs(names: list[str], hours: float) -> dict[str, dict[str, str]]:
    """Dead-letter topics keep their copies `hours` (a DLQ holds whole events, personal data included)."""
    retention = str(int(hours * 3_600_000))
    return {name: {"retention.ms": retention} for name in names if topics.is_dead_letter_topic(name)}


class TopicProvisioner:
    """Creates the service's topics (and their DLQs) once, retrying until the broker answers.

    Loops that publish or consume start through `then()`, so a consumer never subscribes to a
    topic that does not exist yet.
    """

    def __init__(self, settings: CommonSettings, names: list[str]) -> None:
        self._settings = settings
        self._wanted = sorted({*names, *(topics.dead_letter_topic(n) for n in names)})
        self._lock = asyncio.Lock()
        self._done = False

    async def ready(self) -> None:
        async with self._lock:
            backoff = Backoff()
            while not self._done:
                try:
                    await ensure_topics(
                        self._settings.kafka_bootstrap_servers,
                        self._wanted,
                        self._settings.kafka_topic_partitions,
                        self._settings.kafka_topic_replication,
                        dead_letter_configs(self._wanted, self._settings.dlq_retention_hours),
                        security=self._settings.kafka_security,
                    )
                    self._done = True
                except Exception as exc:  # noqa: BLE001 - the broker may come up after the service
                    security = self._settings.kafka_security.describe()  # never the password
                    log.warning("topic provisioning failed; retrying", extra={"error": repr(exc), "security": security})
                    await backoff.wait()

    def then(self, job: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        async def run_when_ready() -> None:
            await self.ready()
            await job()

        return run_when_ready
