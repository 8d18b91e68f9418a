"""The desk API on government requests and privacy complaints (issue 17): list, read, acknowledge, the
assessment and decision of a request, what was provided, a complaint's outcome, documents, and the
incident a complaint reveals. Authenticated, role-checked and audited like every desk call (the
AuditTrail middleware), and every read of a case noted in its case log (service/case_reads.py)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pidesk.services.escalation.domain.case_policy import CasePolicy
from pidesk.services.escalation.entrypoints.deps import Ctx, Reader, roles
from pidesk.services.escalation.entrypoints.http import ACT, BODY, DESK_AUTH, READ
from pidesk.services.escalation.service import case_incidents, case_reads, cases
from pidesk.services.escalation.views.case_models import (
    ComplaintDetail,
    ComplaintPage,
    DocumentAdded,
    GovernmentRequestDetail,
    GovernmentRequestPage,
    LinkedIncident,
)
from pidesk.shared.cipher import FieldCipher
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.auth import Principal
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.vocabulary import (
    CASE_KEEPERS,
    CaseKind,
    CaseStatus,
    ComplainantKind,
    ComplaintOutcome,
    ComplaintRequestKind,
    IncidentKind,
    LegalInstrument,
    RequestDecision,
)

router = APIRouter(tags=["cases"])
CaseKeeper = Annotated[Principal, Depends(roles(*CASE_KEEPERS))]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=100_000)]
Country = Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")]
TEXT = 4000  # the longest note, reason or reply the desk records


def _policy(ctx: Ctx) -> CasePolicy:
    if ctx.case_policy is None:  # bootstrap.py always sets it
        raise ApiError(503, "unavailable", "the case policy is not loaded")
    return ctx.case_policy


def _cipher(ctx: Ctx) -> FieldCipher:
    if ctx.case_cipher is None:
        raise ApiError(503, "unavailable", "the case keyring is not loaded")
    return ctx.case_cipher


class AssessmentBody(BaseModel):
    """The assessment: legal basis checked, necessity and proportionality, the rights of the person."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    legal_basis_checked: bool
    necessary_and_proportionate: bool
    rights_of_person_considered: bool
    notes: str = Field(default="", max_length=TEXT)


class DecisionBody(BaseModel):
    """The decision with its reason; `scope` (what is to be provided) for provide and provide_in_part."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    decision: RequestDecision
    reason: str = Field(min_length=1, max_length=TEXT)
    scope: str | None = Field(default=None, max_length=TEXT)


class ProvisionBody(BaseModel):
    """What was provided, and when."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    provided: str = Field(min_length=1, max_length=TEXT)
    provided_at: AwareDatetime


class OutcomeBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    outcome: ComplaintOutcome
    reply: str = Field(min_length=1, max_length=TEXT)
    replied_at: AwareDatetime


class ExtensionBody(BaseModel):
    """Why the month is extended (told to the data subject within the first month)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=TEXT)


class DocumentBody(BaseModel):
    """A document: its name, media type and content (base64, at most 512 KiB decoded)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    media_type: str = Field(min_length=3, max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$")
    content_base64: str = Field(min_length=1, max_length=((cases.MAX_DOCUMENT_BYTES + 2) // 3) * 4)


class LinkedIncidentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    incident_kind: IncidentKind = IncidentKind.OTHER


async def _document(
    ctx: Ctx, request: Request, kind: CaseKind, case_id: uuid.UUID, principal: Principal
) -> DocumentAdded:
    body = await parse_json_body(request, DocumentBody)
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            422,
            "validation_error",
            "content_base64 is not base64",
            [{"loc": ["content_base64"], "msg": "not base64", "type": "value_error"}],
        ) from None
    now = utcnow()
    document_id = await cases.attach_document(
        ctx.uow(), _cipher(ctx), kind, case_id, body.name, body.media_type, content, principal, now
    )
    return DocumentAdded(id=document_id, size=len(content), sha256=hashlib.sha256(content).hexdigest())


# Government requests


@router.get("/v1/government-requests", **documented(errors=READ, auth=DESK_AUTH))
async def list_requests(
    ctx: Ctx,
    principal: Reader,
    status: CaseStatus | None = None,
    authority_country: Country = None,
    instrument: LegalInstrument | None = None,
    decision: RequestDecision | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> GovernmentRequestPage:
    """Newest first. A request under a confidentiality order is listed only to the PI administrator, the
    officer in charge and the auditor. Every request listed is noted in its case log."""
    flt = case_reads.RequestFilter(
        status=status.value if status else None,
        authority_country=authority_country,
        instrument=instrument.value if instrument else None,
        decision=decision.value if decision else None,
    )
    return await case_reads.request_page(ctx.uow(), flt, principal, offset=offset, limit=limit, now=utcnow())


@router.get("/v1/government-requests/{case_id}", **documented(errors=[*READ, 404], auth=DESK_AUTH))
async def get_request(case_id: uuid.UUID, ctx: Ctx, principal: Reader) -> GovernmentRequestDetail:
    """The request in full, with its routes, documents and case log; the read is noted there."""
    return await case_reads.request_detail(ctx.uow(), _cipher(ctx), case_id, principal, utcnow())


async def _request_answer(ctx: Ctx, case_id: uuid.UUID, principal: Principal) -> GovernmentRequestDetail:
    return await case_reads.request_detail(ctx.uow(), _cipher(ctx), case_id, principal, utcnow())


@router.post("/v1/government-requests/{case_id}/acknowledge", **documented(errors=ACT, auth=DESK_AUTH))
async def acknowledge_request(case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper) -> GovernmentRequestDetail:
    """The tier told last has reported to and consulted the next, which is told now (409 at the top)."""
    await cases.acknowledge(
        ctx.uow(), _policy(ctx), ctx.rules.directory, CaseKind.GOVERNMENT_REQUEST, case_id, principal, utcnow()
    )
    return await _request_answer(ctx, case_id, principal)


@router.post(
    "/v1/government-requests/{case_id}/assessment",
    **documented(body=AssessmentBody, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def assess_request(
    case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper, request: Request
) -> GovernmentRequestDetail:
    """Record (or revise, until the decision) the assessment; the notes are sealed at rest."""
    body = await parse_json_body(request, AssessmentBody)
    assessment = cases.RequestAssessment(
        legal_basis_checked=body.legal_basis_checked,
        necessary_and_proportionate=body.necessary_and_proportionate,
        rights_of_person_considered=body.rights_of_person_considered,
        notes=body.notes,
    )
    await cases.assess_request(ctx.uow(), _cipher(ctx), case_id, assessment, principal, utcnow())
    return await _request_answer(ctx, case_id, principal)


@router.post(
    "/v1/government-requests/{case_id}/decision",
    **documented(body=DecisionBody, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def decide_request(
    case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper, request: Request
) -> GovernmentRequestDetail:
    """The decision, only by a role the case policy allows (403 `not_a_decider`), after the assessment
    (409 `not_assessed`), once (409 `case_decided`)."""
    body = await parse_json_body(request, DecisionBody)
    await cases.decide_request(
        ctx.uow(), _policy(ctx), _cipher(ctx), case_id, body.decision, body.reason, body.scope, principal, utcnow()
    )
    return await _request_answer(ctx, case_id, principal)


@router.post(
    "/v1/government-requests/{case_id}/provision",
    **documented(body=ProvisionBody, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def record_provision(
    case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper, request: Request
) -> GovernmentRequestDetail:
    """What was provided and when (after provide or provide_in_part; 409 `not_provided` otherwise)."""
    body = await parse_json_body(request, ProvisionBody)
    await cases.record_provision(ctx.uow(), _cipher(ctx), case_id, body.provided, body.provided_at, principal, utcnow())
    return await _request_answer(ctx, case_id, principal)


@router.post(
    "/v1/government-requests/{case_id}/documents",
    status_code=201,
    **documented(body=DocumentBody, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def attach_request_document(
    case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper, request: Request
) -> DocumentAdded:
    """A document (the order, the correspondence), sealed at rest; 422 `document_too_large` past 512 KiB."""
    return await _document(ctx, request, CaseKind.GOVERNMENT_REQUEST, case_id, principal)


# Privacy complaints


@router.get("/v1/complaints", **documented(errors=READ, auth=DESK_AUTH))
async def list_complaints(
    ctx: Ctx,
    principal: Reader,
    status: CaseStatus | None = None,
    complainant_kind: ComplainantKind | None = None,
    request_kind: ComplaintRequestKind | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> ComplaintPage:
    """Newest first, each with its statutory clock's due date."""
    flt = case_reads.ComplaintFilter(
        status=status.value if status else None,
        complainant_kind=complainant_kind.value if complainant_kind else None,
        request_kind=request_kind.value if request_kind else None,
    )
    return await case_reads.complaint_page(ctx.uow(), flt, principal, offset=offset, limit=limit, now=utcnow())


@router.get("/v1/complaints/{case_id}", **documented(errors=[*READ, 404], auth=DESK_AUTH))
async def get_complaint(case_id: uuid.UUID, ctx: Ctx, principal: Reader) -> ComplaintDetail:
    return await case_reads.complaint_detail(ctx.uow(), _cipher(ctx), case_id, principal, utcnow())


@router.post("/v1/complaints/{case_id}/acknowledge", **documented(errors=ACT, auth=DESK_AUTH))
async def acknowledge_complaint(case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper) -> ComplaintDetail:
    await cases.acknowledge(
        ctx.uow(), _policy(ctx), ctx.rules.directory, CaseKind.PRIVACY_COMPLAINT, case_id, principal, utcnow()
    )
    return await case_reads.complaint_detail(ctx.uow(), _cipher(ctx), case_id, principal, utcnow())


@router.post("/v1/complaints/{case_id}/outcome", **documented(body=OutcomeBody, errors=[*ACT, *BODY], auth=DESK_AUTH))
async def record_outcome(case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper, request: Request) -> ComplaintDetail:
    """The outcome and the reply sent (sealed at rest); closes the complaint (409 `case_closed` after)."""
    body = await parse_json_body(request, OutcomeBody)
    await cases.record_outcome(
        ctx.uow(), _cipher(ctx), case_id, body.outcome, body.reply, body.replied_at, principal, utcnow()
    )
    return await case_reads.complaint_detail(ctx.uow(), _cipher(ctx), case_id, principal, utcnow())


@router.post(
    "/v1/complaints/{case_id}/extension", **documented(body=ExtensionBody, errors=[*ACT, *BODY], auth=DESK_AUTH)
)
async def extend_clock(case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper, request: Request) -> ComplaintDetail:
    """GDPR Art. 12(3): extend a data-subject request's month by two, once, within the month (409 `not_extendable`)."""
    body = await parse_json_body(request, ExtensionBody)
    await cases.extend_clock(ctx.uow(), _cipher(ctx), case_id, body.reason, principal, utcnow())
    return await case_reads.complaint_detail(ctx.uow(), _cipher(ctx), case_id, principal, utcnow())


@router.post(
    "/v1/complaints/{case_id}/documents",
    status_code=201,
    **documented(body=DocumentBody, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def attach_complaint_document(
    case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper, request: Request
) -> DocumentAdded:
    return await _document(ctx, request, CaseKind.PRIVACY_COMPLAINT, case_id, principal)


@router.post(
    "/v1/complaints/{case_id}/incident",
    status_code=201,
    **documented(body=LinkedIncidentBody, body_required=False, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def open_incident(case_id: uuid.UUID, ctx: Ctx, principal: CaseKeeper, request: Request) -> LinkedIncident:
    """The complaint reveals a leak: open an incident linked to it both ways (409 `already_linked`)."""
    kind = IncidentKind.OTHER
    if await request.body():
        kind = (await parse_json_body(request, LinkedIncidentBody)).incident_kind
    incident_id = await case_incidents.open_linked_incident(ctx.uow(), ctx.rules, case_id, kind, principal, utcnow())
    return LinkedIncident(complaint_id=str(case_id), incident_id=str(incident_id))
