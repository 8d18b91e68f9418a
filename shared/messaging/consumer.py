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
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata, TopicPartition
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.shared import topics
from pidesk.shared.db.base import utcnow
from pidesk.shared.events import PAYLOADS, Envelope, EventPayload, MalformedEvent, parse_payload
from pidesk.shared.messaging.records import ProcessedEventMixin

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope, EventPayload], Awaitable[None]]

INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    ConnectionError,
    OSError,
    TimeoutError,
)


@dataclass
class ConsumerHooks:
    """Observation points: metrics, and fault injection in the crash-recovery tests."""

    processed: Callable[[Envelope], None] = lambda _e: None
    duplicate: Callable[[Envelope], None] = lambda _e: None
    dead_lettered: Callable[[str, str], None] = lambda _topic, _error: None
    db_committed: Callable[[Envelope], None] = lambda _e: None


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

    async def run(self) -> None:
        """Consume until cancelled, reconnecting after broker outages."""
        backoff = 0.5
        while True:
            consumer = self.consumer_factory(sorted(self.handlers))
            dlq = self.producer_factory()
            try:
                await consumer.start()
                await dlq.start()
                backoff = 0.5
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
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)

    async def _consume(self, consumer: AIOKafkaConsumer, dlq: AIOKafkaProducer) -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=200)
            done: dict[TopicPartition, OffsetAndMetadata] = {}
            # partitions in parallel (order is only promised within one); records of one in sequence
            outcomes = await asyncio.gather(
                *(self._drain(records, dlq, partition, done) for partition, records in batches.items()),
                return_exceptions=True,
            )
            # only offsets whose records are committed in the database (or dead-lettered); a crash
            # before this line replays them, and processed_events makes the replay harmless
            if done:
                await consumer.commit(done)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome

    async def _drain(
        self,
        records: list[ConsumerRecord],
        dlq: AIOKafkaProducer,
        partition: TopicPartition,
        done: dict[TopicPartition, OffsetAndMetadata],
    ) -> None:
        for record in records:
            await self.handle_record(record, dlq)
            done[partition] = OffsetAndMetadata(record.offset + 1, "")

    async def handle_record(self, record: ConsumerRecord, dlq: AIOKafkaProducer) -> None:
        try:
            envelope = Envelope.from_bytes(record.value)
            payload = parse_payload(envelope, self.payloads)
        except MalformedEvent as exc:
            await self._dead_letter(dlq, record, str(exc), attempts=0)
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._apply(record.topic, envelope, payload)
                return
            except INFRASTRUCTURE_ERRORS as exc:
                log.warning(
                    "infrastructure unavailable; will retry",
                    extra={"consumer": self.name, "event_id": str(envelope.event_id), "error": repr(exc)},
                )
                await asyncio.sleep(min(self.retry_base_seconds * 2 ** min(attempt, 8), 30.0))
                attempt = 0
            except Exception as exc:  # noqa: BLE001 - a handler bug must not stop the partition
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
                        self.processed_model(  # type: ignore[call-arg]
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
            headers=[("pidesk-error", error[:500].encode()), ("pidesk-consumer", self.name.encode())],
        )
        log.error(
            "message dead-lettered",
            extra={"consumer": self.name, "topic": record.topic, "offset": record.offset, "error": error[:500]},
        )
        self.hooks.dead_lettered(record.topic, error)


def _error_summary(exc: BaseException) -> str:
    """The error's type and message without the SQL parameters a database error would quote."""
    text = str(exc).split("[SQL:", 1)[0].split("[parameters:", 1)[0]
    return f"{type(exc).__name__}: {' '.join(text.split())}"[:300]
