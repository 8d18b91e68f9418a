"""Intake's tables: reports (free text encrypted), reference counters, outbox, processed events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pidesk.shared.db.base import CreatedAtMixin, ServiceBase, UTCDateTime, new_metadata
from pidesk.shared.http.ratestore import RateLimitCountMixin
from pidesk.shared.messaging.records import OutboxMessageMixin, ProcessedEventMixin


class IntakeBase(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class Report(CreatedAtMixin, IntakeBase):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("source", "source_alert_id", name="uq_reports_source_alert"),
        Index("ix_reports_received_at", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    source: Mapped[str] = mapped_column(String(30), nullable=False)
    source_alert_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    reporter: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)
    title_encrypted: Mapped[str] = mapped_column(Text(), nullable=False)
    description_encrypted: Mapped[str] = mapped_column(Text(), nullable=False)
    incident_kind: Mapped[str] = mapped_column(String(50), nullable=False)
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    data_categories: Mapped[list[str]] = mapped_column(JSON(), nullable=False)
    affected_count: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)  # up to MAX_SUBJECTS (10**10)
    subject_regions: Mapped[dict[str, int]] = mapped_column(JSON(), nullable=False)
    encryption: Mapped[str] = mapped_column(String(20), nullable=False)
    recovered_before_access: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    malicious: Mapped[bool | None] = mapped_column(Boolean(), nullable=True)
    publicly_viewable: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    entity_role: Mapped[str] = mapped_column(String(20), nullable=False)
    contact_info_available: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    assets: Mapped[list[str]] = mapped_column(JSON(), nullable=False)
    vendor_state: Mapped[str | None] = mapped_column(String(30), nullable=True)
    last_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReferenceCounter(IntakeBase):
    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=False)
    last_sequence: Mapped[int] = mapped_column(Integer(), nullable=False)


class OutboxMessage(OutboxMessageMixin, IntakeBase):
    __tablename__ = "outbox"


class ProcessedEvent(ProcessedEventMixin, IntakeBase):
    __tablename__ = "processed_events"


class IdempotencyKey(CreatedAtMixin, IntakeBase):
    """An `Idempotency-Key` of POST /v1/reports, with the fingerprint of the body it came with."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id"), nullable=False)


class AlertGroup(CreatedAtMixin, IntakeBase):
    """A group of correlated webhook alerts: one incident while the group is open."""

    __tablename__ = "alert_groups"
    __table_args__ = (Index("ix_alert_groups_key_opened", "group_key", "opened_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    source: Mapped[str] = mapped_column(String(30), nullable=False)
    group_key: Mapped[str] = mapped_column(String(64), nullable=False)  # sha256 of source and key values
    key_values: Mapped[dict[str, str | None]] = mapped_column(JSON(), nullable=False)
    # the incident the group's alerts go to (after a merge on the desk: the surviving incident)
    incident_id: Mapped[uuid.UUID] = mapped_column(Uuid(), index=True, nullable=False)
    reference: Mapped[str] = mapped_column(String(20), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_alert_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    alert_count: Mapped[int] = mapped_column(Integer(), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class GroupedAlert(IntakeBase):
    """A webhook alert that joined a group after its first (the first is the incident's report)."""

    __tablename__ = "grouped_alerts"
    __table_args__ = (UniqueConstraint("source", "alert_id", name="uq_grouped_alerts_source_alert"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    source: Mapped[str] = mapped_column(String(30), nullable=False)
    alert_id: Mapped[str] = mapped_column(String(300), nullable=False)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("alert_groups.id"), index=True, nullable=False)
    incident_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    vendor_state: Mapped[str | None] = mapped_column(String(30), nullable=True)


class RateLimitCount(RateLimitCountMixin, IntakeBase):
    """Per-client request counts of this service's processes, shared between them (shared/http/ratestore.py);
    UNLOGGED on PostgreSQL (the migration): a crash may lose them, the limits then start afresh."""

    __tablename__ = "rate_limit_counts"


class ReceivedCase(CreatedAtMixin, IntakeBase):
    """A government request or privacy complaint as received (issue 17): its words, the people it names and
    the complainant's contact sealed (`sealed`: field -> ciphertext, the case id and field bound in); the
    classifications travel to escalation in the event, the words never do."""

    __tablename__ = "received_cases"
    __table_args__ = (Index("ix_received_cases_kind_received_at", "kind", "received_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    reference: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    confidential: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    sealed: Mapped[dict[str, str]] = mapped_column(JSON(), nullable=False)


class CaseCounter(IntakeBase):
    """The last reference number of each kind of case and Japan-time year (GR-2026-000001, PC-2026-000001)."""

    __tablename__ = "case_counters"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    year: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=False)
    last_sequence: Mapped[int] = mapped_column(Integer(), nullable=False)
