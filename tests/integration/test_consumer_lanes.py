"""A lane split off a service's consumer group starts where that group had got to, on the real broker:
splitting the notifier's alerts into a group of their own replays nothing and skips nothing."""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from pidesk.shared import topics
from pidesk.shared.messaging.kafka import commit_offsets, start_where_group_is
from pidesk.shared.messaging.security import PLAINTEXT
from tests.support.infra import kafka_bootstrap
from tests.support.kafka import create_topics, produce, unique_event_type


async def commit(group: str, offsets: dict[TopicPartition, int]) -> None:
    await commit_offsets(kafka_bootstrap(), group, offsets, security=PLAINTEXT)


async def committed(group: str, partitions: list[TopicPartition]) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {tp.partition: await consumer.committed(tp) for tp in partitions}
    finally:
        await consumer.stop()


async def test_a_new_lane_takes_its_parent_groups_offsets_and_keeps_its_own_later() -> None:
    topic, other = (topics.topic_for(unique_event_type(), 1) for _ in range(2))
    await create_topics(topic, other, partitions=3)
    await produce(topic, *(b"{}" for _ in range(10)), key=b"k")
    parent = f"g-{uuid.uuid4().hex}"
    lane = f"{parent}-alerts"
    tps = [TopicPartition(topic, p) for p in range(3)]
    await commit(parent, {tps[0]: 4, tps[1]: 0, TopicPartition(other, 0): 7})  # partition 2: nothing yet

    await start_where_group_is(kafka_bootstrap(), lane, parent, [topic], security=PLAINTEXT)
    assert await committed(lane, tps) == {0: 4, 1: 0, 2: None}  # the other topic is not the lane's
    assert (await committed(lane, [TopicPartition(other, 0)]))[0] is None

    await commit(lane, {tps[0]: 9})  # the lane moves on; starting it again changes nothing it has
    await start_where_group_is(kafka_bootstrap(), lane, parent, [topic], security=PLAINTEXT)
    assert await committed(lane, tps) == {0: 9, 1: 0, 2: None}
