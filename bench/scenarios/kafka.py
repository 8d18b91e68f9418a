"""Kafka for the scenarios: the bench's topics, new consumer groups positioned where a scenario's events
start (so earlier scenarios' events are not replayed), and consumer lag as the broker sees it."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberMetadata

from pidesk.shared import topics
from pidesk.shared.messaging.kafka import commit_offsets, ensure_topics
from pidesk.shared.messaging.security import PLAINTEXT

BENCH_PARTITIONS = 6  # PIDESK_KAFKA_TOPIC_PARTITIONS for the bench broker: two escalation instances split them


def service_topics(service: str) -> list[str]:
    """The topics a service provisions (its bootstrap's TOPICS): a superset of those its consumer group
    subscribes to, which is where a new group is positioned (the lag counts only the subscribed ones)."""
    return list(importlib.import_module(f"pidesk.services.{service}.bootstrap").TOPICS)


async def ensure_bench_topics(bootstrap: str) -> dict[str, int]:
    """Every contract topic and its DLQ (BENCH_PARTITIONS partitions where new); returns partitions per topic."""
    names = [*topics.ALL, *(topics.dead_letter_topic(t) for t in topics.ALL)]
    await ensure_topics(bootstrap, names, BENCH_PARTITIONS, 1, security=PLAINTEXT)  # the local bench broker
    return {name: len(parts) for name, parts in (await end_offsets_by_topic(bootstrap, list(topics.ALL))).items()}


async def topic_partitions(admin: AIOKafkaAdminClient, names: Sequence[str]) -> list[TopicPartition]:
    """The partitions of the topics among `names` that exist."""
    found = []
    for topic in await admin.describe_topics(list(names)):
        if topic.get("error_code") == 0:
            found += [TopicPartition(topic["topic"], p["partition"]) for p in topic["partitions"]]
    return sorted(found)


async def end_offsets(bootstrap: str, names: Sequence[str]) -> dict[TopicPartition, int]:
    async with LagProbe(bootstrap) as probe:
        return await probe.end_offsets(names)


async def end_offsets_by_topic(bootstrap: str, names: Sequence[str]) -> dict[str, dict[int, int]]:
    found: dict[str, dict[int, int]] = {}
    for tp, offset in (await end_offsets(bootstrap, names)).items():
        found.setdefault(tp.topic, {})[tp.partition] = offset
    return found


async def position_group(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit `offsets` for the (new, empty) consumer group `group`, so that its members start there
    instead of at the beginning of topics that hold earlier scenarios' events."""
    await commit_offsets(bootstrap, group, offsets, security=PLAINTEXT)


class LagProbe:
    """Consumer lag of a group: over the topics its members subscribe to (asked of the broker), the sum
    of end offset minus committed offset."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.subscribed: dict[str, list[str]] = {}
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pidesk-bench-lag")
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)

    async def __aenter__(self) -> LagProbe:
        await self.admin.start()
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()
        await self.admin.close()

    async def end_offsets(self, names: Sequence[str]) -> dict[TopicPartition, int]:
        partitions = await topic_partitions(self.admin, names)
        return dict(await self.consumer.end_offsets(partitions)) if partitions else {}

    async def subscriptions(self, group: str) -> list[str]:
        """The topics the group's live members subscribe to (the last ones seen while it has none)."""
        found: set[str] = set()
        for response in await self.admin.describe_consumer_groups([group]):
            for described in response.groups:
                for member in described[5]:  # (member_id, client_id, client_host, metadata, assignment)
                    found |= set(ConsumerProtocolMemberMetadata.decode(member[3]).subscription)
        if found:
            self.subscribed[group] = sorted(found)
        return self.subscribed.get(group, [])

    async def lag(self, group: str) -> dict[str, int]:
        """{"lag": messages not yet committed, "end": sum of end offsets} over the group's topics."""
        names = await self.subscriptions(group)
        if not names:
            raise RuntimeError(f"consumer group {group} has no members")
        committed = await self.admin.list_consumer_group_offsets(group)
        ends = await self.end_offsets(names)
        lag = 0
        for tp, end in ends.items():
            meta = committed.get(tp)
            lag += max(0, end - (meta.offset if meta is not None and meta.offset >= 0 else 0))
        return {"lag": lag, "end": sum(ends.values())}
