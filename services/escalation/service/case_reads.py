"""Reading government requests and complaints (issue 17). Every read is a line in the case log — a
request's list rows too (each request listed is noted `listed`), and its detail `read` — in the same
transaction as the read: no read goes unrecorded. A request under a confidentiality (gag) order is
shown only to the roles that may see one (CONFIDENTIAL_READERS): to the others it does not exist."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pidesk.services.escalation.adapters.orm import (
    CaseDocument,
    CaseLogEntry,
    CaseRoute,
    GovernmentRequestRecord,
    PrivacyComplaintRecord,
)
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.service.cases import COMPLAINT, CONFIDENTIAL_READERS, REQUEST
from pidesk.services.escalation.service.desk import DeskError
from pidesk.services.escalation.views.case_models import (
    CaseDocumentView,
    CaseLogView,
    CaseRouteView,
    ComplaintDetail,
    ComplaintPage,
    ComplaintSummary,
    GovernmentRequestDetail,
    GovernmentRequestPage,
    GovernmentRequestSummary,
    HandlingClockView,
    LawConflictView,
    RequestAssessmentView,
)
from pidesk.shared.cipher import FieldCipher
from pidesk.shared.http.auth import Principal


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _open(cipher: FieldCipher, sealed: str | None, case_id: uuid.UUID, field: str) -> str | None:
    return cipher.decrypt(sealed, record_id=case_id, field=field) if sealed is not None else None


@dataclass(frozen=True)
class RequestFilter:
    status: str | None = None
    authority_country: str | None = None
    instrument: str | None = None
    decision: str | None = None


@dataclass(frozen=True)
class ComplaintFilter:
    status: str | None = None
    complainant_kind: str | None = None
    request_kind: str | None = None


def _request_summary(row: GovernmentRequestRecord) -> GovernmentRequestSummary:
    return GovernmentRequestSummary(
        id=str(row.id),
        reference=row.reference,
        status=row.status,
        authority=row.authority,
        authority_country=row.authority_country,
        instrument=row.instrument,
        deadline_at=_at(row.deadline_at),
        received_at=row.received_at.isoformat(),
        confidential=row.confidential,
        division=row.division,
        company=row.company,
        decision=row.decision,
    )


def _routes(rows: list[CaseRoute], now: datetime) -> list[CaseRouteView]:
    return [
        CaseRouteView(
            step=r.step,
            target=r.target,
            told_at=r.told_at.isoformat(),
            ack_due_at=r.ack_due_at.isoformat(),
            acknowledged_at=_at(r.acknowledged_at),
            acknowledged_by=r.acknowledged_by,
            reason=r.reason,
            overdue=r.acknowledged_at is None and now > r.ack_due_at,
        )
        for r in rows
    ]


def _documents(cipher: FieldCipher, rows: list[CaseDocument]) -> list[CaseDocumentView]:
    return [
        CaseDocumentView(
            id=d.id,
            name=cipher.decrypt(d.name_encrypted, record_id=d.case_id, field="document_name"),
            media_type=d.media_type,
            size=d.size,
            sha256=d.sha256,
            added_at=d.added_at.isoformat(),
            added_by=d.added_by,
        )
        for d in rows
    ]


def _log(rows: list[CaseLogEntry]) -> list[CaseLogView]:
    return [CaseLogView(at=e.at.isoformat(), actor=e.actor, role=e.role, action=e.action) for e in rows]


async def request_page(
    uow: EscalationUnitOfWork, flt: RequestFilter, principal: Principal, *, offset: int, limit: int, now: datetime
) -> GovernmentRequestPage:
    """Newest first; each request listed is noted in its case log."""
    statement = select(GovernmentRequestRecord)
    for column, value in (
        (GovernmentRequestRecord.status, flt.status),
        (GovernmentRequestRecord.authority_country, flt.authority_country),
        (GovernmentRequestRecord.instrument, flt.instrument),
        (GovernmentRequestRecord.decision, flt.decision),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if principal.role not in CONFIDENTIAL_READERS:
        statement = statement.where(GovernmentRequestRecord.confidential.is_(False))
    statement = statement.order_by(GovernmentRequestRecord.received_at.desc(), GovernmentRequestRecord.id)
    async with uow:
        rows = list(await uow.session.scalars(statement.offset(offset).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        uow.cases.note(REQUEST, [r.id for r in rows], principal, "listed", now)
        await uow.commit()
    return GovernmentRequestPage(
        items=[_request_summary(r) for r in rows], next_offset=offset + limit if more else None
    )


async def request_detail(
    uow: EscalationUnitOfWork, cipher: FieldCipher, case_id: uuid.UUID, principal: Principal, now: datetime
) -> GovernmentRequestDetail:
    """The request in full (the desk's notes unsealed); the read is noted in its case log first."""
    async with uow:
        row = await uow.cases.request(case_id)
        if row is None or (row.confidential and principal.role not in CONFIDENTIAL_READERS):
            raise DeskError("not_found", "no government request with this id")
        uow.cases.note(REQUEST, [case_id], principal, "read", now)
        await uow.session.flush()
        cases = uow.cases
        routes, documents, log = await cases.routes(case_id), await cases.documents(case_id), await cases.log(case_id)
        assessment = None
        if row.assessment is not None and row.assessed_at is not None:
            assessment = RequestAssessmentView(
                **row.assessment,
                notes=_open(cipher, row.assessment_notes_encrypted, case_id, "assessment_notes") or "",
                assessed_at=row.assessed_at.isoformat(),
                assessed_by=row.assessed_by or "",
            )
        detail = GovernmentRequestDetail(
            **dict(_request_summary(row)),
            data_categories=row.data_categories,
            subject_regions=row.subject_regions,
            people_count=row.people_count,
            assets=row.assets,
            ledger_matches=row.ledger_matches,
            conflicts_of_law=[LawConflictView(**c) for c in row.conflicts],
            submitted_by=row.submitted_by,
            assessment=assessment,
            decision_reason=_open(cipher, row.decision_reason_encrypted, case_id, "decision_reason"),
            provided_scope=_open(cipher, row.provided_scope_encrypted, case_id, "provided_scope"),
            decided_at=_at(row.decided_at),
            decided_by=row.decided_by,
            provided=_open(cipher, row.provided_encrypted, case_id, "provided"),
            provided_at=_at(row.provided_at),
            routes=_routes(routes, now),
            documents=_documents(cipher, documents),
            log=_log(log),
        )
        await uow.commit()
    return detail


def _complaint_summary(row: PrivacyComplaintRecord) -> ComplaintSummary:
    return ComplaintSummary(
        id=str(row.id),
        reference=row.reference,
        status=row.status,
        complainant_kind=row.complainant_kind,
        authority=row.authority,
        request_kind=row.request_kind,
        received_at=row.received_at.isoformat(),
        due_at=_at(row.extended_due_at if row.extended_at is not None else row.due_at),
        without_delay=row.without_delay,
        alleges_leak=row.alleges_leak,
        outcome=row.outcome,
        incident_id=str(row.incident_id) if row.incident_id else None,
    )


async def complaint_page(
    uow: EscalationUnitOfWork, flt: ComplaintFilter, principal: Principal, *, offset: int, limit: int, now: datetime
) -> ComplaintPage:
    statement = select(PrivacyComplaintRecord)
    for column, value in (
        (PrivacyComplaintRecord.status, flt.status),
        (PrivacyComplaintRecord.complainant_kind, flt.complainant_kind),
        (PrivacyComplaintRecord.request_kind, flt.request_kind),
    ):
        if value is not None:
            statement = statement.where(column == value)
    statement = statement.order_by(PrivacyComplaintRecord.received_at.desc(), PrivacyComplaintRecord.id)
    async with uow:
        rows = list(await uow.session.scalars(statement.offset(offset).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        uow.cases.note(COMPLAINT, [r.id for r in rows], principal, "listed", now)
        await uow.commit()
    return ComplaintPage(items=[_complaint_summary(r) for r in rows], next_offset=offset + limit if more else None)


async def complaint_detail(
    uow: EscalationUnitOfWork, cipher: FieldCipher, case_id: uuid.UUID, principal: Principal, now: datetime
) -> ComplaintDetail:
    async with uow:
        row = await uow.cases.complaint(case_id)
        if row is None:
            raise DeskError("not_found", "no complaint with this id")
        uow.cases.note(COMPLAINT, [case_id], principal, "read", now)
        await uow.session.flush()
        cases = uow.cases
        routes, documents, log = await cases.routes(case_id), await cases.documents(case_id), await cases.log(case_id)
        detail = ComplaintDetail(
            **dict(_complaint_summary(row)),
            authority_country=row.authority_country,
            data_categories=row.data_categories,
            subject_regions=row.subject_regions,
            division=row.division,
            company=row.company,
            submitted_by=row.submitted_by,
            clock=HandlingClockView(
                basis=row.clock_basis,
                due_at=_at(row.due_at),
                extended_due_at=_at(row.extended_due_at),
                without_delay=row.without_delay,
                extended_at=_at(row.extended_at),
                extension_reason=_open(cipher, row.extension_reason_encrypted, case_id, "extension_reason"),
            ),
            reply=_open(cipher, row.reply_encrypted, case_id, "reply"),
            replied_at=_at(row.replied_at),
            outcome_by=row.outcome_by,
            routes=_routes(routes, now),
            documents=_documents(cipher, documents),
            log=_log(log),
        )
        await uow.commit()
    return detail
