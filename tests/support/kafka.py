"""Small real-broker helpers for tests: unique topics, producing raw bytes, reading a topic back."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from pidesk.shared import topics
from pidesk.shared.messaging.kafka import ensure_topics
from tests.support.infra import kafka_bootstrap


def unique_event_type(stem: str = "test") -> str:
    return f"pidesk.{stem}.t{uuid.uuid4().hex[:12]}"


async def create_topics(*names: str, partitions: int = 3, with_dlq: bool = True) -> None:
    wanted = list(names) + ([topics.dead_letter_topic(n) for n in names] if with_dlq else [])
    await ensure_topics(kafka_bootstrap(), wanted, partitions, 1)


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
