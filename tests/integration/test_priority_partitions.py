"""Priority partitions on the real broker and PostgreSQL: the relay puts an urgent event on partition 0,
the rest by key on the others, and a consumer with a backlog of thousands takes the urgent one within
its first rounds instead of after the backlog."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.migrations import runner
from pidesk.services.intake.adapters.orm import OutboxMessage
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.messaging import priority
from pidesk.shared.messaging.kafka import reliable_producer
from pidesk.shared.messaging.records import outbox_message
from pidesk.shared.messaging.relay import OutboxRelay
from pidesk.shared.messaging.security import PLAINTEXT
from tests.support.consumer_app import HandledEvent, create_schema, envelope, probe_consumer
from tests.support.infra import fresh_postgres_database, kafka_bootstrap
from tests.support.kafka import create_topics, read_topic, unique_event_type

URGENT = 1_000_000
BACKLOG = 2_000


def test_urgent_events_go_to_partition_zero_and_the_rest_by_key_elsewhere() -> None:
    reported = topics.INCIDENT_REPORTED
    person = b'{"payload": {"source": "form"}}'
    tool = b'{"payload": {"source": "ms-purview"}}'
    assert priority.partition_for(reported, b"k", person, 3) == 0
    spread = {priority.partition_for(reported, uuid.uuid4().bytes, tool, 3) for _ in range(200)}
    assert spread == {1, 2}
    assert priority.partition_for(reported, b"k", person, 1) is None, "one partition: nothing to separate"
    assert priority.partition_for(topics.NOTICE_ISSUED, b"k", person, 3) is None, "not a priority topic"
    alert_for_person = b'{"payload": {"risk_level": "low", "source": "api"}}'
    assert priority.partition_for(topics.ESCALATION_REQUESTED, b"k", alert_for_person, 3) == 0
    storm_alert = b'{"payload": {"risk_level": "very_high", "source": "ms-purview"}}'
    assert priority.partition_for(topics.ESCALATION_REQUESTED, b"k", storm_alert, 3) != 0
    case_alert = b'{"payload": {"risk_level": "none", "source": null, "case": "government_request"}}'
    assert priority.partition_for(topics.ESCALATION_REQUESTED, b"k", case_alert, 3) == 0
    incident_alert = b'{"payload": {"risk_level": "high", "source": "github", "case": null}}'
    assert priority.partition_for(topics.ESCALATION_REQUESTED, b"k", incident_alert, 3) != 0


@pytest.fixture
async def databases() -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]]]:
    async with fresh_postgres_database("prio_out") as out_url, fresh_postgres_database("prio_in") as in_url:
        await runner.upgrade(out_url, "intake")  # its outbox table
        await create_schema(in_url)
        engines = [create_engine(out_url), create_engine(in_url)]
        yield session_factory(engines[0]), session_factory(engines[1])
        for engine in engines:
            await engine.dispose()


async def test_an_urgent_event_overtakes_a_backlog(databases, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    outbox_sessions, consumer_sessions = databases
    event_type = unique_event_type("prio")
    topic = topics.topic_for(event_type, 1)
    await create_topics(topic, partitions=3)
    monkeypatch.setitem(priority.URGENT, topic, lambda payload: payload.get("n") == URGENT)

    # a backlog, then one urgent event: written to the outbox in that order and relayed
    async with outbox_sessions() as session, session.begin():
        for n in [*range(BACKLOG), URGENT]:
            session.add(outbox_message(OutboxMessage, envelope(event_type, n)))
    relay = OutboxRelay(
        name="prio",
        sessions=outbox_sessions,
        model=OutboxMessage,
        producer_factory=lambda: reliable_producer(kafka_bootstrap(), "prio-relay", security=PLAINTEXT),
        batch_size=500,
    )
    producer = reliable_producer(kafka_bootstrap(), "prio-relay", security=PLAINTEXT)
    await producer.start()
    try:
        while await relay.publish_batch(producer):
            pass
    finally:
        await producer.stop()
    records = await read_topic(topic, expect=BACKLOG + 1)
    by_partition = {r.partition for r in records if b'"n":1000000' in r.value}
    assert by_partition == {0}
    assert {r.partition for r in records} == {0, 1, 2}

    consumer = probe_consumer(
        bootstrap=kafka_bootstrap(), sessions=consumer_sessions, topic=topic, group=f"g-{uuid.uuid4().hex}"
    )
    consumer.fetch_max_records = 100
    consumer.payloads = {(event_type, 1): consumer.payloads[(event_type, 1)]}
    task = asyncio.create_task(consumer.run())
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while asyncio.get_running_loop().time() < deadline:
            async with consumer_sessions() as session:
                notes = (await session.scalars(select(HandledEvent.note).order_by(HandledEvent.id))).all()
            if f"n={URGENT}" in notes or len(notes) > BACKLOG:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert f"n={URGENT}" in notes
    position = notes.index(f"n={URGENT}")
    assert position < 400, f"the urgent event was handled {position}th, behind the backlog"
