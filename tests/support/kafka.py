"""Small real-broker helpers for tests: unique topics, producing raw bytes, reading a topic back."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord, TopicPartition

from pidesk.shared import topics
from pidesk.shared.messaging.kafka import commit_offsets, ensure_topics
from pidesk.shared.messaging.security import PLAINTEXT
from pidesk.shared.messaging.wiring import consumer_group_ids
from tests.support.infra import kafka_bootstrap


def unique_event_type(stem: str = "test") -> str:
    return f"pidesk.{stem}.t{uuid.uuid4().hex[:12]}"


async def create_topics(*names: str, partitions: int = 3, with_dlq: bool = True) -> None:
    wanted = list(names) + ([topics.dead_letter_topic(n) for n in names] if with_dlq else [])
    await ensure_topics(kafka_bootstrap(), wanted, partitions, 1, security=PLAINTEXT)


async def produce(topic: str, *values: bytes, key: bytes | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def read_topic(topic: str, *, expect: int, timeout: float = 30.0) -> list[ConsumerRecord]:
    """Every record of `topic` from the beginning, waiting until at least `expect` have arrived."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap(),
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expect and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
        # a short grace period to catch any surplus (duplicates) beyond what was expected
        batch = await consumer.getmany(timeout_ms=1000)
        for part in batch.values():
            records.extend(part)
    finally:
        await consumer.stop()
    return records


async def groups_of_our_own(services: tuple[str, ...]) -> str:
    """A consumer-group suffix (PIDESK_CONSUMER_GROUP_SUFFIX) whose groups start at the end of every topic:
    on a shared broker, other runs' events (tens of thousands after a benchmark) are not this test's backlog."""
    suffix = f"-e2e-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    probe = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False)
    await admin.start()
    await probe.start()
    try:
        known = set(await probe.topics())
        described = await admin.describe_topics([t for t in topics.ALL if t in known])
        wanted = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
        ends = await probe.end_offsets(wanted) if wanted else {}
    finally:
        await probe.stop()
        await admin.close()
    for group_id in [g for service in services for g in consumer_group_ids(service, suffix)] if ends else ():
        await commit_offsets(kafka_bootstrap(), group_id, dict(ends), security=PLAINTEXT)
    return suffix
