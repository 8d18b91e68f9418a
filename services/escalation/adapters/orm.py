"""Escalation's tables: incidents (no free text), their timeline, the desk's snoozes, the personal-information
ledger and its versions, outbox, processed events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pidesk.shared.db.base import ServiceBase, TimestampMixin, UTCDateTime, new_metadata
from pidesk.shared.http.audit import AuditEntryMixin
from pidesk.shared.http.ratestore import RateLimitCountMixin
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
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON(), nullable=True)
    assessment_version: Mapped[int] = mapped_column(Integer(), nullable=False, default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # a group of DLP alerts: how many it holds and when the newest came (kept with every change)
    alert_count: Mapped[int] = mapped_column(Integer(), nullable=False, default=0, server_default="0")
    last_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the incident its group's alerts went to before it was closed; the survivor it was merged into
    follows_incident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True, index=True)
    merged_into: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True)
    # the desk's snooze its alerts matched (kept once it is open again, or when the law overrode it) and
    # what it did: snoozed (status `snoozed`), overridden (a statutory obligation), opened (afterwards)
    matched_snooze_id: Mapped[int | None] = mapped_column(ForeignKey("snoozes.id"), nullable=True, index=True)
    snooze_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # the personal-information ledger's answer for the assets it names (domain/ledger_facts.py `Lookup`):
    # the entries covering them, with the facts each can give, and the assets no entry covers; None: none named
    ledger: Mapped[dict[str, Any] | None] = mapped_column(JSON(), nullable=True)

    routes: Mapped[list[RouteRecord]] = relationship(
        back_populates="incident", order_by="RouteRecord.id", cascade="all, delete-orphan", lazy="selectin"
    )

    obligations: Mapped[list[ObligationRecord]] = relationship(
        back_populates="incident", order_by="ObligationRecord.due_at", cascade="all, delete-orphan", lazy="selectin"
    )

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


class IncidentAlert(EscalationBase):
    """One DLP alert of an incident's group. Each vendor alert is stored once and belongs to one
    incident at a time (a split or a merge moves it); never the matched content."""

    __tablename__ = "incident_alerts"
    __table_args__ = (
        UniqueConstraint("source", "alert_id", name="uq_incident_alerts_source_alert_id"),
        Index("ix_incident_alerts_incident_received", "incident_id", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), nullable=False)
    source: Mapped[str] = mapped_column(String(30), nullable=False)
    alert_id: Mapped[str] = mapped_column(String(300), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    rule: Mapped[str | None] = mapped_column(String(300), nullable=True)
    asset: Mapped[str | None] = mapped_column(String(500), nullable=True)
    actor: Mapped[str | None] = mapped_column(String(300), nullable=True)
    detections: Mapped[dict[str, int]] = mapped_column(JSON(), nullable=False, default=dict)
    data_categories: Mapped[list[str]] = mapped_column(JSON(), nullable=False, default=list)
    affected_count: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)
    vendor_state: Mapped[str | None] = mapped_column(String(30), nullable=True)
    # the alert's own count by the group rule (domain.alert_groups.alert_count; None: it says none), so a
    # group's count is aggregated per place in the database, not read alert by alert
    detected_count: Mapped[int | None] = mapped_column(BigInteger(), nullable=True)
    # when it joined this incident's group (stored, moved by a split or a merge): group updates count from it
    grouped_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # the desk's snooze that was running and covered it when it arrived (kept after the snooze ends)
    snooze_id: Mapped[int | None] = mapped_column(ForeignKey("snoozes.id"), nullable=True, index=True)

    incident: Mapped[Incident] = relationship()  # one way: an incident never loads its thousands of alerts


class Snooze(EscalationBase):
    """The desk silencing DLP alerts it knows to be noise (domain/snoozes.py): a filter of patterns, a
    reason, who and when; it runs from `starts_at` until `expires_at`, or until the desk ends it."""

    __tablename__ = "snoozes"
    __table_args__ = (Index("ix_snoozes_ended_at_expires_at", "ended_at", "expires_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    source: Mapped[str | None] = mapped_column(String(100), nullable=True)
    rule: Mapped[str | None] = mapped_column(String(300), nullable=True)
    asset: Mapped[str | None] = mapped_column(String(500), nullable=True)
    actor: Mapped[str | None] = mapped_column(String(300), nullable=True)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class ObligationRecord(EscalationBase):
    """One legal or internal duty of an incident; kept across re-assessments (done stays done)."""

    __tablename__ = "obligations"
    __table_args__ = (UniqueConstraint("incident_id", "code", name="uq_obligations_incident_code"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True, nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    regime: Mapped[str] = mapped_column(String(20), nullable=False)
    duty: Mapped[str] = mapped_column(String(30), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    target_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    basis: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # pending, done, withdrawn
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    incident: Mapped[Incident] = relationship(back_populates="obligations")


class RouteRecord(EscalationBase):
    """A role told about an incident at a step, and whether (and by whom) it acknowledged."""

    __tablename__ = "routes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True, nullable=False)
    target: Mapped[str] = mapped_column(String(40), nullable=False)
    step: Mapped[int] = mapped_column(Integer(), nullable=False)
    reason: Mapped[str] = mapped_column(String(40), nullable=False)  # routed, escalated, manual, obligation_reminder
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSON(), nullable=False)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    incident: Mapped[Incident] = relationship(back_populates="routes")


class EscalationTimer(EscalationBase):
    """A durable timer: fires once (fired_at set in the same transaction as its effect)."""

    __tablename__ = "escalation_timers"
    __table_args__ = (Index("ix_escalation_timers_pending", "fired_at", "due_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # ack_deadline, obligation_reminder, group_update
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    obligation_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)

    incident: Mapped[Incident] = relationship()


class AssessmentRecord(EscalationBase):
    """Every assessment of an incident, with what changed since the one before."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("incident_id", "version", name="uq_assessments_incident_version"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True, nullable=False)
    version: Mapped[int] = mapped_column(Integer(), nullable=False)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reason: Mapped[str] = mapped_column(String(100), nullable=False)
    risk_level: Mapped[str] = mapped_column(String(20), nullable=False)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)
    obligations: Mapped[list[dict[str, Any]]] = mapped_column(JSON(), nullable=False)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)

    incident: Mapped[Incident] = relationship()  # lets the unit of work insert the incident first


class NoticeRecord(EscalationBase):
    """What the desk knows of a notice the notifier drafted (pidesk.notice.drafted/issued.v1)."""

    __tablename__ = "notices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(Uuid(), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    variant: Mapped[str] = mapped_column(String(80), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    current: Mapped[bool] = mapped_column(Boolean(), nullable=False, default=True)
    subject: Mapped[str] = mapped_column(String(500), nullable=False)
    obligations: Mapped[list[str]] = mapped_column(JSON(), nullable=False, default=list)
    recipients: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DeskUser(TimestampMixin, EscalationBase):
    """A person who signs in to the dashboard (`pidesk user add`); the password only as an argon2 hash."""

    __tablename__ = "desk_users"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean(), nullable=False, default=False)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DeskSession(EscalationBase):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "desk_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("desk_users.id"), index=True, nullable=False)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)

    user: Mapped[DeskUser] = relationship(lazy="joined")


class AuditEntry(AuditEntryMixin, EscalationBase):
    __tablename__ = "audit_log"


class OutboxMessage(OutboxMessageMixin, EscalationBase):
    __tablename__ = "outbox"


class ProcessedEvent(ProcessedEventMixin, EscalationBase):
    __tablename__ = "processed_events"


class EarlyUpdate(EscalationBase):
    """An `incident.updated` that arrived before its incident's `incident.reported` (the two topics
    are read independently): kept until the incident is recorded, then applied in order."""

    __tablename__ = "early_updates"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(Uuid(), index=True, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    envelope: Mapped[str] = mapped_column(Text(), nullable=False)


class SignInThrottle(EscalationBase):
    """Failed dashboard sign-ins per (name, client address), keyed by a SHA-256 of both: growing delays
    (service/throttle.py), never a lock of the account itself."""

    __tablename__ = "sign_in_throttle"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer(), nullable=False)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RevokedToken(EscalationBase):
    """A bearer token's `jti` revoked with `pidesk token revoke`: refused by escalation, and by the
    notifier, which reads this list from `GET /v1/tokens/revoked`."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class RateLimitCount(RateLimitCountMixin, EscalationBase):
    """Per-client request counts of this service's processes, shared between them (shared/http/ratestore.py);
    UNLOGGED on PostgreSQL (the migration): a crash may lose them, the limits then start afresh."""

    __tablename__ = "rate_limit_counts"


class LedgerRecord(EscalationBase):
    """A personal-information ledger entry as it stands (domain/ledger.py; issue 16): its fields as plain
    values in `record`, and the columns the desk filters on. Never deleted: a retired entry is kept."""

    __tablename__ = "ledger_entries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer(), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    company: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    division: Mapped[str] = mapped_column(String(200), nullable=False)
    # `;name;my_number;` and `;s3;github;`: a filter is a LIKE on one delimited value
    categories: Mapped[str] = mapped_column(String(1000), nullable=False)
    asset_kinds: Mapped[str] = mapped_column(String(200), nullable=False)
    search_text: Mapped[str] = mapped_column(Text(), nullable=False)  # case-folded: id, name, owner, assets…
    retired: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    record: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)


class LedgerVersion(EscalationBase):
    """Every version of a ledger entry, the first included: who changed what, when, how (the desk API or
    an import), and the entry in full as it then stood."""

    __tablename__ = "ledger_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version", name="uq_ledger_versions_entry_id_version"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("ledger_entries.id"), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer(), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    by: Mapped[str] = mapped_column(String(200), nullable=False)
    via: Mapped[str] = mapped_column(String(20), nullable=False)  # api, import
    change: Mapped[str] = mapped_column(String(20), nullable=False)  # created, updated, retired, restored
    changed_fields: Mapped[list[str]] = mapped_column(JSON(), nullable=False)
    record: Mapped[dict[str, Any]] = mapped_column(JSON(), nullable=False)


class IncidentAsset(EscalationBase):
    """An asset an incident names, as the ledger last answered for it: the entry covering it (and its
    version), or none ("not in the ledger"). Kept in step with `incidents.ledger`; what finds the incidents
    to re-assess when an entry changes, and what the statistics count."""

    __tablename__ = "incident_assets"
    __table_args__ = (Index("ix_incident_assets_kind_entry", "kind", "entry_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), nullable=False, index=True)
    asset: Mapped[str] = mapped_column(String(540), nullable=False)  # type:identifier, canonical
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    entry_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)  # None: not in the ledger
    entry_version: Mapped[int | None] = mapped_column(Integer(), nullable=True)


class LedgerChange(EscalationBase):
    """A change of a ledger entry whose incidents are still to be re-assessed: written in the transaction
    that changed the entry, handled (`done_at`) in the transaction that re-assesses them, so a change is
    never lost, whenever the process stops."""

    __tablename__ = "ledger_changes"
    __table_args__ = (Index("ix_ledger_changes_pending", "done_at", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64), nullable=False)
    version: Mapped[int] = mapped_column(Integer(), nullable=False)
    change: Mapped[str] = mapped_column(String(20), nullable=False)  # created, updated, retired, restored
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reassessed: Mapped[int | None] = mapped_column(Integer(), nullable=True)  # how many incidents it re-assessed


# Issue 17: government requests and privacy complaints, two more kinds of case through the desk. Their
# free text (the desk's notes, reasons, replies, documents) is sealed (shared/cipher.py, the record id and
# column bound in); a confidential request is never on a public page and never in a log line.
class GovernmentRequestRecord(TimestampMixin, EscalationBase):
    __tablename__ = "government_requests"
    __table_args__ = (Index("ix_government_requests_status_received_at", "status", "received_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    authority: Mapped[str] = mapped_column(String(200), nullable=False)
    authority_country: Mapped[str] = mapped_column(String(2), index=True, nullable=False)
    instrument: Mapped[str] = mapped_column(String(30), nullable=False)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    data_categories: Mapped[list[str]] = mapped_column(JSON(), nullable=False)
    subject_regions: Mapped[list[str]] = mapped_column(JSON(), nullable=False)
    people_count: Mapped[int] = mapped_column(Integer(), nullable=False)
    assets: Mapped[list[str]] = mapped_column(JSON(), nullable=False)
    ledger_matches: Mapped[dict[str, list[str]]] = mapped_column(JSON(), nullable=False)  # asset -> entry ids
    confidential: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    division: Mapped[str] = mapped_column(String(200), nullable=False)
    company: Mapped[str] = mapped_column(String(200), nullable=False)
    submitted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    conflicts: Mapped[list[dict[str, str]]] = mapped_column(JSON(), nullable=False)
    # the assessment: booleans plain, the notes sealed
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON(), nullable=True)
    assessment_notes_encrypted: Mapped[str | None] = mapped_column(Text(), nullable=True)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    assessed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(30), nullable=True)
    decision_reason_encrypted: Mapped[str | None] = mapped_column(Text(), nullable=True)
    provided_scope_encrypted: Mapped[str | None] = mapped_column(Text(), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    provided_encrypted: Mapped[str | None] = mapped_column(Text(), nullable=True)
    provided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    provided_recorded_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class PrivacyComplaintRecord(TimestampMixin, EscalationBase):
    __tablename__ = "privacy_complaints"
    __table_args__ = (Index("ix_privacy_complaints_status_received_at", "status", "received_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    complainant_kind: Mapped[str] = mapped_column(String(30), nullable=False)
    authority: Mapped[str | None] = mapped_column(String(200), nullable=True)
    authority_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    request_kind: Mapped[str] = mapped_column(String(40), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    data_categories: Mapped[list[str]] = mapped_column(JSON(), nullable=False)
    subject_regions: Mapped[list[str]] = mapped_column(JSON(), nullable=False)
    alleges_leak: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    division: Mapped[str] = mapped_column(String(200), nullable=False)
    company: Mapped[str] = mapped_column(String(200), nullable=False)
    submitted_by: Mapped[str] = mapped_column(String(200), nullable=False)
    clock_basis: Mapped[str] = mapped_column(String(300), nullable=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    extended_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    without_delay: Mapped[bool] = mapped_column(Boolean(), nullable=False)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # GDPR Art. 12(3)
    extension_reason_encrypted: Mapped[str | None] = mapped_column(Text(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)
    reply_encrypted: Mapped[str | None] = mapped_column(Text(), nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    incident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True, nullable=True)  # the linked incident


class CaseRoute(EscalationBase):
    """One tier told about a case, with its acknowledgement deadline (services/escalation/policy/cases.yaml)."""

    __tablename__ = "case_routes"
    __table_args__ = (UniqueConstraint("case_id", "step", "target", name="uq_case_routes_case_id_step_target"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    case_kind: Mapped[str] = mapped_column(String(30), nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid(), index=True, nullable=False)
    step: Mapped[int] = mapped_column(Integer(), nullable=False)
    target: Mapped[str] = mapped_column(String(50), nullable=False)
    told_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ack_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str] = mapped_column(String(20), nullable=False, default="routed")  # routed, escalated
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # overdue: next told


class CaseDocument(EscalationBase):
    """A document attached to a case: its metadata plain, its name and content sealed."""

    __tablename__ = "case_documents"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    case_kind: Mapped[str] = mapped_column(String(30), nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid(), index=True, nullable=False)
    name_encrypted: Mapped[str] = mapped_column(Text(), nullable=False)
    media_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer(), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content_encrypted: Mapped[str] = mapped_column(Text(), nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    added_by: Mapped[str] = mapped_column(String(200), nullable=False)


class CaseLogEntry(EscalationBase):
    """Every read of and change to a case (a request's reads too: issue 17's transparency safeguard)."""

    __tablename__ = "case_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    case_kind: Mapped[str] = mapped_column(String(30), nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid(), index=True, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str | None] = mapped_column(String(40), nullable=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False)  # read, listed, assessed, decided, …
