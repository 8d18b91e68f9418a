"""The operational metrics the dashboard and the alerts read (deploy/grafana/), on the real broker and
PostgreSQL: the outbox backlog while the broker is away, and a consumer group's lag."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from pidesk.migrations import runner
from pidesk.services.intake.adapters.orm import OutboxMessage
from pidesk.services.intake.config import IntakeSettings
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import Envelope, EventPayload
from pidesk.shared.http.metrics import ServiceMetrics
from pidesk.shared.messaging.records import add_to_outbox
from pidesk.shared.messaging.wiring import build_consumer, build_relay
from tests.support.consumer_app import (
    Happened,
    ProbeProcessedEvent,
    append_row,
    create_schema,
    envelope,
    handled_counts,
)
from tests.support.infra import free_port, fresh_postgres_database, kafka_bootstrap
from tests.support.kafka import create_topics, produce, unique_event_type


async def eventually(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_the_relay_counts_its_backlog_while_the_broker_is_unreachable(tmp_path: Path) -> None:
    async with fresh_postgres_database("backlog") as url:
        await runner.upgrade(url, "intake")
        engine = create_engine(url)
        sessions = session_factory(engine)
        event_type = unique_event_type("backlog")
        async with sessions() as session, session.begin():
            for n in range(6):
                add_to_outbox(session, OutboxMessage, envelope(event_type, n))
        nobody = f"127.0.0.1:{free_port()}"  # no broker: nothing is published, the rows wait
        settings = IntakeSettings(env="test", var_dir=tmp_path, KAFKA_BOOTSTRAP_SERVERS=nobody, INTAKE_DATABASE_URL=url)
        metrics = ServiceMetrics("intake")
        relay = build_relay("intake", settings, sessions, OutboxMessage, metrics)
        task = asyncio.create_task(relay.run())

        async def measured() -> bool:
            return metrics.registry.get_sample_value("pidesk_outbox_backlog") == 6.0

        try:
            await eventually(measured)
            oldest = metrics.registry.get_sample_value("pidesk_outbox_oldest_unpublished_seconds")
            assert oldest is not None and oldest > 0
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await engine.dispose()


async def test_a_consumer_group_reports_its_lag_per_topic(tmp_path: Path) -> None:
    event_type = unique_event_type("lag")
    topic = topics.topic_for(event_type, 1)
    await create_topics(topic)
    await produce(topic, *(envelope(event_type, n).to_bytes() for n in range(20)))
    async with fresh_postgres_database("lag") as url:
        await create_schema(url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        suffix = f"-lag-{uuid.uuid4().hex[:8]}"
        settings = IntakeSettings(
            env="test",
            var_dir=tmp_path,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            INTAKE_DATABASE_URL=url,
            consumer_group_suffix=suffix,
        )

        async def slowly(session, envelope: Envelope, payload: EventPayload) -> None:  # type: ignore[no-untyped-def]
            await asyncio.sleep(0.3)  # the group falls behind for a few seconds
            await append_row(session, envelope, payload)

        metrics = ServiceMetrics("probe")
        consumer = build_consumer("probe", settings, sessions, ProbeProcessedEvent, {topic: slowly}, metrics)
        consumer.payloads = {(event_type, 1): Happened}
        consumer.fetch_max_records = 5  # a round takes at most 5 records: the rest is lag
        reported = consumer.hooks.lag
        assert reported is not None
        seen: list[int] = []

        def watched(topic_: str, behind: int) -> None:
            seen.append(behind)
            reported(topic_, behind)

        consumer.hooks.lag = watched
        task = asyncio.create_task(consumer.run())
        group = f"pidesk-probe{suffix}"

        async def caught_up() -> bool:
            done = sum((await handled_counts(sessions)).values()) == 20
            lag = metrics.registry.get_sample_value("pidesk_consumer_lag", {"group": group, "topic": topic})
            return done and lag == 0.0

        try:
            await eventually(caught_up, timeout=60)
            assert any(behind > 0 for behind in seen), seen  # it was behind on the way
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await engine.dispose()
