"""Use cases: receive a government request or a privacy complaint (issue 17). Each is numbered
(GR-/PC-<year>-<n>), stored with its free text sealed, and announced to escalation by an outbox event
in the same transaction (shared/events.py: GovernmentRequestReceived, ComplaintReceived)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pidesk.services.intake.adapters.cases import CaseRepository
from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import ReceivedCase
from pidesk.services.intake.adapters.references import CaseNumbers
from pidesk.services.intake.adapters.repository import IntakeUnitOfWork
from pidesk.services.intake.domain.cases import (
    COMPLAINT_PREFIX,
    GOVERNMENT_REQUEST_PREFIX,
    ComplaintSubmission,
    GovernmentRequestSubmission,
    case_reference,
)
from pidesk.services.intake.domain.reference import reference_year
from pidesk.services.intake.service.reports import PRODUCER
from pidesk.shared.db.base import utcnow
from pidesk.shared.events import ComplaintReceived, EventPayload, GovernmentRequestReceived
from pidesk.shared.vocabulary import CaseKind


@dataclass(frozen=True)
class CaseAccepted:
    case_id: uuid.UUID
    reference: str
    received_at: datetime


def _seal(cipher: FieldCipher, case_id: uuid.UUID, fields: dict[str, str | None]) -> dict[str, str]:
    return {
        name: cipher.encrypt(value, record_id=case_id, field=name)
        for name, value in fields.items()
        if value is not None
    }


async def _store(
    uow: IntakeUnitOfWork,
    numbers: CaseNumbers,
    kind: CaseKind,
    prefix: str,
    confidential: bool,
    sealed: Callable[[uuid.UUID], dict[str, str]],
    event: Callable[[str, datetime], EventPayload],
    clock: Callable[[], datetime],
) -> CaseAccepted:
    case_id, now = uuid.uuid4(), clock()
    async with uow:
        cases = CaseRepository(uow.session, numbers)
        year = reference_year(now)
        reference = case_reference(prefix, year, await cases.next_sequence(kind, year))
        cases.add(
            ReceivedCase(
                id=case_id,
                kind=kind.value,
                reference=reference,
                received_at=now,
                confidential=confidential,
                sealed=sealed(case_id),
            )
        )
        cases.publish(event(reference, now).envelope(incident_id=case_id, producer=PRODUCER, occurred_at=now))
        await uow.commit()
    return CaseAccepted(case_id, reference, now)


async def receive_government_request(
    submission: GovernmentRequestSubmission,
    *,
    uow: IntakeUnitOfWork,
    numbers: CaseNumbers,
    cipher: FieldCipher,
    clock: Callable[[], datetime] = utcnow,
) -> CaseAccepted:
    s = submission

    def sealed(case_id: uuid.UUID) -> dict[str, str]:
        people = "\n".join(s.people) if s.people else None
        return _seal(
            cipher,
            case_id,
            {"summary": s.summary, "people": people, "authority_reference": s.authority_reference},
        )

    def event(reference: str, _now: datetime) -> EventPayload:
        return GovernmentRequestReceived(
            reference=reference,
            authority=s.authority,
            authority_country=s.authority_country,
            instrument=s.instrument,
            deadline_at=s.deadline_at,
            received_at=s.received_at,
            data_categories=s.data_categories,
            subject_regions=s.subject_regions,
            people_count=len(s.people),
            assets=s.assets,
            confidential=s.confidential,
            division=s.submitted_by.division,
            company=s.submitted_by.entity,
            submitted_by=s.submitted_by.name,
        )

    return await _store(
        uow, numbers, CaseKind.GOVERNMENT_REQUEST, GOVERNMENT_REQUEST_PREFIX, s.confidential, sealed, event, clock
    )


async def receive_complaint(
    submission: ComplaintSubmission,
    *,
    uow: IntakeUnitOfWork,
    numbers: CaseNumbers,
    cipher: FieldCipher,
    clock: Callable[[], datetime] = utcnow,
) -> CaseAccepted:
    s = submission

    def sealed(case_id: uuid.UUID) -> dict[str, str]:
        return _seal(
            cipher,
            case_id,
            {
                "summary": s.summary,
                "complainant_name": s.complainant_name,
                "complainant_contact": s.complainant_contact,
            },
        )

    def event(reference: str, _now: datetime) -> EventPayload:
        return ComplaintReceived(
            reference=reference,
            complainant_kind=s.complainant_kind,
            authority=s.authority,
            authority_country=s.authority_country,
            request_kind=s.request_kind,
            received_at=s.received_at,
            data_categories=s.data_categories,
            subject_regions=s.subject_regions,
            alleges_leak=s.alleges_leak,
            division=s.submitted_by.division,
            company=s.submitted_by.entity,
            submitted_by=s.submitted_by.name,
        )

    return await _store(uow, numbers, CaseKind.PRIVACY_COMPLAINT, COMPLAINT_PREFIX, False, sealed, event, clock)
