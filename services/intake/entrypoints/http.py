"""Intake's report API: validate, build a command, call one use case, map the outcome."""

from __future__ import annotations

import re
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pidesk.services.intake import views
from pidesk.services.intake.context import IntakeContext
from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.entrypoints.answers import AcceptedReport, ReportStatusAnswer
from pidesk.services.intake.entrypoints.deps import Intake, client_of, intake_context
from pidesk.services.intake.service.reports import IdempotencyKeyReused, ReportAccepted, SubmitReport, submit_report
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.vocabulary import ReportSource

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, as in the IETF draft's examples
# 200: the incident already existed (a replay with the same Idempotency-Key)
ACCEPTED_RESPONSES = {
    202: {"model": AcceptedReport, "description": "A new incident"},
    200: {"model": AcceptedReport, "description": "An incident that already existed"},
}

router = APIRouter(tags=["reports"])


@router.post(
    "/v1/reports",
    status_code=202,
    response_model=None,
    **documented(body=ReportSubmission, errors=[400, 409, 413, 415, 422, 429], also=ACCEPTED_RESPONSES),
)
async def post_report(request: Request) -> JSONResponse:
    """The answer is built here and returned as is: `AcceptedReport` only documents it."""
    context = intake_context(request)  # not a declared dependency: this route is the hot path
    await context.report_rate.hit("reports", client_of(request))
    key = request.headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-200 visible ASCII characters")
    submission = await parse_json_body(request, ReportSubmission)
    command = SubmitReport(submission=submission, source=ReportSource.API, idempotency_key=key)
    try:
        accepted = await submit_report(command, uow=context.uow(), cipher=context.cipher, batcher=context.batcher)
    except IdempotencyKeyReused:
        raise ApiError(
            409, "idempotency_key_reused", "this Idempotency-Key was already used with a different body"
        ) from None
    return accepted_response(context, accepted)


@router.get("/v1/reports/{incident_id}", response_model=ReportStatusAnswer, **documented(errors=[404, 422]))
async def get_report_status(incident_id: uuid.UUID, context: Intake) -> ReportStatusAnswer:
    status = await views.report_status(context.sessions, incident_id)
    if status is None:
        raise ApiError(404, "not_found", "no report with this id")
    return ReportStatusAnswer(
        incident_id=status.incident_id,
        reference=status.reference,
        status="received",
        received_at=status.received_at.isoformat(),
    )


def accepted_body(context: IntakeContext, accepted: ReportAccepted) -> dict[str, object]:
    """An accepted report or alert as JSON (`AcceptedAlert`: `"grouped": true` only when it joined the
    open incident of its group)."""
    body: dict[str, object] = {
        "incident_id": str(accepted.incident_id),
        "reference": accepted.reference,
        "status_url": context.status_url(accepted.incident_id),
    }
    if accepted.grouped:
        body["grouped"] = True
    return body


def accepted_response(context: IntakeContext, accepted: ReportAccepted) -> JSONResponse:
    """202 for a new incident, 200 for one that already existed (a replay, a repeated alert, or an
    alert that joined the open incident of its group)."""
    return JSONResponse(accepted_body(context, accepted), status_code=202 if accepted.created else 200)
