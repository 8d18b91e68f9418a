"""Intake's case API (issue 17): a government or law-enforcement request, a privacy complaint. Validated,
rate-limited like reports (the same per-client budget), stored with the free text sealed and announced to
escalation in one transaction. The answer names the case, never what it says."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from pidesk.services.intake.domain.cases import ComplaintSubmission, GovernmentRequestSubmission
from pidesk.services.intake.entrypoints.deps import client_of, intake_context
from pidesk.services.intake.service.cases import CaseAccepted, receive_complaint, receive_government_request
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.openapi import documented

router = APIRouter(tags=["cases"])
ERRORS = [400, 413, 415, 422, 429]


class AcceptedCase(BaseModel):
    """A case received: escalation routes it to the desk."""

    case_id: uuid.UUID
    reference: str = Field(description="GR-YYYY-NNNNNN (a request) or PC-YYYY-NNNNNN (a complaint), Japan-time year")


def _answer(accepted: CaseAccepted) -> AcceptedCase:
    return AcceptedCase(case_id=accepted.case_id, reference=accepted.reference)


@router.post("/v1/government-requests", status_code=202, **documented(body=GovernmentRequestSubmission, errors=ERRORS))
async def post_government_request(request: Request) -> AcceptedCase:
    """A request from a government or law-enforcement agency, as the receiving division entered it."""
    context = intake_context(request)
    await context.report_rate.hit("reports", client_of(request))
    submission = await parse_json_body(request, GovernmentRequestSubmission)
    return _answer(
        await receive_government_request(
            submission, uow=context.uow(), numbers=context.case_numbers, cipher=context.cipher
        )
    )


@router.post("/v1/complaints", status_code=202, **documented(body=ComplaintSubmission, errors=ERRORS))
async def post_complaint(request: Request) -> AcceptedCase:
    """A complaint about the handling of personal information, or a data-subject request."""
    context = intake_context(request)
    await context.report_rate.hit("reports", client_of(request))
    submission = await parse_json_body(request, ComplaintSubmission)
    return _answer(
        await receive_complaint(submission, uow=context.uow(), numbers=context.case_numbers, cipher=context.cipher)
    )
