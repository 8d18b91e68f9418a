"""The outbox relay: publishes committed outbox rows to Kafka, in order, and marks them published.

Guarantees: a row is marked only after the broker acknowledged it (acks=all), so a relay killed
mid-batch republishes the unmarked rest on restart (consumers deduplicate by event_id). Rows go out
in id order through the idempotent producer, and a failed batch stops at the first failure, so the
events of one incident never overtake each other. On PostgreSQL one advisory lock per outbox lets
several instances (or worker processes) run with only one relaying at a time. Marking rows published
commits asynchronously (no wait for the disk): a mark lost in a database crash republishes its rows,
which consumers drop as duplicates.

Latency: a commit wakes the relay of its own process at once; the relay drains until a read finds
less than a whole batch (a row committed after that read woke it again meanwhile, so a read that would
find nothing is not made: at a moderate rate it would double the relay's transactions), and a relay
that finds the lock taken looks again a few milliseconds later, so a row committed in another process
while one relays is not left for the next poll.

Tracing (shared/tracing.py): with tracing on, a row's stored trace context goes out as the Kafka headers
`traceparent`/`tracestate` of its message, from a producer span; off, the column is not even read.
Backlog: with `on_backlog`, a loop beside the relay counts the unpublished rows and the age of the
oldest every `backlog_seconds`, apart from publishing, so a broker outage shows as a growing backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from aiokafka import AIOKafkaProducer
from opentelemetry.trace import Span
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.shared import tracing
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import on_postgresql
from pidesk.shared.messaging.backoff import Backoff
from pidesk.shared.messaging.priority import has_priority_partition, partition_for
from pidesk.shared.messaging.records import OutboxMessageMixin

log = logging.getLogger(__name__)

LOCK_BUSY_RETRIES, LOCK_BUSY_PAUSE_SECONDS = 5, 0.01
BUSY_WINDOW_SECONDS = LOCK_BUSY_RETRIES * LOCK_BUSY_PAUSE_SECONDS  # how long a relay finding the lock taken looks
RELAY_LOCK = text("SELECT pg_try_advisory_xact_lock(:k) AND set_config('synchronous_commit', 'off', true) IS NOT NULL")


class OutboxRelay:
    def __init__(
        self,
        *,
        name: str,
        sessions: async_sessionmaker[AsyncSession],
        model: type[OutboxMessageMixin],
        producer_factory: Callable[[], AIOKafkaProducer],
        batch_size: int = 200,
        poll_seconds: float = 0.5,
        on_published: Callable[[int], None] | None = None,
        on_backlog: Callable[[int, float], None] | None = None,
        backlog_seconds: float = 15.0,
    ) -> None:
        self.name = name
        self._sessions = sessions
        self._model = model
        self._producer_factory = producer_factory
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._on_published = on_published or (lambda _n: None)
        self._on_backlog = on_backlog  # (unpublished rows, age of the oldest in seconds)
        self._backlog_seconds = backlog_seconds
        self._wakeup = asyncio.Event()
        self._lock_key = zlib.crc32(f"pidesk-outbox:{name}".encode())
        self._partition_counts: dict[str, int] = {}

    def wake(self) -> None:
        """Called after a commit that added outbox rows: publish now rather than at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        if self._on_backlog is None:
            await self._relay()
        else:
            await asyncio.gather(self._relay(), self._watch_backlog(self._on_backlog))

    async def _relay(self) -> None:
        backoff = Backoff()
        while True:
            producer = self._producer_factory()
            try:
                await producer.start()
                backoff.reset()
                await self._relay_until_failure(producer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the relay must outlive broker and database outages
                log.warning("outbox relay paused", extra={"relay": self.name, "error": repr(exc)})
            finally:
                await _stop_quietly(producer)
            await backoff.wait()

    async def _relay_until_failure(self, producer: AIOKafkaProducer) -> None:
        self._partition_counts = {}  # a topic may gain partitions between connections
        busy_retries = 0
        relaying_since = time.monotonic()  # this run of batches, holding the lock one after another
        while True:
            self._wakeup.clear()
            published = await self.publish_batch(producer)
            if published is None and busy_retries < LOCK_BUSY_RETRIES:
                # another process is relaying; it may have read the outbox just before our commit, so
                # look again as soon as its transaction is over rather than at the next poll
                busy_retries += 1
                await asyncio.sleep(LOCK_BUSY_PAUSE_SECONDS)
                continue
            busy_retries = 0
            if published is not None and published >= self._batch_size:
                continue  # a whole batch: more may be waiting
            if published and time.monotonic() - relaying_since > BUSY_WINDOW_SECONDS:
                # another process's relay that found the lock taken has stopped looking by now: a row it
                # committed after this run's last read is read here, not left for the next poll
                relaying_since = time.monotonic()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._poll_seconds)
            relaying_since = time.monotonic()

    async def publish_batch(self, producer: AIOKafkaProducer) -> int | None:
        """Publish up to one batch; how many rows were published and marked, None if another relays."""
        model = self._model
        traced = tracing.enabled()
        columns = (model.id, model.topic, model.message_key, model.value, *((model.trace_context,) if traced else ()))
        async with self._sessions() as session, session.begin():
            if not await self._hold_relay_lock(session):
                return None
            rows = (
                await session.execute(
                    select(*columns).where(model.published_at.is_(None)).order_by(model.id).limit(self._batch_size)
                )
            ).all()
            if not rows:
                return 0
            futures = []
            spans: list[Span | None] = []
            for r in rows:
                key, value = r.message_key.encode(), r.value.encode()
                partition = partition_for(r.topic, key, value, await self._partitions(producer, r.topic))
                headers = None
                if traced and r.trace_context is not None:
                    span, headers = tracing.sending(r.topic, r.trace_context, r.message_key)
                    spans.append(span)
                futures.append(await producer.send(r.topic, value=value, key=key, partition=partition, headers=headers))
            results = await asyncio.gather(*futures, return_exceptions=True)
            if spans:
                self._end_spans(rows, results, spans)
            done_ids: list[int] = []
            failure: BaseException | None = None
            for row, result in zip(rows, results, strict=True):
                if isinstance(result, BaseException):
                    failure = result
                    break
                done_ids.append(row.id)
            if done_ids:
                await session.execute(update(model).where(model.id.in_(done_ids)).values(published_at=utcnow()))
            if failure is not None:
                failed = rows[len(done_ids)]
                await session.execute(
                    update(model)
                    .where(model.id == failed.id)
                    .values(attempts=model.attempts + 1, last_error=repr(failure)[:2000])
                )
        self._on_published(len(done_ids))
        if failure is not None:
            raise failure
        return len(done_ids)

    @staticmethod
    def _end_spans(rows: Sequence[Row[Any]], results: list[Any], spans: list[Span | None]) -> None:
        """End the producer spans, in row order (only traced rows have one), failed where the send failed."""
        pending = iter(spans)
        for row, result in zip(rows, results, strict=True):
            if row.trace_context is not None:
                tracing.sent(next(pending), result if isinstance(result, BaseException) else None)

    async def _watch_backlog(self, report: Callable[[int, float], None]) -> None:
        model = self._model
        while True:
            try:
                async with self._sessions() as session:
                    row = (
                        await session.execute(
                            select(func.count(), func.min(model.created_at)).where(model.published_at.is_(None))
                        )
                    ).one()
                oldest = cast(datetime | None, row[1])  # no row waiting: NULL
                report(int(row[0]), 0.0 if oldest is None else max((utcnow() - oldest).total_seconds(), 0.0))
            except asyncio.CancelledError:
                raise
            except Exception:  # a measurement: the next one may succeed
                log.debug("outbox backlog not measured", exc_info=True)
            await asyncio.sleep(self._backlog_seconds)

    async def _partitions(self, producer: AIOKafkaProducer, topic: str) -> int:
        """How many partitions `topic` has (asked once per producer, for topics with a priority one)."""
        if not has_priority_partition(topic):
            return 1
        known = self._partition_counts.get(topic)
        if known is None:
            known = len(await producer.partitions_for(topic))
            self._partition_counts[topic] = known
        return known

    async def _hold_relay_lock(self, session: AsyncSession) -> bool:
        """The outbox's advisory lock for this transaction, and (same round trip) an asynchronous commit
        of it: the transaction only marks rows published, and a mark lost in a database crash only
        publishes those rows again, which consumers drop as duplicates. Not waiting for the WAL flush
        spares every relay batch a disk sync."""
        if not on_postgresql(session):
            return True
        return bool(await session.scalar(RELAY_LOCK, {"k": self._lock_key}))


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    try:
        await producer.stop()
    except Exception:
        log.debug("producer stop failed", exc_info=True)
