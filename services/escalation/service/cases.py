"""Use cases on government requests and privacy complaints (issue 17): record what intake received (in
the consumer's transaction), route it, and the desk's acknowledgements, assessment, decision, provision,
outcome and documents. One transaction each; every change is a line in the case log (adapters/cases.py),
and the desk's free text is sealed with the case's id and field bound in (shared/cipher.py).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.cases import CaseRepository
from pidesk.services.escalation.adapters.orm import (
    CaseDocument,
    GovernmentRequestRecord,
    PrivacyComplaintRecord,
)
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.domain.case_alerts import ROUTED
from pidesk.services.escalation.domain.case_policy import CasePolicy
from pidesk.services.escalation.domain.complaint_clocks import HandlingClock, extension_allowed, handling_clock
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.government_requests import (
    RouteStep,
    conflicts_of_law,
    decision_problems,
    first_step,
    may_decide,
    next_step,
)
from pidesk.services.escalation.service.case_routes import tell_tier
from pidesk.services.escalation.service.desk import DeskError, actor
from pidesk.shared.cipher import FieldCipher
from pidesk.shared.events import ComplaintReceived, GovernmentRequestReceived
from pidesk.shared.http.auth import Principal
from pidesk.shared.vocabulary import CaseKind, CaseStatus, ComplaintOutcome, RequestDecision, Role

REQUEST, COMPLAINT = CaseKind.GOVERNMENT_REQUEST.value, CaseKind.PRIVACY_COMPLAINT.value
# who may see, read or act on a request under a confidentiality (gag) order: to every other role it does not exist
CONFIDENTIAL_READERS = frozenset({Role.PI_ADMINISTRATOR, Role.OFFICER, Role.AUDITOR})
MAX_DOCUMENT_BYTES = 512 * 1024  # a document (a scanned order, a letter): its base64 fits the 1 MiB body limit


async def record_government_request(
    session: AsyncSession,
    policy: CasePolicy,
    directory: Directory,
    case_id: uuid.UUID,
    event: GovernmentRequestReceived,
    now: datetime,
) -> bool:
    """Store a request intake received and tell the first tier of the path (its people mailed by the
    notifier, service/case_routes.py); False when already known."""
    cases = CaseRepository(session)
    if await cases.request(case_id) is not None:
        return False
    conflicts = conflicts_of_law(event.authority_country, event.subject_regions)
    request = GovernmentRequestRecord(
        id=case_id,
        reference=event.reference,
        status=CaseStatus.OPEN.value,
        authority=event.authority,
        authority_country=event.authority_country,
        instrument=event.instrument.value,
        deadline_at=event.deadline_at,
        received_at=event.received_at,
        data_categories=[c.value for c in event.data_categories],
        subject_regions=list(event.subject_regions),
        people_count=event.people_count,
        assets=list(event.assets),
        ledger_matches=await cases.ledger_matches(event.assets),
        confidential=event.confidential,
        division=event.division,
        company=event.company,
        submitted_by=event.submitted_by,
        conflicts=[{"code": c.code, "basis": c.basis} for c in conflicts],
    )
    cases.add(request)
    first = first_step(event.received_at, policy.request_deadlines(), policy.government_requests.path)
    tell_tier(cases, directory, CaseKind.GOVERNMENT_REQUEST, request, first, ROUTED, now)
    cases.note(REQUEST, [case_id], None, "received", now)
    return True


async def record_complaint(
    session: AsyncSession,
    policy: CasePolicy,
    directory: Directory,
    case_id: uuid.UUID,
    event: ComplaintReceived,
    now: datetime,
) -> bool:
    """Store a complaint intake received, with its statutory clock, and tell the contact desk and the
    promotion bureau (the policy's targets); False when already known."""
    cases = CaseRepository(session)
    if await cases.complaint(case_id) is not None:
        return False
    clock = handling_clock(event.request_kind, event.received_at)
    complaint = PrivacyComplaintRecord(
        id=case_id,
        reference=event.reference,
        status=CaseStatus.OPEN.value,
        complainant_kind=event.complainant_kind.value,
        authority=event.authority,
        authority_country=event.authority_country,
        request_kind=event.request_kind.value,
        received_at=event.received_at,
        data_categories=[c.value for c in event.data_categories],
        subject_regions=list(event.subject_regions),
        alleges_leak=event.alleges_leak,
        division=event.division,
        company=event.company,
        submitted_by=event.submitted_by,
        clock_basis=clock.basis,
        due_at=clock.due_at,
        extended_due_at=clock.extended_due_at,
        without_delay=clock.without_delay,
    )
    cases.add(complaint)
    deadlines = policy.complaint_deadlines()
    for target in policy.complaints.targets:
        step = RouteStep(1, target, event.received_at, event.received_at + deadlines[target])
        tell_tier(cases, directory, CaseKind.PRIVACY_COMPLAINT, complaint, step, ROUTED, now)
    cases.note(COMPLAINT, [case_id], None, "received", now)
    return True


async def _request(uow: EscalationUnitOfWork, case_id: uuid.UUID, principal: Principal) -> GovernmentRequestRecord:
    """The request, locked; a confidential one exists only for CONFIDENTIAL_READERS (404 for the others)."""
    row = await uow.cases.request(case_id, for_update=True)
    if row is None or (row.confidential and principal.role not in CONFIDENTIAL_READERS):
        raise DeskError("not_found", "no government request with this id")
    return row


async def _complaint(uow: EscalationUnitOfWork, case_id: uuid.UUID) -> PrivacyComplaintRecord:
    row = await uow.cases.complaint(case_id, for_update=True)
    if row is None:
        raise DeskError("not_found", "no complaint with this id")
    return row


async def acknowledge(
    uow: EscalationUnitOfWork,
    policy: CasePolicy,
    directory: Directory,
    kind: CaseKind,
    case_id: uuid.UUID,
    principal: Principal,
    now: datetime,
) -> None:
    """The tier told last acknowledges: for a request, it has reported to and consulted the next tier,
    which is told now with its own deadline; for a complaint, every target told acknowledges at once.
    Nothing unacknowledged is left to escalate (service/case_timers.py)."""
    async with uow:
        case: GovernmentRequestRecord | PrivacyComplaintRecord
        if kind is CaseKind.GOVERNMENT_REQUEST:
            case = await _request(uow, case_id, principal)
        else:
            case = await _complaint(uow, case_id)
        pending = [r for r in await uow.cases.routes(case_id) if r.acknowledged_at is None]
        if not pending:
            raise DeskError("already_acknowledged", "every tier told has acknowledged")
        for route in pending:
            route.acknowledged_at, route.acknowledged_by = now, actor(principal)
        if kind is CaseKind.GOVERNMENT_REQUEST:
            top = max(r.step for r in pending)
            following = next_step(top, now, policy.request_deadlines(), policy.government_requests.path)
            if following is not None:
                tell_tier(uow.cases, directory, kind, case, following, ROUTED, now)
        uow.cases.note(kind.value, [case_id], principal, "acknowledged", now)
        await uow.commit()


@dataclass(frozen=True)
class RequestAssessment:
    """The desk's assessment of a request (APPI Art. 27(1); the seeds: necessity, lawfulness, rights)."""

    legal_basis_checked: bool
    necessary_and_proportionate: bool
    rights_of_person_considered: bool
    notes: str


async def assess_request(
    uow: EscalationUnitOfWork,
    cipher: FieldCipher,
    case_id: uuid.UUID,
    assessment: RequestAssessment,
    principal: Principal,
    now: datetime,
) -> None:
    async with uow:
        row = await _request(uow, case_id, principal)
        if row.decision is not None:
            raise DeskError("case_decided", "the request is decided: its assessment is kept as it was")
        row.assessment = {
            "legal_basis_checked": assessment.legal_basis_checked,
            "necessary_and_proportionate": assessment.necessary_and_proportionate,
            "rights_of_person_considered": assessment.rights_of_person_considered,
            "conflicts_of_law": [c["code"] for c in row.conflicts],
        }
        row.assessment_notes_encrypted = cipher.encrypt(assessment.notes, record_id=case_id, field="assessment_notes")
        row.assessed_at, row.assessed_by = now, actor(principal)
        uow.cases.note(REQUEST, [case_id], principal, "assessed", now)
        await uow.commit()


async def decide_request(
    uow: EscalationUnitOfWork,
    policy: CasePolicy,
    cipher: FieldCipher,
    case_id: uuid.UUID,
    decision: RequestDecision,
    reason: str,
    scope: str | None,
    principal: Principal,
    now: datetime,
) -> None:
    """The decision, by a role the policy allows (403 `not_a_decider` otherwise), after the assessment."""
    if not may_decide(principal.role, policy.deciders):
        raise DeskError("not_a_decider", f"the case policy does not let {principal.role.value} decide on a request")
    problems = decision_problems(decision, reason, scope)
    if problems:
        raise DeskError("validation_error", "; ".join(problems))
    async with uow:
        row = await _request(uow, case_id, principal)
        if row.decision is not None:
            raise DeskError("case_decided", "the request is decided already")
        if row.assessment is None:
            raise DeskError("not_assessed", "record the assessment before the decision")
        row.decision, row.status = decision.value, CaseStatus.DECIDED.value
        row.decision_reason_encrypted = cipher.encrypt(reason, record_id=case_id, field="decision_reason")
        if scope:
            row.provided_scope_encrypted = cipher.encrypt(scope, record_id=case_id, field="provided_scope")
        row.decided_at, row.decided_by = now, actor(principal)
        uow.cases.note(REQUEST, [case_id], principal, "decided", now)
        await uow.commit()


async def record_provision(
    uow: EscalationUnitOfWork,
    cipher: FieldCipher,
    case_id: uuid.UUID,
    what: str,
    provided_at: datetime,
    principal: Principal,
    now: datetime,
) -> None:
    """What was provided and when, after a decision to provide (in full or in part); closes the request."""
    async with uow:
        row = await _request(uow, case_id, principal)
        if row.decision not in (RequestDecision.PROVIDE.value, RequestDecision.PROVIDE_IN_PART.value):
            raise DeskError("not_provided", "only a request decided provide or provide_in_part records a provision")
        if row.provided_at is not None:
            raise DeskError("case_closed", "the provision is recorded already")
        row.provided_encrypted = cipher.encrypt(what, record_id=case_id, field="provided")
        row.provided_at, row.provided_recorded_by = provided_at, actor(principal)
        row.status = CaseStatus.CLOSED.value
        uow.cases.note(REQUEST, [case_id], principal, "provision_recorded", now)
        await uow.commit()


async def record_outcome(
    uow: EscalationUnitOfWork,
    cipher: FieldCipher,
    case_id: uuid.UUID,
    outcome: ComplaintOutcome,
    reply: str,
    replied_at: datetime,
    principal: Principal,
    now: datetime,
) -> None:
    """A complaint's outcome and the reply sent; closes it."""
    async with uow:
        row = await _complaint(uow, case_id)
        if row.outcome is not None:
            raise DeskError("case_closed", "the complaint's outcome is recorded already")
        row.outcome, row.status = outcome.value, CaseStatus.CLOSED.value
        row.reply_encrypted = cipher.encrypt(reply, record_id=case_id, field="reply")
        row.replied_at, row.outcome_by = replied_at, actor(principal)
        uow.cases.note(COMPLAINT, [case_id], principal, "outcome_recorded", now)
        await uow.commit()


async def extend_clock(
    uow: EscalationUnitOfWork, cipher: FieldCipher, case_id: uuid.UUID, reason: str, principal: Principal, now: datetime
) -> None:
    """GDPR Art. 12(3): the month extended by two, with the reason the data subject is told, within the first
    month (409 `not_extendable` otherwise: no such clock, too late, or extended already)."""
    async with uow:
        row = await _complaint(uow, case_id)
        clock = HandlingClock(basis=row.clock_basis, due_at=row.due_at, extended_due_at=row.extended_due_at)
        if row.outcome is not None or row.extended_at is not None or not extension_allowed(clock, now):
            raise DeskError(
                "not_extendable", "only a GDPR request's month, once, within that month, before its outcome"
            )
        row.extended_at = now
        row.extension_reason_encrypted = cipher.encrypt(reason, record_id=case_id, field="extension_reason")
        uow.cases.note(COMPLAINT, [case_id], principal, "clock_extended", now)
        await uow.commit()


async def attach_document(
    uow: EscalationUnitOfWork,
    cipher: FieldCipher,
    kind: CaseKind,
    case_id: uuid.UUID,
    name: str,
    media_type: str,
    content: bytes,
    principal: Principal,
    now: datetime,
) -> int:
    """A document on the case: name and content sealed, size and SHA-256 plain; returns its id."""
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DeskError("document_too_large", f"a document is at most {MAX_DOCUMENT_BYTES} bytes")
    async with uow:
        if kind is CaseKind.GOVERNMENT_REQUEST:
            await _request(uow, case_id, principal)
        else:
            await _complaint(uow, case_id)
        content_text = base64.b64encode(content).decode()
        document = CaseDocument(
            case_kind=kind.value,
            case_id=case_id,
            name_encrypted=cipher.encrypt(name, record_id=case_id, field="document_name"),
            media_type=media_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content_encrypted=cipher.encrypt(content_text, record_id=case_id, field="document"),
            added_at=now,
            added_by=actor(principal),
        )
        uow.cases.add(document)
        uow.cases.note(kind.value, [case_id], principal, "document_attached", now)
        await uow.session.flush()
        document_id = document.id
        await uow.commit()
        return document_id
