"""The outbox relay on the real broker and PostgreSQL: order per incident, nothing lost when killed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.migrations import runner
from pidesk.services.intake.adapters.orm import OutboxMessage
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.messaging.kafka import reliable_producer
from pidesk.shared.messaging.records import add_to_outbox
from pidesk.shared.messaging.relay import OutboxRelay
from pidesk.shared.messaging.security import PLAINTEXT
from tests.support.consumer_app import envelope
from tests.support.infra import REPO_ROOT, fresh_postgres_database, kafka_bootstrap
from tests.support.kafka import create_topics, read_topic, unique_event_type


async def fill_outbox(
    sessions: async_sessionmaker[AsyncSession], event_type: str, incidents: int, per_incident: int
) -> list[tuple[str, str]]:
    """Rows interleaved across incidents; returns (incident key, event id) in outbox order."""
    ids = [uuid.uuid4() for _ in range(incidents)]
    written: list[tuple[str, str]] = []
    async with sessions() as session, session.begin():
        for n in range(per_incident):
            for incident in ids:
                event = envelope(event_type, n, incident_id=incident)
                add_to_outbox(session, OutboxMessage, event)
                written.append((str(incident), str(event.event_id)))
    return written


async def unpublished(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.published_at.is_(None))
            )
            or 0
        )


def first_seen_order(records) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    import json

    seen: set[str] = set()
    order: dict[str, list[str]] = defaultdict(list)
    for record in records:
        body = json.loads(record.value)
        if body["event_id"] not in seen:
            seen.add(body["event_id"])
            order[record.key.decode()].append(body["event_id"])
    return order


def expected_order(written: list[tuple[str, str]]) -> dict[str, list[str]]:
    order: dict[str, list[str]] = defaultdict(list)
    for key, event_id in written:
        order[key].append(event_id)
    return order


async def test_relay_publishes_every_row_once_in_order_per_incident() -> None:
    event_type = unique_event_type("relay")
    topic = topics.topic_for(event_type, 1)
    await create_topics(topic, with_dlq=False)
    async with fresh_postgres_database("relay") as url:
        await runner.upgrade(url, "intake")
        engine = create_engine(url)
        sessions = session_factory(engine)
        written = await fill_outbox(sessions, event_type, incidents=7, per_incident=30)
        relay = OutboxRelay(
            name="t",
            sessions=sessions,
            model=OutboxMessage,
            batch_size=50,
            producer_factory=lambda: reliable_producer(kafka_bootstrap(), "t", security=PLAINTEXT),
        )
        producer = reliable_producer(kafka_bootstrap(), "t", security=PLAINTEXT)
        await producer.start()
        try:
            while await relay.publish_batch(producer):
                pass
        finally:
            await producer.stop()
        assert await unpublished(sessions) == 0
        await engine.dispose()

    records = await read_topic(topic, expect=len(written))
    assert len(records) == len(written), "each row exactly once when nothing fails"
    assert first_seen_order(records) == expected_order(written)


async def test_a_relay_killed_mid_batch_loses_nothing_and_keeps_incident_order() -> None:
    event_type = unique_event_type("relaykill")
    topic = topics.topic_for(event_type, 1)
    await create_topics(topic, with_dlq=False)
    async with fresh_postgres_database("relaykill") as url:
        await runner.upgrade(url, "intake")
        engine = create_engine(url)
        sessions = session_factory(engine)
        written = await fill_outbox(sessions, event_type, incidents=10, per_incident=300)
        total = len(written)

        def start_relay() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [sys.executable, "-m", "tests.support.relay_process", url, "100"], cwd=REPO_ROOT, env=dict(os.environ)
            )

        relay = start_relay()
        try:
            while (left := await unpublished(sessions)) > total - 300:
                assert relay.poll() is None
                await asyncio.sleep(0.01)
            relay.send_signal(signal.SIGKILL)
            await asyncio.to_thread(relay.wait, 10)
        finally:
            if relay.poll() is None:
                relay.kill()
        left_at_kill = await unpublished(sessions)
        assert 0 < left_at_kill < total, f"the kill should land mid-run (left {left})"

        relay = start_relay()
        try:
            while await unpublished(sessions):
                assert relay.poll() is None
                await asyncio.sleep(0.1)
        finally:
            relay.terminate()
            await asyncio.to_thread(relay.wait, 10)
        await engine.dispose()

    records = await read_topic(topic, expect=total, timeout=60)
    order = first_seen_order(records)
    assert sum(len(v) for v in order.values()) == total, "every event reached the topic"
    assert order == expected_order(written), "no incident's events were reordered"


async def relay_reads(sessions: async_sessionmaker[AsyncSession], event_type: str) -> int:
    """How many reads of the outbox the running relay makes to publish a commit of three rows."""
    relay = OutboxRelay(
        name="t",
        sessions=sessions,
        model=OutboxMessage,
        batch_size=50,
        poll_seconds=60,  # only wake-ups: no poll within the test
        producer_factory=lambda: reliable_producer(kafka_bootstrap(), "t", security=PLAINTEXT),
    )
    reads = 0
    publish = relay.publish_batch

    async def counted(producer):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return await publish(producer)

    relay.publish_batch = counted  # type: ignore[method-assign]
    task = asyncio.create_task(relay.run())
    try:
        while reads < 1:  # the first read, of an empty outbox
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        await fill_outbox(sessions, event_type, incidents=3, per_incident=1)
        relay.wake()  # as the commit's hook does
        while await unpublished(sessions):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        return reads
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_relay_does_not_read_the_outbox_again_after_a_short_batch(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At a moderate rate every batch is short: a read that would find nothing is not made (a row committed
    meanwhile woke the relay again); after a long run of batches, when another process's relay may have
    stopped waiting for the lock, one more read is made."""
    event_type = unique_event_type("relay")
    await create_topics(topics.topic_for(event_type, 1), with_dlq=False)
    async with fresh_postgres_database("relay") as url:
        await runner.upgrade(url, "intake")
        engine = create_engine(url)
        sessions = session_factory(engine)
        assert await relay_reads(sessions, event_type) == 2  # the empty outbox at start, then the three rows
        monkeypatch.setattr("pidesk.shared.messaging.relay.BUSY_WINDOW_SECONDS", 0.0)  # every run is "long"
        assert await relay_reads(sessions, event_type) == 3
        await engine.dispose()
