"""The idempotent consumer: one database transaction per event, offsets committed after it.

For each message:
1. parse the envelope and its typed payload; a malformed message or an unknown event version goes
   to `<topic>.dlq` at once;
2. in one transaction, insert `processed_events(consumer, event_id)` and run the handler; a
   duplicate event hits the primary key and is skipped without effect;
3. a handler error is retried with backoff, and after `max_attempts` the message goes to the DLQ;
   an infrastructure error (database or broker unreachable) is retried without limit instead;
4. offsets are committed only after the database commits (or DLQ writes) of their records, so a
   crash in between replays those records and step 2 makes the replay harmless.

Throughput: all records fetched in one round, whatever their partitions, are applied in ONE
transaction (one multi-row insert into processed_events, then per topic the handlers in order or the
topic's batch handler; a partition's records keep their order, and one incident's events are all in
one partition), so a round costs one database commit however many partitions it touched. If anything
in a round fails, the transaction rolls back and its records go through steps 2-3 one at a time,
partition by partition, so a poison message still costs only itself.

Offsets: a round's offsets join the pending ones, committed when a round finds nothing new, after
`commit_interval_seconds` at the latest, and when the consumer stops; never before the database
commit of their records. A record therefore never waits behind the previous round's offset commit,
and a busy consumer commits about once a second instead of once per round. A crash or a rebalance in
between replays at most that second's records, and step 2 makes the replay harmless.

Latency under a backlog: each round first takes what waits on the priority partitions
(shared/messaging/priority.py), and takes only as many records as fit in `round_target_seconds` at
the recent cost per record, so an urgent record waits for at most about one round.

Tracing (shared/tracing.py), only when on: a record is applied in a consumer span that is the child
of the context in its `traceparent` header; a batch gets one such span per record, all ended with its
transaction. Off, the only cost is one `tracing.enabled()` per record handled alone or per batch.
Lag: with `hooks.lag`, every LAG_REPORT_SECONDS each subscribed topic's lag (the broker's high-water
mark less this consumer's position, summed over the partitions it holds; 0 for a topic it holds none of).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import CommitFailedError, IllegalStateError
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata, TopicPartition
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.shared import topics, tracing
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import conflict_insert, database_unavailable
from pidesk.shared.events import PAYLOADS, Envelope, EventPayload, MalformedEvent, parse_payload
from pidesk.shared.messaging.backoff import Backoff
from pidesk.shared.messaging.priority import PRIORITY_PARTITION, has_priority_partition
from pidesk.shared.messaging.records import ProcessedEventMixin

log = logging.getLogger(__name__)

LAG_REPORT_SECONDS = 5.0
FINAL_COMMIT_SECONDS = 5.0  # a stopping consumer's last offset commit: best effort, never a hang

Handler = Callable[[AsyncSession, Envelope, EventPayload], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[tuple[Envelope, EventPayload]]], Awaitable[None]]
Parsed = tuple[ConsumerRecord, Envelope, EventPayload]  # a fetched record, its envelope and typed payload

NETWORK_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, OSError, TimeoutError)


def is_outage(exc: BaseException) -> bool:
    """The database or the network is away (retried without limit), not the record's fault: unreachable,
    a connection closed under us (shared/db/engine.py `database_unavailable`), a socket error."""
    return isinstance(exc, NETWORK_ERRORS) or database_unavailable(exc)


@dataclass
class ConsumerHooks:
    """Observation points: metrics, and fault injection in the crash-recovery tests."""

    processed: Callable[[Envelope], None] = lambda _e: None
    duplicate: Callable[[Envelope], None] = lambda _e: None
    dead_lettered: Callable[[str, str], None] = lambda _topic, _error: None
    db_committed: Callable[[Envelope], None] = lambda _e: None
    lag: Callable[[str, int], None] | None = None  # (topic, records behind), every LAG_REPORT_SECONDS


@dataclass
class IdempotentConsumer:
    name: str
    group_id: str
    handlers: dict[str, Handler]  # by topic
    sessions: async_sessionmaker[AsyncSession]
    processed_model: type[ProcessedEventMixin]
    consumer_factory: Callable[[list[str]], AIOKafkaConsumer]
    producer_factory: Callable[[], AIOKafkaProducer]
    max_attempts: int = 5
    retry_base_seconds: float = 0.2
    payloads: dict[tuple[str, int], type[EventPayload]] = field(default_factory=lambda: dict(PAYLOADS))
    hooks: ConsumerHooks = field(default_factory=ConsumerHooks)
    # optional, per topic: applies a whole batch at once (e.g. multi-row inserts); same semantics as
    # calling the topic's handler on each event in order
    batch_handlers: dict[str, BatchHandler] = field(default_factory=dict)
    after_commit: Callable[[], None] = lambda: None  # e.g. wake the outbox relay at once
    # run once before the first start: e.g. a lane's new group taking its parent group's offsets
    before_first_start: Callable[[], Awaitable[None]] | None = None
    # awaited before each round: work that may wait gives way to work that may not (the notifier's
    # drafting lane to its internal alerts waiting for SMTP, service/delivery.py); it bounds its own wait
    before_round: Callable[[], Awaitable[None]] | None = None
    fetch_max_records: int = 500
    # a round (fetch, apply, commit) should take about this long: an urgent record fetched in the next
    # round waits for at most one. How many records a round takes follows the recent cost per record.
    round_target_seconds: float = 0.25
    min_round_records: int = 10
    # pending offsets go to the broker at the latest this long after the first of them (module docstring)
    commit_interval_seconds: float = 1.0
    _seconds_per_record: float = field(default=0.0, init=False, repr=False)
    _lag_due: float = field(default=0.0, init=False, repr=False)

    def round_size(self) -> int:
        """How many records the next round takes (all the fetch allows until costs are known)."""
        if self._seconds_per_record <= 0:
            return self.fetch_max_records
        fits = int(self.round_target_seconds / self._seconds_per_record)
        return max(self.min_round_records, min(self.fetch_max_records, fits))

    def _learn(self, records: int, seconds: float) -> None:
        if records:
            cost = seconds / records
            known = self._seconds_per_record
            self._seconds_per_record = cost if known <= 0 else 0.7 * known + 0.3 * cost

    async def run(self) -> None:
        """Consume until cancelled, reconnecting after broker outages."""
        backoff = Backoff()
        while self.before_first_start is not None:
            try:
                await self.before_first_start()
                self.before_first_start = None
            except Exception as exc:  # noqa: BLE001 - the broker may not be up yet
                log.warning("consumer preparation failed; retrying", extra={"consumer": self.name, "error": repr(exc)})
                await backoff.wait()
        backoff.reset()
        while True:
            consumer = self.consumer_factory(sorted(self.handlers))
            dlq = self.producer_factory()
            try:
                await consumer.start()
                await dlq.start()
                backoff.reset()
                await self._consume(consumer, dlq)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - keep consuming through outages
                log.warning("consumer paused", extra={"consumer": self.name, "error": repr(exc)})
            finally:
                for client in (consumer, dlq):
                    try:
                        await client.stop()
                    except Exception:
                        log.debug("client stop failed", exc_info=True)
            await backoff.wait()

    async def _consume(self, consumer: AIOKafkaConsumer, dlq: AIOKafkaProducer) -> None:
        pending: dict[TopicPartition, OffsetAndMetadata] = {}
        due = 0.0  # when the pending offsets must be committed (monotonic)
        try:
            while True:
                if self.before_round is not None:
                    await self.before_round()
                # with offsets pending, a quiet topic is a moment to commit them: fetch without waiting long
                batches = await self._fetch(consumer, wait_ms=100 if pending else 500)
                started = time.monotonic()
                done: dict[TopicPartition, OffsetAndMetadata] = {}
                try:
                    await self._apply_round(batches, dlq, done)
                finally:
                    # only offsets whose records are committed in the database (or dead-lettered)
                    if done and not pending:
                        due = time.monotonic() + self.commit_interval_seconds
                    pending.update(done)
                # the cost of applying records (the fetch and the offset commit cost about the same per
                # round, however many records it takes: counting them would shrink rounds for nothing)
                self._learn(sum(len(records) for records in batches.values()), time.monotonic() - started)
                if pending and (not batches or time.monotonic() >= due):
                    await self._commit(consumer, pending)
                if self.hooks.lag is not None and time.monotonic() >= self._lag_due:
                    self._lag_due = time.monotonic() + LAG_REPORT_SECONDS
                    await self._report_lag(consumer, self.hooks.lag)
        finally:
            if pending:  # stopping (cancelled, or a failure): what is done need not be replayed
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._commit(consumer, pending), FINAL_COMMIT_SECONDS)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        """Commit and forget `offsets`. A rebalance since they were taken makes the commit fail: their
        records are then replayed by the partitions' new owner, harmlessly (processed_events)."""
        ready = dict(offsets)
        offsets.clear()
        try:
            await consumer.commit(ready)
        except (CommitFailedError, IllegalStateError) as exc:
            log.info("offsets not committed after a rebalance", extra={"consumer": self.name, "error": repr(exc)})

    async def _apply_round(
        self,
        batches: dict[TopicPartition, list[ConsumerRecord]],
        dlq: AIOKafkaProducer,
        done: dict[TopicPartition, OffsetAndMetadata],
    ) -> None:
        """Every record of the round in one transaction; if that fails, one at a time (partitions in
        parallel, the records of each in order). Fills `done` with the offsets to commit."""
        records = [record for partition_records in batches.values() for record in partition_records]
        if len(records) == 1:
            await self.handle_record(records[0], dlq)
        elif records:
            parsed: list[Parsed] = []
            for record in records:
                try:
                    envelope = Envelope.from_bytes(record.value)
                    parsed.append((record, envelope, parse_payload(envelope, self.payloads)))
                except MalformedEvent as exc:
                    await self._dead_letter(dlq, record, str(exc), attempts=0)
            try:
                await self._apply_parsed(parsed)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - isolate the culprit: one record at a time
                log.info(
                    "batch failed; applying its records one at a time",
                    extra={"consumer": self.name, "records": len(parsed), "error": _error_summary(exc)},
                )
                by_partition: dict[tuple[str, int], list[Parsed]] = {}
                for item in parsed:
                    by_partition.setdefault((item[0].topic, item[0].partition), []).append(item)
                await asyncio.gather(*(self._one_by_one(items, dlq) for items in by_partition.values()))
        for partition, partition_records in batches.items():
            done[partition] = OffsetAndMetadata(partition_records[-1].offset + 1, "")

    async def _one_by_one(self, items: list[Parsed], dlq: AIOKafkaProducer) -> None:
        """One partition's records of a failed round, in order, each in a transaction of its own."""
        for record, envelope, payload in items:
            await self._handle_parsed(record, envelope, payload, dlq)

    async def _apply_parsed(self, parsed: list[Parsed]) -> None:
        events = [(record.topic, envelope, payload) for record, envelope, payload in parsed]
        if tracing.enabled():
            records = [(record, envelope.event_id, envelope.incident_id) for record, envelope, _ in parsed]
            with tracing.processing_batch(self.name, self.group_id, records):
                await self._apply_batch(events)
        else:
            await self._apply_batch(events)

    async def _report_lag(self, consumer: AIOKafkaConsumer, report: Callable[[str, int], None]) -> None:
        """No request to the broker: fetch responses carry the high-water marks. A measurement: a
        rebalance under way skips it, never stops consuming."""
        behind = dict.fromkeys(self.handlers, 0)
        try:
            for partition in consumer.assignment():
                end = consumer.highwater(partition)
                if end is None:  # not fetched from yet since it was assigned
                    continue
                position = await consumer.position(partition)
                behind[partition.topic] = behind.get(partition.topic, 0) + max(end - position, 0)
        except Exception:  # e.g. a partition revoked meanwhile: the next report will do
            log.debug("consumer lag not measured", extra={"consumer": self.name}, exc_info=True)
            return
        for topic, records in behind.items():
            report(topic, records)

    async def _fetch(
        self, consumer: AIOKafkaConsumer, wait_ms: int = 500
    ) -> dict[TopicPartition, list[ConsumerRecord]]:
        """One round: whatever waits on the priority partitions first (shared/messaging/priority.py),
        then the usual fetch; an urgent record never waits behind more than one round of the rest."""
        urgent = [
            tp
            for tp in consumer.assignment()
            if tp.partition == PRIORITY_PARTITION and has_priority_partition(tp.topic)
        ]
        size = self.round_size()
        first = await consumer.getmany(*urgent, timeout_ms=0, max_records=size) if urgent else {}
        waiting = sum(len(records) for records in first.values())
        rest = await consumer.getmany(timeout_ms=0 if waiting else wait_ms, max_records=max(size - waiting, 1))
        for partition, records in rest.items():
            first[partition] = first.get(partition, []) + records
        return first

    async def _apply_batch(self, events: list[tuple[str, Envelope, EventPayload]]) -> None:
        """All events in one transaction: processed_events first (duplicates drop out), then the
        handlers, topic by topic in the order of `handlers` (each topic's events in fetched order)."""
        if not events:
            return
        async with self.sessions() as session, session.begin():
            fresh = await self._first_seen(session, [envelope for _, envelope, _ in events])
            by_topic: dict[str, list[tuple[Envelope, EventPayload]]] = {}
            for topic, envelope, payload in events:
                if envelope.event_id in fresh:
                    fresh.discard(envelope.event_id)  # a repeat within the batch is a duplicate too
                    by_topic.setdefault(topic, []).append((envelope, payload))
            order = list(self.handlers)  # a new incident before its updates: the order the service listed
            for topic in sorted(by_topic, key=lambda t: order.index(t) if t in order else len(order)):
                todo = by_topic[topic]
                batch_handler = self.batch_handlers.get(topic)
                handler = self.handlers.get(topic)
                if batch_handler is not None:
                    await batch_handler(session, todo)
                elif handler is not None:
                    for envelope, payload in todo:
                        await handler(session, envelope, payload)
        applied = {id(envelope) for todo in by_topic.values() for envelope, _ in todo}
        for _, envelope, _ in events:
            if id(envelope) in applied:
                self.hooks.db_committed(envelope)
                self.hooks.processed(envelope)
            else:
                self.hooks.duplicate(envelope)
        self.after_commit()

    async def _first_seen(self, session: AsyncSession, envelopes: list[Envelope]) -> set[Any]:
        """Insert processed_events rows for the batch; returns the event ids that were not there yet."""
        table = self.processed_model.__table__  # type: ignore[attr-defined]  # a mixin: the mapped subclass has one
        now = utcnow()
        rows = [
            {"consumer": self.name, "event_id": e.event_id, "topic": e.topic, "processed_at": now} for e in envelopes
        ]
        # one statement compiled once (executemany with RETURNING, sent as multi-row VALUES by SQLAlchemy's
        # insertmanyvalues); a `.values([...])` of the rows would be compiled again for every round
        statement = conflict_insert(session, table).on_conflict_do_nothing().returning(table.c.event_id)
        return set((await session.scalars(statement, rows)).all())

    async def handle_record(self, record: ConsumerRecord, dlq: AIOKafkaProducer) -> None:
        try:
            envelope = Envelope.from_bytes(record.value)
            payload = parse_payload(envelope, self.payloads)
        except MalformedEvent as exc:
            await self._dead_letter(dlq, record, str(exc), attempts=0)
            return
        await self._handle_parsed(record, envelope, payload, dlq)

    async def _handle_parsed(
        self, record: ConsumerRecord, envelope: Envelope, payload: EventPayload, dlq: AIOKafkaProducer
    ) -> None:
        if tracing.enabled():
            with tracing.processing(self.name, self.group_id, record, envelope.event_id, envelope.incident_id):
                await self._handle_with_retries(record, envelope, payload, dlq)
        else:
            await self._handle_with_retries(record, envelope, payload, dlq)

    async def _handle_with_retries(
        self, record: ConsumerRecord, envelope: Envelope, payload: EventPayload, dlq: AIOKafkaProducer
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._apply(record.topic, envelope, payload)
                return
            except Exception as exc:  # noqa: BLE001 - a handler bug must not stop the partition
                if is_outage(exc):
                    log.warning(
                        "infrastructure unavailable; will retry",
                        extra={"consumer": self.name, "event_id": str(envelope.event_id), "error": repr(exc)},
                    )
                    await asyncio.sleep(min(self.retry_base_seconds * 2 ** min(attempt, 8), 30.0))
                    attempt = 0
                    continue
                if attempt >= self.max_attempts:
                    await self._dead_letter(dlq, record, f"{type(exc).__name__}: {exc}", attempts=attempt)
                    return
                log.warning(
                    "handler failed; retrying",
                    extra={
                        "consumer": self.name,
                        "event_id": str(envelope.event_id),
                        "attempt": attempt,
                        "error": _error_summary(exc),
                    },
                )
                await asyncio.sleep(self.retry_base_seconds * 2 ** (attempt - 1))

    async def _apply(self, topic: str, envelope: Envelope, payload: EventPayload) -> None:
        handler = self.handlers.get(topic)
        async with self.sessions() as session:
            try:
                async with session.begin():
                    session.add(
                        self.processed_model(  # type: ignore[call-arg]  # a mixin: the mapped subclass takes these keywords
                            consumer=self.name, event_id=envelope.event_id, topic=envelope.topic
                        )
                    )
                    await session.flush()
                    if handler is not None:
                        await handler(session, envelope, payload)
            except sa_exc.IntegrityError:
                if await self._already_processed(envelope):
                    self.hooks.duplicate(envelope)
                    return
                raise
        self.hooks.db_committed(envelope)
        self.hooks.processed(envelope)
        self.after_commit()

    async def _already_processed(self, envelope: Envelope) -> bool:
        async with self.sessions() as session:
            row = await session.get(self.processed_model, (self.name, envelope.event_id))
            return row is not None

    async def _dead_letter(self, dlq: AIOKafkaProducer, record: ConsumerRecord, error: str, attempts: int) -> None:
        value = record.value or b""
        try:
            original: object = json.loads(value)
        except ValueError:
            original = {"base64": base64.b64encode(value).decode()}
        body = {
            "consumer": self.name,
            "original_topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "key": record.key.decode(errors="replace") if record.key else None,
            "error": error[:4000],
            "attempts": attempts,
            "failed_at": utcnow().isoformat(),
            "original": original,
        }
        await dlq.send_and_wait(
            topics.dead_letter_topic(record.topic),
            value=json.dumps(body).encode(),
            key=record.key,
            headers=[
                ("pidesk-error", error[:500].encode()),
                ("pidesk-consumer", self.name.encode()),
                *tracing.trace_headers(record.headers),  # the copy stays in its event's trace
            ],
        )
        tracing.failed(error)
        log.error(
            "message dead-lettered",
            extra={"consumer": self.name, "topic": record.topic, "offset": record.offset, "error": error[:500]},
        )
        self.hooks.dead_lettered(record.topic, error)


def _error_summary(exc: BaseException) -> str:
    """The error's type and message without the SQL parameters a database error would quote."""
    text = str(exc).split("[SQL:", 1)[0].split("[parameters:", 1)[0]
    return f"{type(exc).__name__}: {' '.join(text.split())}"[:300]
