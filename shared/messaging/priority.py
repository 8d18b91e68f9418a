"""Priority partitions: what is urgent travels on partition 0 of its topic, everything else on the rest.

Kafka keeps order only within a partition, and a consumer reads each partition in order: a report
from a person that sits behind ten thousand DLP alerts in the same partition waits for all of them.
So the relay puts the urgent events of a few topics on partition 0 — what concerns a report from a
person: the report on `incident.reported`, the requests to alert people about it on
`escalation.requested`, and there too the alerts of a government request or a privacy complaint routed
to its people (`case` set: a person filed it) — and spreads the rest over the other partitions by key,
as Kafka's default partitioner would. (Risk orders the alerts again where they are delivered, in the notifier; a storm's
alerts often all carry the worst-case risk of an unknown count, so risk cannot be what keeps a
person's report out of their queue.) A consumer first takes
whatever is waiting on partition 0 of those topics, then its usual fetch, every round: an urgent event
waits for at most one round of the others, however long their backlog.

With a single partition there is nothing to separate: the default partitioner decides.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiokafka.partitioner import murmur2

from pidesk.shared import topics

PRIORITY_PARTITION = 0
PEOPLE = frozenset({"api", "form"})


def _from_people(payload: dict[str, Any]) -> bool:
    return payload.get("source") in PEOPLE


def _about_people(payload: dict[str, Any]) -> bool:
    """An alert about a person's report, or about a case (filed by a division or a complainant)."""
    return _from_people(payload) or payload.get("case") is not None


# topic -> does this event's payload go first
URGENT: dict[str, Callable[[dict[str, Any]], bool]] = {
    topics.INCIDENT_REPORTED: _from_people,
    topics.ESCALATION_REQUESTED: _about_people,
}


def has_priority_partition(topic: str) -> bool:
    return topic in URGENT


def partition_for(topic: str, key: bytes, value: bytes, partitions: int) -> int | None:
    """The partition an outbox message goes to; None leaves it to Kafka's default partitioner."""
    urgent = URGENT.get(topic)
    if urgent is None or partitions < 2:
        return None
    try:
        payload = json.loads(value).get("payload") or {}
    except (ValueError, AttributeError):
        payload = {}
    if urgent(payload):
        return PRIORITY_PARTITION
    hashed: int = murmur2(key)
    return 1 + (hashed & 0x7FFFFFFF) % (partitions - 1)
