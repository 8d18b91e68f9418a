"""The idempotent consumer on the real broker and PostgreSQL: duplicates, crashes, poison messages."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import Envelope, EventPayload
from pidesk.shared.messaging.consumer import ConsumerHooks
from tests.support.consumer_app import ProbeProcessedEvent, create_schema, envelope, handled_counts, probe_consumer
from tests.support.infra import REPO_ROOT, fresh_postgres_database, kafka_bootstrap
from tests.support.kafka import create_topics, produce, read_topic, unique_event_type


@pytest.fixture
async def database() -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    async with fresh_postgres_database("consumer") as url:
        await create_schema(url)
        engine = create_engine(url)
        yield url, session_factory(engine)
        await engine.dispose()


async def wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def two_events_on_a_new_topic() -> tuple[str, Envelope, Envelope]:
    """A fresh one-partition topic holding two events, in order."""
    event_type = unique_event_type()
    topic = topics.topic_for(event_type, 1)
    await create_topics(topic, partitions=1)
    first, second = envelope(event_type, 1), envelope(event_type, 2)
    await produce(topic, first.to_bytes(), second.to_bytes())
    return topic, first, second


async def processed_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ProbeProcessedEvent)) or 0)


async def committed_total(topic: str, group: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or {0}
        return sum([(await consumer.committed(TopicPartition(topic, p))) or 0 for p in partitions])
    finally:
        await consumer.stop()


async def test_the_same_event_delivered_twice_is_processed_once(database) -> None:  # type: ignore[no-untyped-def]
    _url, sessions = database
    event_type = unique_event_type()
    topic = topics.topic_for(event_type, 1)
    await create_topics(topic)
    event = envelope(event_type, 1)
    await produce(topic, event.to_bytes(), event.to_bytes(), key=str(event.incident_id).encode())
    later = envelope(event_type, 2, incident_id=event.incident_id)
    await produce(topic, later.to_bytes(), key=str(event.incident_id).encode())

    duplicates: list[uuid.UUID] = []
    hooks = ConsumerHooks(duplicate=lambda e: duplicates.append(e.event_id))
    consumer = probe_consumer(
        bootstrap=kafka_bootstrap(), sessions=sessions, topic=topic, group=f"g-{uuid.uuid4().hex}", hooks=hooks
    )
    task = asyncio.create_task(consumer.run())
    try:

        async def both_handled() -> bool:
            return later.event_id in await handled_counts(sessions)

        await wait_for(both_handled)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert await handled_counts(sessions) == {event.event_id: 1, later.event_id: 1}
    assert duplicates == [event.event_id]
    assert await processed_count(sessions) == 2


def run_consumer_process(url: str, topic: str, group: str, crash_after: uuid.UUID | None) -> subprocess.Popen[bytes]:
    arguments = [sys.executable, "-m", "tests.support.consumer_app", url, topic, group]
    if crash_after:
        arguments.append(str(crash_after))
    return subprocess.Popen(arguments, cwd=REPO_ROOT, env=dict(os.environ))


async def test_a_consumer_killed_between_db_commit_and_offset_commit_does_nothing_twice(database) -> None:  # type: ignore[no-untyped-def]
    url, sessions = database
    topic, first, second = await two_events_on_a_new_topic()
    group = f"g-{uuid.uuid4().hex}"

    crashing = run_consumer_process(url, topic, group, crash_after=first.event_id)
    assert await asyncio.to_thread(crashing.wait, 60) == 3, "the consumer should die right after its DB commit"
    # the two events were fetched together, so they were committed in one transaction (or the first alone)
    assert (await handled_counts(sessions)).get(first.event_id) == 1
    assert set((await handled_counts(sessions)).values()) == {1}
    assert await committed_total(topic, group) == 0, "the offset must not have been committed"

    restarted = run_consumer_process(url, topic, group, crash_after=None)
    try:

        async def offsets_caught_up() -> bool:
            return await committed_total(topic, group) == 2

        await wait_for(offsets_caught_up, timeout=60)
    finally:
        restarted.terminate()
        await asyncio.to_thread(restarted.wait, 30)
    assert await handled_counts(sessions) == {first.event_id: 1, second.event_id: 1}
    assert await processed_count(sessions) == 2


async def test_poison_messages_go_to_the_dead_letter_topic_and_consumption_goes_on(database) -> None:  # type: ignore[no-untyped-def]
    _url, sessions = database
    event_type = unique_event_type()
    topic = topics.topic_for(event_type, 1)
    await create_topics(topic, partitions=1)
    unknown_version = envelope(event_type, 1, version=7)
    failing = envelope(event_type, -1)  # the handler raises for n < 0, every time
    good = envelope(event_type, 5)
    await produce(topic, b"{not json", unknown_version.to_bytes(), failing.to_bytes(), good.to_bytes())

    consumer = probe_consumer(
        bootstrap=kafka_bootstrap(), sessions=sessions, topic=topic, group=f"g-{uuid.uuid4().hex}", max_attempts=3
    )
    task = asyncio.create_task(consumer.run())
    try:

        async def good_handled() -> bool:
            return good.event_id in await handled_counts(sessions)

        await wait_for(good_handled)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    dead = [json.loads(r.value) for r in await read_topic(topics.dead_letter_topic(topic), expect=3)]
    assert len(dead) == 3
    assert all(d["original_topic"] == topic and d["consumer"] == "probe" for d in dead)
    assert "invalid envelope" in dead[0]["error"] and dead[0]["original"] == {"base64": "e25vdCBqc29u"}
    assert "unknown event" in dead[1]["error"] and dead[1]["attempts"] == 0
    assert "HandlerFailure" in dead[2]["error"] and dead[2]["attempts"] == 3
    assert dead[2]["original"]["event_id"] == str(failing.event_id)
    assert await handled_counts(sessions) == {good.event_id: 1}


async def test_records_of_several_partitions_fetched_together_share_one_transaction(database) -> None:  # type: ignore[no-untyped-def]
    _url, sessions = database
    event_type = unique_event_type()
    topic = topics.topic_for(event_type, 1)
    await create_topics(topic, partitions=3)
    events = [envelope(event_type, n) for n in range(6)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for i, event in enumerate(events):
            await producer.send_and_wait(topic, event.to_bytes(), key=str(event.incident_id).encode(), partition=i % 3)
    finally:
        await producer.stop()

    transactions: dict[uuid.UUID, int] = {}

    async def note_transaction(session: AsyncSession, envelope: Envelope, _payload: EventPayload) -> None:
        transactions[envelope.event_id] = int(await session.scalar(text("SELECT txid_current()")) or 0)

    group = f"g-{uuid.uuid4().hex}"
    consumer = probe_consumer(bootstrap=kafka_bootstrap(), sessions=sessions, topic=topic, group=group)
    consumer.handlers = {topic: note_transaction}
    task = asyncio.create_task(consumer.run())
    try:

        async def all_applied() -> bool:
            return len(transactions) == len(events)

        await wait_for(all_applied)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # one transaction per partition would make three; a round is one (two if the first fetch held only part)
    assert len(set(transactions.values())) < 3, transactions


async def test_a_busy_consumer_commits_its_offsets_now_and_then_not_after_every_round(database) -> None:  # type: ignore[no-untyped-def]
    _url, sessions = database
    event_type = unique_event_type()
    topic = topics.topic_for(event_type, 1)
    await create_topics(topic, partitions=1)
    group = f"g-{uuid.uuid4().hex}"
    commits: list[dict[TopicPartition, object]] = []

    class CountingConsumer(AIOKafkaConsumer):  # type: ignore[misc]  # aiokafka is untyped
        async def commit(self, offsets=None):  # type: ignore[no-untyped-def]
            commits.append(dict(offsets or {}))
            await super().commit(offsets)

    consumer = probe_consumer(bootstrap=kafka_bootstrap(), sessions=sessions, topic=topic, group=group)
    consumer.commit_interval_seconds = 3600.0  # only a quiet moment (or stopping) commits
    consumer.consumer_factory = lambda names: CountingConsumer(
        *names, bootstrap_servers=kafka_bootstrap(), group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest",
    )  # fmt: skip
    task = asyncio.create_task(consumer.run())
    events = [envelope(event_type, n) for n in range(20)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await asyncio.sleep(2)  # joined the group
        for event in events:  # one record every 20 ms: a round each, never a quiet moment
            await producer.send_and_wait(topic, event.to_bytes())
            await asyncio.sleep(0.02)

        async def offsets_caught_up() -> bool:
            return await committed_total(topic, group) == len(events)

        await wait_for(offsets_caught_up)
    finally:
        await producer.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(await handled_counts(sessions)) == len(events)
    assert len(commits) < len(events) // 2, f"{len(commits)} offset commits for {len(events)} records"


async def test_a_consumer_takes_no_round_while_its_before_round_waits(database) -> None:  # type: ignore[no-untyped-def]
    """`before_round` (the notifier's drafting giving way to its internal alerts): nothing is fetched or
    applied while it waits; the records come once it returns, none lost."""
    _url, sessions = database
    topic, first, second = await two_events_on_a_new_topic()
    gate, asked = asyncio.Event(), asyncio.Event()

    async def before_round() -> None:
        asked.set()
        await gate.wait()

    consumer = probe_consumer(
        bootstrap=kafka_bootstrap(), sessions=sessions, topic=topic, group=f"g-{uuid.uuid4().hex}"
    )
    consumer.before_round = before_round
    task = asyncio.create_task(consumer.run())
    try:
        await asyncio.wait_for(asked.wait(), 30)
        await asyncio.sleep(2.0)  # the consumer is up and the records are there: it would have applied them
        assert await handled_counts(sessions) == {}
        gate.set()

        async def both_handled() -> bool:
            return len(await handled_counts(sessions)) == 2

        await wait_for(both_handled)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert await handled_counts(sessions) == {first.event_id: 1, second.event_id: 1}
