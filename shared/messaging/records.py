"""Table mixins every service maps once: its outbox and its processed-events record."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text, Uuid
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from pidesk.shared import tracing
from pidesk.shared.db.base import UTCDateTime, utcnow
from pidesk.shared.events import Envelope

# SQLite autoincrements only INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
OutboxId = BigInteger().with_variant(Integer(), "sqlite")


class OutboxMessageMixin:
    """An event written in the business transaction; the relay publishes it and sets `published_at`.

    `id` orders the outbox: the relay publishes in id order, so one incident's events keep theirs.
    `trace_context` is the W3C context of the span that wrote the row (NULL when tracing is off); the
    relay sends it as Kafka headers, so the event's consumer continues that trace (shared/tracing.py).
    """

    id: Mapped[int] = mapped_column(OutboxId, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid(), unique=True, nullable=False)
    topic: Mapped[str] = mapped_column(String(200), nullable=False)
    message_key: Mapped[str] = mapped_column(String(100), nullable=False)
    value: Mapped[str] = mapped_column(Text(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer(), default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text(), nullable=True)
    trace_context: Mapped[str | None] = mapped_column(String(tracing.STORED_MAX), nullable=True)


class ProcessedEventMixin:
    """`(consumer, event_id)` inserted in the same transaction as the state change it caused."""

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), nullable=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)


def outbox_values(envelope: Envelope, trace_context: str | None = None) -> dict[str, Any]:
    """The attribute values of the outbox row that carries `envelope` (the rest are column defaults).

    With tracing on, the row keeps `trace_context` if given (taken where the work was asked for, when
    another task writes the row), else the current span's (shared/tracing.py); off, nothing is added."""
    values: dict[str, Any] = {
        "event_id": envelope.event_id,
        "topic": envelope.topic,
        "message_key": str(envelope.incident_id),
        "value": envelope.model_dump_json(),
    }
    if tracing.enabled():
        values["trace_context"] = trace_context or tracing.outbox_trace_context(envelope.incident_id)
    return values


def outbox_message(
    model: type[OutboxMessageMixin], envelope: Envelope, trace_context: str | None = None
) -> OutboxMessageMixin:
    return model(**outbox_values(envelope, trace_context))


def add_to_outbox(session: AsyncSession, model: type[OutboxMessageMixin], envelope: Envelope) -> None:
    """Stage `envelope` for publication in the caller's transaction (no I/O until it commits)."""
    session.add(outbox_message(model, envelope))
