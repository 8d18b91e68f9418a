"""Escalation's tables: incidents (no free text), their timeline, outbox, processed events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pidesk.shared.db.base import ServiceBase, TimestampMixin, UTCDateTime, new_metadata
from pidesk.shared.messaging.records import OutboxMessageMixin, ProcessedEventMixin


class EscalationBase(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class Incident(TimestampMixin, EscalationBase):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_aware_at", "status", "aware_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    # intake numbers references uniquely; here a clash must not turn a real incident into a poison message
    reference: Mapped[str] = mapped_column(String(20), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    source: Mapped[str] = mapped_column(String(30), nullable=False)
    source_alert_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    entity: Mapped[str] = mapped_column(String(200), nullable=False)
    division: Mapped[str] = mapped_column(String(200), nullable=False)
    reporter: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    risk_level: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)

    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="incident", order_by="TimelineEntry.id", cascade="all, delete-orphan", lazy="selectin"
    )


class TimelineEntry(EscalationBase):
    __tablename__ = "timeline_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False, default=dict)

    incident: Mapped[Incident] = relationship(back_populates="timeline")


class OutboxMessage(OutboxMessageMixin, EscalationBase):
    __tablename__ = "outbox"


class ProcessedEvent(ProcessedEventMixin, EscalationBase):
    __tablename__ = "processed_events"
