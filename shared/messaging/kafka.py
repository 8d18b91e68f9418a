"""Kafka clients configured for the delivery guarantees the outbox and consumers rely on."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import OffsetAndMetadata, TopicPartition

from pidesk.shared.messaging.security import KafkaSecurity

log = logging.getLogger(__name__)


def reliable_producer(bootstrap_servers: str, client_id: str, *, security: KafkaSecurity) -> AIOKafkaProducer:
    """acks=all and the idempotent producer: no loss, no duplicates or reordering from retries.

    Every factory here takes the service's `security` (TLS, SASL) as a required keyword: a client made
    without it would not connect to a secured cluster."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        # no lingering: the relay hands a whole batch over without yielding to the event loop, so the
        # batch goes in as few requests as it can anyway, and a lone event is not held 5 ms at every hop
        linger_ms=0,
        request_timeout_ms=15_000,
        **security.client_options(),
    )


def manual_commit_consumer(
    bootstrap_servers: str, group_id: str, topics: list[str], client_id: str, *, security: KafkaSecurity
) -> AIOKafkaConsumer:
    """Offsets are committed by hand, after the database commit; a new group starts at the beginning."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=200,
        metadata_max_age_ms=30_000,
        **security.client_options(),
    )


async def broker_reachable(bootstrap_servers: str, *, security: KafkaSecurity, within: float = 3.0) -> bool:
    """Whether a client with `security` gets the cluster's metadata: a refused TLS handshake or SASL
    login is "not reachable" too (aiokafka logs why)."""
    try:
        client = AIOKafkaClient(
            bootstrap_servers=bootstrap_servers, request_timeout_ms=int(within * 1000), **security.client_options()
        )
    except Exception:  # e.g. the TLS files are gone since start-up
        log.warning("kafka client not made", exc_info=True)
        return False
    try:
        await asyncio.wait_for(client.bootstrap(), within)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" for a readiness probe
        return False
    finally:
        await client.close()


async def ensure_topics(
    bootstrap_servers: str,
    names: list[str],
    partitions: int,
    replication: int,
    configs: dict[str, dict[str, str]] | None = None,
    *,
    security: KafkaSecurity,
) -> None:
    """Create the topics that do not exist yet, with their `configs` (topic name -> Kafka topic
    configs); an existing topic keeps its partitions, and is given its `configs` if they differ."""
    configs = configs or {}
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, client_id="pidesk-admin", **security.client_options()
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            response = await admin.create_topics(
                [NewTopic(n, partitions, replication, topic_configs=configs.get(n) or None) for n in missing]
            )
            failed = [
                (name, code, message)
                for name, code, message, *_ in response.topic_errors
                if code not in (0, TopicAlreadyExistsError.errno)  # "already exists": created concurrently
            ]
            if failed:
                raise RuntimeError(f"could not create topics: {failed}")
            log.info("kafka topics created", extra={"topics": missing})
        present = [n for n in names if n in existing and configs.get(n)]
        if present:
            await _apply_configs(admin, {n: configs[n] for n in present})
    finally:
        await admin.close()


async def _apply_configs(admin: AIOKafkaAdminClient, wanted: dict[str, dict[str, str]]) -> None:
    """Set topic configs that differ from `wanted` (e.g. a DLQ's retention after the setting changed)."""
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in wanted]
    current: dict[str, dict[str, str]] = {}
    for response in await admin.describe_configs(resources):
        for _code, _message, _type, name, entries in response.resources:
            current[name] = {entry[0]: entry[1] for entry in entries}
    changes = [
        ConfigResource(ConfigResourceType.TOPIC, name, configs=values)
        for name, values in wanted.items()
        if any(current.get(name, {}).get(key) != value for key, value in values.items())
    ]
    if changes:
        await admin.alter_configs(changes)
        log.info("kafka topic configs set", extra={"topics": [c.name for c in changes]})


async def start_where_group_is(
    bootstrap_servers: str, group_id: str, from_group: str, topics: list[str], *, security: KafkaSecurity
) -> None:
    """A new consumer group (a lane split off a service's group) starts where `from_group` has got to
    on `topics`, not at the beginning: partitions the new group has committed nothing on take the old
    group's offsets; partitions neither has committed on start at the beginning, as any new group."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, client_id="pidesk-admin", **security.client_options()
    )
    await admin.start()
    try:
        ours = await admin.list_consumer_group_offsets(group_id)
        theirs = await admin.list_consumer_group_offsets(from_group)
    finally:
        await admin.close()
    wanted = {
        tp: meta.offset
        for tp, meta in theirs.items()
        if tp.topic in topics and meta.offset >= 0 and (tp not in ours or ours[tp].offset < 0)
    }
    if not wanted:
        return
    await commit_offsets(bootstrap_servers, group_id, wanted, security=security)
    log.info("consumer group started where its parent group was", extra={"group": group_id, "from": from_group})


async def commit_offsets(
    bootstrap_servers: str, group_id: str, offsets: dict[TopicPartition, int], *, security: KafkaSecurity
) -> None:
    """Commit `offsets` for consumer group `group_id` (one with no live members): where it starts."""
    if not offsets:
        return
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers, group_id=group_id, enable_auto_commit=False, **security.client_options()
    )
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()})
    finally:
        await consumer.stop()
