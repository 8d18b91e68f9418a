"""`pidesk dlq list|replay`: what the consumers gave up on, and sending it again once the cause is fixed.

A consumer sends a message it cannot process to `<topic>.dlq`: a JSON record with the consumer, the
original topic, partition, offset and key, the error, the attempts, and the original event. `list`
reads a DLQ from the beginning with a throwaway consumer (no group, nothing committed) and prints only
what identifies each message — partition:offset, time, event id and type, incident id, consumer and a
short error — never the event's payload (a dead-lettered event is a whole event).

`replay` publishes the original event again, key and value unchanged (the same event_id), to its
original topic with the reliable producer, on the partition the outbox relay would choose. Every
consumer records processed_events(consumer, event_id) in the transaction that applies an event: the
consumers that had applied it skip it, and a second replay of the same event changes nothing. An
event that is still poison goes to the DLQ again after PIDESK_CONSUMER_MAX_ATTEMPTS attempts (a new
DLQ message: topics are append-only, the old one stays). An event older than PIDESK_RETENTION_HOURS
is not replayed: the consumers may have forgotten they applied it. Each replayed event gets an entry
in escalation's audit log (actor `cli:<user>`), written right after the broker acknowledged it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiokafka.errors import KafkaError

if TYPE_CHECKING:
    from pidesk.shared.messaging.security import KafkaSecurity

USAGE = 2
IDLE_POLLS = 15  # one-second polls without a record before a partition that has not reached its end is an error
PROGRESS_EVERY = 10_000


class DlqError(Exception):
    """Something the operator must fix (no such topic, no such event): exit code 2."""


def dlq_topic_of(topic: str) -> str:
    """`T.dlq` for T; a name that already ends in `.dlq` as it is."""
    from pidesk.shared import topics

    return topic if topics.is_dead_letter_topic(topic) else topics.dead_letter_topic(topic)


def _since(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_parser(commands: Any) -> None:
    """Register `pidesk dlq` on the top-level subparsers."""
    dlq = commands.add_parser("dlq", help="dead-letter topics: list, replay").add_subparsers(
        dest="action", required=True
    )
    listing = dlq.add_parser("list", help="what a DLQ holds: ids, types, errors (never payloads)")
    listing.add_argument("--topic", required=True, help="the topic (or its .dlq)")
    listing.add_argument("--limit", type=int, default=100, help="show at most N messages, oldest first (default 100)")
    listing.add_argument("--since", type=_since, help="only messages dead-lettered at or after this ISO time")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    replay = dlq.add_parser("replay", help="publish dead-lettered events again to their topic (idempotent)")
    replay.add_argument("--topic", required=True, help="the topic (or its .dlq)")
    replay.add_argument("--event-id", type=uuid.UUID, help="the one event to replay")
    replay.add_argument("--all", action="store_true", help="every event in the DLQ (each once)")
    replay.add_argument("--dry-run", action="store_true", help="say what would be replayed; publish nothing")


@dataclass(frozen=True)
class DeadLetter:
    """One DLQ message as the consumer wrote it."""

    partition: int
    offset: int
    at: datetime  # when it was dead-lettered (the DLQ record's timestamp)
    consumer: str
    original_topic: str
    key: bytes | None
    error: str
    attempts: int | None
    original: object  # the event as JSON, or {"base64": ...} when it was not JSON
    trace: tuple[tuple[str, bytes], ...] = ()  # the event's trace headers, copied onto its DLQ record

    @property
    def position(self) -> str:
        return f"{self.partition}:{self.offset}"

    def field(self, name: str) -> str | None:
        """A top-level field of the original event, leniently (a malformed event may lack it)."""
        if isinstance(self.original, dict) and isinstance(self.original.get(name), str | int):
            return str(self.original[name])
        return None

    def summary(self) -> dict[str, Any]:
        """What `list` shows: identifiers and a short error, never the payload."""
        return {
            "position": self.position,
            "partition": self.partition,
            "offset": self.offset,
            "at": self.at.isoformat(),
            "event_id": self.field("event_id"),
            "event_type": self.field("event_type"),
            "incident_id": self.field("incident_id"),
            "consumer": self.consumer,
            "attempts": self.attempts,
            "error": error_summary(self.error),
        }


_INPUT_VALUE = re.compile(r"input_value=.*?(?=, input_type=)", re.DOTALL)


def error_summary(error: str, width: int = 160) -> str:
    """The error's first words without what could quote data: SQL parameters, validation inputs."""
    text = error.split("[SQL:", 1)[0].split("[parameters:", 1)[0]
    text = re.sub(r"input_value=(?!…)\S+", "input_value=…", _INPUT_VALUE.sub("input_value=…", text))
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def parse_dead_letter(
    partition: int,
    offset: int,
    timestamp_ms: int,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]] | None = None,
) -> DeadLetter:
    from pidesk.shared import tracing

    at = datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    try:
        body = json.loads(value or b"")
        if not isinstance(body, dict):
            raise ValueError("not an object")
    except ValueError:
        return DeadLetter(partition, offset, at, "?", "", key, "not a dead-letter record", None, None)
    record_key = body.get("key")
    return DeadLetter(
        partition=partition,
        offset=offset,
        at=at,
        consumer=str(body.get("consumer") or "?"),
        original_topic=str(body.get("original_topic") or ""),
        key=record_key.encode() if isinstance(record_key, str) else key,
        error=str(body.get("error") or ""),
        attempts=body.get("attempts") if isinstance(body.get("attempts"), int) else None,
        original=body.get("original"),
        trace=tuple(tracing.trace_headers(headers)),
    )


async def read_dead_letters(
    bootstrap: str,
    security: KafkaSecurity,
    dlq_topic: str,
    since: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[DeadLetter]:
    """Every message of `dlq_topic` up to its end when asked (oldest first), read without a group."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.structs import TopicPartition

    partitions = [TopicPartition(dlq_topic, p) for p in await _partitions_of(bootstrap, security, dlq_topic)]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        client_id="pidesk-dlq",
        **security.client_options(),
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        if since is not None:
            found = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
            starts = {tp: found[tp].offset if found.get(tp) else ends[tp] for tp in partitions}
        for tp in partitions:
            consumer.seek(tp, starts[tp])
        pending = {tp for tp in partitions if starts[tp] < ends[tp]}
        letters: list[DeadLetter] = []
        idle = 0
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            idle = 0 if batch else idle + 1
            if idle >= IDLE_POLLS:
                raise DlqError(
                    f"{dlq_topic}: partitions {sorted(tp.partition for tp in pending)} stopped before their end"
                )
            for tp, records in batch.items():
                for r in records:
                    if r.offset < ends[tp]:
                        letters.append(
                            parse_dead_letter(tp.partition, r.offset, r.timestamp, r.key, r.value, r.headers)
                        )
                        if progress is not None and len(letters) % PROGRESS_EVERY == 0:
                            progress(len(letters))
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return sorted(letters, key=lambda d: (d.at, d.partition, d.offset))
    finally:
        await consumer.stop()


async def _partitions_of(bootstrap: str, security: KafkaSecurity, topic: str) -> list[int]:
    """The partitions of an existing topic (asked about all topics: naming one might create it)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pidesk-dlq", **security.client_options())
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics()}
    finally:
        await admin.close()
    if topic not in described:
        raise DlqError(f"no topic {topic!r} on {bootstrap}")
    return sorted(p["partition"] for p in described[topic]["partitions"])


def _progress(count: int) -> None:
    print(f"… {count} messages read", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """`pidesk dlq list` or `pidesk dlq replay`."""
    try:
        if args.action == "list":
            return list_command(args.topic, args.limit, args.since, args.json)
        return replay_command(args.topic, args.event_id, args.all, args.dry_run)
    except DlqError as exc:
        print(f"pidesk dlq {args.action}: {exc}", file=sys.stderr)
        return USAGE
    except KafkaError as exc:
        print(f"pidesk dlq {args.action}: the broker did not answer ({exc!r}); nothing more done", file=sys.stderr)
        return 1


def list_command(topic: str, limit: int, since: datetime | None, as_json: bool) -> int:
    from pidesk.shared.settings import CommonSettings

    dlq_topic = dlq_topic_of(topic)
    settings = CommonSettings()
    reading = read_dead_letters(settings.kafka_bootstrap_servers, settings.kafka_security, dlq_topic, since, _progress)
    letters = asyncio.run(reading)
    shown = [letter.summary() for letter in letters[: max(limit, 0)]]
    more = len(letters) - len(shown)
    if as_json:
        print(json.dumps({"topic": dlq_topic, "messages": shown, "total": len(letters), "more": more}))
        return 0
    for s in shown:
        at = s["at"].replace("+00:00", "Z")
        ids = f"{s['event_id'] or '-'}  {s['event_type'] or '-'}  incident {s['incident_id'] or '-'}"
        print(f"{s['position']:<8} {at}  {ids}  {s['consumer']}  {s['error']}")
    tail = f"; {more} more from {letters[len(shown)].at.isoformat()} (--since)" if more else ""
    print(f"{len(shown)} of {len(letters)} message(s) in {dlq_topic}{tail}", file=sys.stderr)
    return 0


@dataclass(frozen=True)
class Choice:
    """What `replay` will do: the latest DLQ copy of each event chosen, and what it leaves, with why."""

    replay: list[DeadLetter]
    skipped: list[tuple[DeadLetter, str]]


def choose(letters: list[DeadLetter], event_id: uuid.UUID | None, now: datetime, retention: timedelta) -> Choice:
    """The events to replay: `event_id`'s (or every event's) latest DLQ copy, each event once (a replayed
    event that failed again is in the DLQ twice); not what is no event at all, nor what is older than the
    processed-events retention."""
    from pidesk.shared.events import Envelope, MalformedEvent

    latest: dict[uuid.UUID, DeadLetter] = {}
    skipped: list[tuple[DeadLetter, str]] = []
    for letter in letters:  # oldest first: a later copy replaces an earlier one
        try:
            envelope = Envelope.model_validate(letter.original)
        except (ValueError, MalformedEvent):
            if event_id is None:
                skipped.append((letter, "not an event (malformed when it arrived)"))
            continue
        if event_id is None or envelope.event_id == event_id:
            latest[envelope.event_id] = letter
    chosen: list[DeadLetter] = []
    for letter in latest.values():
        occurred = Envelope.model_validate(letter.original).occurred_at
        if occurred < now - retention:
            skipped.append((letter, f"older than the processed-events retention ({retention})"))
        else:
            chosen.append(letter)
    return Choice(chosen, skipped)


def replay_command(topic: str, event_id: uuid.UUID | None, everything: bool, dry_run: bool) -> int:
    from pidesk.services.escalation.config import EscalationSettings
    from pidesk.shared.db.base import utcnow

    if (event_id is None) != everything:  # neither, or both
        raise DlqError("name one event (--event-id ID) or replay every event of the DLQ (--all), not both")
    settings = EscalationSettings()
    dlq_topic = dlq_topic_of(topic)
    bootstrap, security = settings.kafka_bootstrap_servers, settings.kafka_security
    letters = asyncio.run(read_dead_letters(bootstrap, security, dlq_topic, None, _progress))
    choice = choose(letters, event_id, utcnow(), timedelta(hours=settings.retention_hours))
    for letter, reason in choice.skipped:
        print(f"skipped {letter.field('event_id') or '-'} ({letter.position}): {reason}", file=sys.stderr)
    if event_id is not None and not choice.replay and not choice.skipped:
        raise DlqError(f"no event {event_id} in {dlq_topic}")
    if dry_run:
        for letter in choice.replay:
            where = f"{letter.position} of {dlq_topic}"
            print(f"would replay {letter.field('event_id')} ({where}) to {_target(letter, dlq_topic)}")
        print(f"dry run: {len(choice.replay)} to replay, {len(choice.skipped)} skipped", file=sys.stderr)
        return 0
    replayed = asyncio.run(_publish(bootstrap, security, dlq_topic, choice.replay))
    print(f"{replayed} replayed, {len(choice.skipped)} skipped", file=sys.stderr)
    return 1 if event_id is not None and not replayed else 0


def _target(letter: DeadLetter, dlq_topic: str) -> str:
    """The topic the event came from (the DLQ record says; the DLQ's name says the same)."""
    from pidesk.shared import topics

    if letter.original_topic and not topics.is_dead_letter_topic(letter.original_topic):
        return letter.original_topic
    return dlq_topic.removesuffix(topics.DLQ_SUFFIX)


async def _publish(bootstrap: str, security: KafkaSecurity, dlq_topic: str, letters: list[DeadLetter]) -> int:
    """Publish each event again, then record it in the audit log (one entry, one commit, per event)."""
    from pidesk import cli_audit
    from pidesk.shared.events import Envelope
    from pidesk.shared.messaging.kafka import reliable_producer
    from pidesk.shared.messaging.priority import partition_for

    if not letters:
        return 0
    async with cli_audit.escalation_uow() as uow:
        await uow.session.connection()  # the audit log is reachable before anything is published
        producer = reliable_producer(bootstrap, "pidesk-dlq-replay", security=security)
        await producer.start()
        try:
            for letter in letters:
                topic = _target(letter, dlq_topic)
                value = json.dumps(letter.original, ensure_ascii=False, separators=(",", ":")).encode()
                count = len(await producer.partitions_for(topic))
                partition = partition_for(topic, letter.key, value, count) if letter.key is not None else None
                sent = await producer.send_and_wait(
                    topic,
                    value=value,
                    key=letter.key,
                    partition=partition,
                    # the event's own trace continues; the replay says where it was taken from
                    headers=[*letter.trace, ("pidesk-replay-of", f"{dlq_topic}@{letter.position}".encode())],
                )
                envelope = Envelope.model_validate(letter.original)
                cli_audit.record(
                    uow,
                    f"pidesk dlq replay event {envelope.event_id} from {dlq_topic} offset {letter.position} to {topic}",
                    incident_id=envelope.incident_id,
                )
                await uow.commit()
                print(
                    f"replayed {envelope.event_id} ({letter.position} of {dlq_topic}) "
                    f"to {topic} partition {sent.partition} offset {sent.offset}"
                )
        finally:
            await producer.stop()
    return len(letters)
