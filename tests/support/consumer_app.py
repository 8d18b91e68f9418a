"""A consumer on the real broker and database with a deliberately non-idempotent handler.

The handler appends a row per call, so only the consumer's processed-events record can keep a
redelivered event from being applied twice. Run as a module it is a consumer process that can be
told to die right after its database commit (before the offset commit):

    python -m tests.support.consumer_app URL TOPIC GROUP [CRASH_AFTER_EVENT_ID]
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Integer, String, Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from pidesk.shared.db.base import ServiceBase, new_metadata
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import Envelope, EventPayload
from pidesk.shared.messaging.consumer import ConsumerHooks, IdempotentConsumer
from pidesk.shared.messaging.kafka import manual_commit_consumer, reliable_producer
from pidesk.shared.messaging.records import ProcessedEventMixin
from pidesk.shared.messaging.security import PLAINTEXT


class ProbeBase(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class ProbeProcessedEvent(ProcessedEventMixin, ProbeBase):
    __tablename__ = "processed_events"


class HandledEvent(ProbeBase):
    __tablename__ = "handled_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    note: Mapped[str] = mapped_column(String(50), nullable=False)


class Happened(EventPayload):
    n: int


class HandlerFailure(RuntimeError):
    pass


async def append_row(session: AsyncSession, envelope: Envelope, payload: EventPayload) -> None:
    assert isinstance(payload, Happened)
    if payload.n < 0:
        raise HandlerFailure(f"cannot handle n={payload.n}")
    session.add(HandledEvent(event_id=envelope.event_id, note=f"n={payload.n}"))


def envelope(event_type: str, n: int, *, version: int = 1, incident_id: uuid.UUID | None = None) -> Envelope:
    incident = incident_id or uuid.uuid4()
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=version,
        occurred_at=datetime.now(UTC),
        incident_id=incident,
        correlation_id=incident,
        producer="tests",
        payload={"n": n},
    )


def probe_consumer(
    *,
    bootstrap: str,
    sessions: async_sessionmaker[AsyncSession],
    topic: str,
    group: str,
    hooks: ConsumerHooks | None = None,
    max_attempts: int = 3,
) -> IdempotentConsumer:
    event_type = topic.rsplit(".v", 1)[0]
    return IdempotentConsumer(
        name="probe",
        group_id=group,
        handlers={topic: append_row},
        sessions=sessions,
        processed_model=ProbeProcessedEvent,
        consumer_factory=lambda names: manual_commit_consumer(bootstrap, group, names, "probe", security=PLAINTEXT),
        producer_factory=lambda: reliable_producer(bootstrap, "probe-dlq", security=PLAINTEXT),
        max_attempts=max_attempts,
        retry_base_seconds=0.05,
        payloads={(event_type, 1): Happened},
        hooks=hooks or ConsumerHooks(),
    )


async def create_schema(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(ProbeBase.metadata.create_all)
    await engine.dispose()


async def handled_counts(sessions: async_sessionmaker[AsyncSession]) -> dict[uuid.UUID, int]:
    async with sessions() as session:
        rows = await session.execute(select(HandledEvent.event_id, func.count()).group_by(HandledEvent.event_id))
        return {event_id: count for event_id, count in rows.all()}


async def _main(url: str, topic: str, group: str, crash_after: str | None) -> None:
    engine = create_engine(url)
    hooks = ConsumerHooks()
    if crash_after:

        def die_after_commit(e: Envelope) -> None:
            if str(e.event_id) == crash_after:
                os._exit(3)  # the database has committed; the offset has not

        hooks.db_committed = die_after_commit
    consumer = probe_consumer(
        bootstrap=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        sessions=session_factory(engine),
        topic=topic,
        group=group,
        hooks=hooks,
    )
    await consumer.run()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None))
