"""Notifier's tables: what it knows of incidents, notices and their deliveries, outbox, processed events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pidesk.shared.db.base import ServiceBase, TimestampMixin, UTCDateTime, new_metadata
from pidesk.shared.http.audit import AuditEntryMixin
from pidesk.shared.messaging.records import OutboxMessageMixin, ProcessedEventMixin

BigId = BigInteger().with_variant(Integer(), "sqlite")


class NotifierBase(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class IncidentRecord(TimestampMixin, NotifierBase):
    """An incident's facts (classifications only) and its latest assessment, as the events told them."""

    __tablename__ = "incidents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    entity: Mapped[str] = mapped_column(String(200), nullable=False)
    entity_country: Mapped[str] = mapped_column(String(2), nullable=False)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON(), nullable=True)
    assessment_version: Mapped[int] = mapped_column(Integer(), nullable=False, default=0)


class Notice(TimestampMixin, NotifierBase):
    """One notice in one language: a draft until approved, then issued to its recipients or published."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("incident_id", "kind", "variant", "language", name="uq_notices_incident_kind_variant_lang"),
        Index("ix_notices_kind_status", "kind", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False, index=True)
    reference: Mapped[str] = mapped_column(String(20), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    variant: Mapped[str] = mapped_column(String(80), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    current: Mapped[bool] = mapped_column(Boolean(), nullable=False, default=True)
    subject: Mapped[str] = mapped_column(String(500), nullable=False)
    body: Mapped[str] = mapped_column(Text(), nullable=False)
    obligations: Mapped[list[str]] = mapped_column(JSON(), nullable=False, default=list)
    context: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False, default=dict)
    # the desk's own wording, when it completed or rewrote the draft (then kept over re-drafts)
    edited_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    facts_changed_since_edit: Mapped[bool] = mapped_column(Boolean(), nullable=False, default=False)
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # per approval (its approved_at): how many recipient batches it announced and which have arrived
    approvals: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False, default=dict)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the wording an approval covered (domain/approval.py): set on both language drafts of an approved
    # data-subject notice, which are then neither edited nor re-drafted; nothing else is ever sent
    approved_wording: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failed_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)  # an approval refused
    total: Mapped[int] = mapped_column(Integer(), nullable=False, default=0)
    sent: Mapped[int] = mapped_column(Integer(), nullable=False, default=0)
    failed: Mapped[int] = mapped_column(Integer(), nullable=False, default=0)
    unconfirmed: Mapped[int] = mapped_column(Integer(), nullable=False, default=0)


PENDING_ROWS = text("status = 'pending'")
SENDING_ROWS = text("status = 'sending'")
ALERT_MAIL_ROWS = text("mail_key IS NOT NULL")
# alert mail rows that went (or go) as a mail of their own, not riding in another row's (`carried_by`)
OWN_ALERT_MAIL_ROWS = text("mail_key IS NOT NULL AND carried_by IS NULL")
# alert mail rows some instance holds (claimed, or `sending`): a handful, however long the backlog behind
# them or the history before them (a lease is cleared when a row is finished or given back to wait)
ALERT_MAIL_LEASED_ROWS = text("mail_key IS NOT NULL AND lease_until IS NOT NULL AND status IN ('pending', 'sending')")
# alert mail rows the rate limit holds back (mailings.py): read for each person a mail goes to now, so never
# through the person's whole history
ALERT_MAIL_HELD_ROWS = text("mail_key IS NOT NULL AND status = 'pending' AND hold = 'rate_limit'")


class Delivery(NotifierBase):
    """One (notice, recipient) pair: sent at most once; `sending` is committed just before the message goes.

    A notifier instance claims a row by stamping `lease_owner` and `lease_until` (renewed while it holds
    the row); `priority` orders the claims (`domain/priority.py`)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("notice_id", "channel", "address", name="uq_deliveries_notice_channel_address"),
        # the claim: due pending rows by (priority, next_attempt_at, id); finished rows stay out of it
        Index(
            "ix_deliveries_pending_due",
            "priority",
            "next_attempt_at",
            "id",
            postgresql_where=PENDING_ROWS,
            sqlite_where=PENDING_ROWS,
        ),
        # recovery: rows in flight whose lease ran out
        Index("ix_deliveries_sending_lease", "lease_until", postgresql_where=SENDING_ROWS, sqlite_where=SENDING_ROWS),
        # alert mail per person: what waits to go with a claimed row, and what went within the hour
        Index(
            "ix_deliveries_alert_mail",
            "address",
            "mail_key",
            postgresql_where=ALERT_MAIL_ROWS,
            sqlite_where=ALERT_MAIL_ROWS,
        ),
        # the rate limit and the group window: a person's alert mails on their way (mailings.py)
        Index(
            "ix_deliveries_alert_mail_leased",
            "address",
            postgresql_where=ALERT_MAIL_LEASED_ROWS,
            sqlite_where=ALERT_MAIL_LEASED_ROWS,
        ),
        Index(
            "ix_deliveries_alert_mail_held",
            "address",
            postgresql_where=ALERT_MAIL_HELD_ROWS,
            sqlite_where=ALERT_MAIL_HELD_ROWS,
        ),
        # the rate limit: a person's latest alert mails, newest first (mailings.py reads the hour's `per_hour`
        # latest); only the mails that went as their own, not the rows that rode in them (thousands in a storm)
        Index(
            "ix_deliveries_own_alert_mail_sent",
            "address",
            "sent_at",
            "id",
            postgresql_where=OWN_ALERT_MAIL_ROWS,
            sqlite_where=OWN_ALERT_MAIL_ROWS,
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # found by notice through the unique (notice_id, channel, address) index: no index of its own to keep up
    notice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notices.id"), nullable=False)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)  # email | chat
    # the recipient, never in clear (adapters/people.py): `address` is the blind index every lookup uses,
    # `address_sealed` the address and `name` the name, encrypted
    address: Mapped[str] = mapped_column(String(1000), nullable=False)
    address_sealed: Mapped[str] = mapped_column(Text(), nullable=False)
    name: Mapped[str] = mapped_column(Text(), nullable=False, default="")
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer(), nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    message_id: Mapped[str] = mapped_column(String(300), nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    priority: Mapped[int] = mapped_column(SmallInteger(), nullable=False, default=10, server_default=text("10"))
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # internal alert mail (issue 11, item 3; service/mailings.py): rows of one person with the same key
    # (incident, reason, step) go as one mail; `hold` says why a row waits (rate_limit, group_window,
    # digest) and `note` what became of it; `carried_by` is the row whose mail carried this one
    mail_key: Mapped[str | None] = mapped_column(String(120), nullable=True)
    exempt: Mapped[bool] = mapped_column(Boolean(), nullable=False, default=False, server_default=false())
    hold: Mapped[str | None] = mapped_column(String(20), nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    carried_by: Mapped[int | None] = mapped_column(BigId, nullable=True)


class AuditEntry(AuditEntryMixin, NotifierBase):
    __tablename__ = "audit_log"


class OutboxMessage(OutboxMessageMixin, NotifierBase):
    __tablename__ = "outbox"


class ProcessedEvent(ProcessedEventMixin, NotifierBase):
    __tablename__ = "processed_events"
