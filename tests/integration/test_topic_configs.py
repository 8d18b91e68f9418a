"""Dead-letter topics on the real broker keep their copies (whole events, personal data included) only
for the configured retention: set when a topic is created, and corrected on an existing one."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from pidesk.shared import topics
from pidesk.shared.messaging.kafka import ensure_topics
from pidesk.shared.messaging.security import PLAINTEXT
from pidesk.shared.messaging.wiring import dead_letter_configs
from tests.support.infra import kafka_bootstrap
from tests.support.kafka import unique_event_type


async def retention_ms(name: str) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    try:
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
        entries = {entry[0]: entry[1] for entry in response.resources[0][4]}
        return entries["retention.ms"]
    finally:
        await admin.close()


async def test_dead_letter_topics_are_created_and_kept_at_their_retention() -> None:
    topic = topics.topic_for(unique_event_type("dlq"), 1)
    dlq = topics.dead_letter_topic(topic)
    names = [topic, dlq]
    assert dead_letter_configs(names, 24) == {dlq: {"retention.ms": str(24 * 3_600_000)}}

    await ensure_topics(kafka_bootstrap(), names, 1, 1, dead_letter_configs(names, 24), security=PLAINTEXT)
    assert await retention_ms(dlq) == str(24 * 3_600_000)
    assert await retention_ms(topic) != str(24 * 3_600_000), "only dead-letter topics"

    changed = dead_letter_configs(names, 2)  # the setting changed
    await ensure_topics(kafka_bootstrap(), names, 1, 1, changed, security=PLAINTEXT)
    assert await retention_ms(dlq) == str(2 * 3_600_000)
