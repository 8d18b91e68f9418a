"""Use case: accept a report, number it, store it (free text encrypted) and announce it."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import Report
from pidesk.services.intake.adapters.repository import IntakeUnitOfWork
from pidesk.services.intake.domain.reference import format_reference, reference_year
from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.shared.db.base import utcnow
from pidesk.shared.events import AlertRecord, Envelope, IncidentReported, ReporterRef, asset_values
from pidesk.shared.vocabulary import ReportSource

if TYPE_CHECKING:
    from pidesk.services.intake.service.report_batches import ReportBatcher

PRODUCER = "intake"


@dataclass(frozen=True)
class SubmitReport:
    submission: ReportSubmission
    source: ReportSource
    source_alert_id: str | None = None
    idempotency_key: str | None = None
    alert: AlertRecord | None = None  # a webhook alert: carried to escalation with the incident


@dataclass(frozen=True)
class ReportAccepted:
    incident_id: uuid.UUID
    reference: str
    received_at: datetime
    created: bool = True
    grouped: bool = False  # a webhook alert that joined the open incident of its group


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was first used with a different body."""


class AlertAlreadyKnown(Exception):
    """A batch met a stored report with the same (source, alert id): update that incident instead."""


class BatchNotWritten(Exception):
    """A batch's transaction failed (or no batch writer runs): write the report on its own."""


FINGERPRINT_PURPOSE = b"pidesk intake idempotency fingerprint v1"


def fingerprint(submission: ReportSubmission, key: bytes) -> str:
    """Equal for bodies that validate to the same report (key order and spacing do not matter). Keyed
    (HMAC-SHA256 with a key derived from intake's encryption keys), so that whoever reads the database
    cannot confirm a guessed report by hashing it."""
    return hmac.new(key, submission.model_dump_json().encode(), hashlib.sha256).hexdigest()


def same_report(stored: str, submission: ReportSubmission, cipher: FieldCipher) -> bool:
    """The stored fingerprint is this report's, under any key of the keyring (rotation keeps replays
    working) or as the unkeyed SHA-256 written before fingerprints were keyed."""
    candidates = [fingerprint(submission, key) for key in cipher.derived_keys(FINGERPRINT_PURPOSE)]
    candidates.append(hashlib.sha256(submission.model_dump_json().encode()).hexdigest())  # legacy rows
    return any(hmac.compare_digest(stored, candidate) for candidate in candidates)


async def submit_report(
    command: SubmitReport,
    *,
    uow: IntakeUnitOfWork,
    cipher: FieldCipher,
    clock: Callable[[], datetime] = utcnow,
    batcher: ReportBatcher | None = None,
) -> ReportAccepted:
    """Store and announce a new report, or answer with the incident an Idempotency-Key already made."""
    if command.idempotency_key is None:
        if batcher is not None:
            with contextlib.suppress(BatchNotWritten):
                return await batcher.submit(command)
        return await create_report(command, uow=uow, cipher=cipher, clock=clock)
    earlier = await _replay(command, uow=uow, cipher=cipher)
    if earlier is not None:
        return earlier
    try:
        return await create_report(command, uow=uow, cipher=cipher, clock=clock)
    except IntegrityError:
        earlier = await _replay(command, uow=uow, cipher=cipher)  # the same key committed concurrently
        if earlier is None:
            raise
        return earlier


async def _replay(command: SubmitReport, *, uow: IntakeUnitOfWork, cipher: FieldCipher) -> ReportAccepted | None:
    assert command.idempotency_key is not None
    async with uow:
        reports = uow.reports
        remembered = await reports.idempotency_key(command.idempotency_key)
        if remembered is None:
            return None
        if not same_report(remembered.fingerprint, command.submission, cipher):
            raise IdempotencyKeyReused(command.idempotency_key)
        report = await reports.get(remembered.incident_id)
        assert report is not None
        return ReportAccepted(report.id, report.reference, report.received_at, created=False)


async def create_report(
    command: SubmitReport,
    *,
    uow: IntakeUnitOfWork,
    cipher: FieldCipher,
    clock: Callable[[], datetime],
    vendor_state: str | None = None,
) -> ReportAccepted:
    incident_id = uuid.uuid4()
    received_at = clock()
    async with uow:
        reports = uow.reports
        year = reference_year(received_at)
        reference = format_reference(year, await reports.next_sequence(year))
        report, envelope = new_report(
            command, incident_id, reference, received_at, cipher=cipher, vendor_state=vendor_state
        )
        reports.add(report)
        reports.publish(envelope)
        if command.idempotency_key is not None:
            await uow.session.flush()  # the report row first: the key refers to it
            key = cipher.derived_keys(FINGERPRINT_PURPOSE)[0]
            reports.remember_idempotency_key(command.idempotency_key, fingerprint(command.submission, key), incident_id)
        await uow.commit()
    return ReportAccepted(incident_id=incident_id, reference=reference, received_at=received_at)


def new_report(
    command: SubmitReport,
    incident_id: uuid.UUID,
    reference: str,
    received_at: datetime,
    *,
    cipher: FieldCipher,
    vendor_state: str | None,
    alerts: list[AlertRecord] | None = None,
    follows_incident_id: uuid.UUID | None = None,
) -> tuple[Report, Envelope]:
    """The stored report (free text encrypted) and the event that announces it (with the alerts of
    its group, for a webhook incident: the command's own alert unless `alerts` lists them)."""
    report = command.submission
    stored = Report(
        id=incident_id,
        reference=reference,
        source=command.source.value,
        source_alert_id=command.source_alert_id,
        reporter=report.reporter.model_dump(mode="json"),
        title_encrypted=cipher.encrypt(report.title, record_id=incident_id, field="title"),
        description_encrypted=cipher.encrypt(report.description, record_id=incident_id, field="description"),
        incident_kind=report.incident_kind.value,
        aware_at=report.aware_at,
        occurred_at=report.occurred_at,
        received_at=received_at,
        data_categories=[c.value for c in report.data_categories],
        affected_count=report.affected_count,
        subject_regions=report.subject_regions,
        encryption=report.encryption.value,
        recovered_before_access=report.recovered_before_access,
        malicious=report.malicious,
        publicly_viewable=report.publicly_viewable,
        entity_role=report.entity_role.value,
        contact_info_available=report.contact_info_available,
        assets=asset_values(report.assets),
        vendor_state=vendor_state,
        last_alert_at=received_at if command.source_alert_id else None,
    )
    event = IncidentReported(
        reference=reference,
        source=command.source,
        source_alert_id=command.source_alert_id,
        reporter=ReporterRef(**report.reporter.model_dump(mode="json")),
        incident_kind=report.incident_kind,
        aware_at=report.aware_at,
        occurred_at=report.occurred_at,
        received_at=received_at,
        data_categories=report.data_categories,
        affected_count=report.affected_count,
        subject_regions=report.subject_regions,
        encryption=report.encryption,
        recovered_before_access=report.recovered_before_access,
        malicious=report.malicious,
        publicly_viewable=report.publicly_viewable,
        entity_role=report.entity_role,
        contact_info_available=report.contact_info_available,
        assets=report.assets,
        alerts=alerts if alerts is not None else ([command.alert] if command.alert else []),
        follows_incident_id=follows_incident_id,
    )
    return stored, event.envelope(incident_id=incident_id, producer=PRODUCER, occurred_at=received_at)
