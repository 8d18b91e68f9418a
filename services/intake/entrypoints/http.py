"""Intake's report API: validate, build a command, call one use case, map the outcome."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pidesk.services.intake.context import IntakeContext
from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.service.reports import (
    IdempotencyKeyReused,
    ReportAccepted,
    SubmitReport,
    report_status,
    submit_report,
)
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented, json_response
from pidesk.shared.vocabulary import ReportSource

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, as in the IETF draft's examples
ACCEPTED = {
    "type": "object",
    "required": ["incident_id", "reference", "status_url"],
    "properties": {
        "incident_id": {"type": "string", "format": "uuid"},
        "reference": {"type": "string"},
        "status_url": {"type": "string"},
        "grouped": {"type": "boolean"},
        "incidents": {"type": "array", "items": {"type": "object"}},
    },
}
# 200: the incident already existed (a replay with the same Idempotency-Key, a repeated or grouped alert)
ACCEPTED_RESPONSES = {
    202: json_response(ACCEPTED, "A new incident"),
    200: json_response(ACCEPTED, "An incident that already existed"),
}


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def report_router(context: IntakeContext) -> APIRouter:
    router = APIRouter(tags=["reports"])

    @router.post(
        "/v1/reports",
        status_code=202,
        **documented(body=ReportSubmission, errors=[400, 409, 413, 415, 422, 429], also=ACCEPTED_RESPONSES),
    )
    async def post_report(request: Request) -> JSONResponse:
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

    @router.get("/v1/reports/{incident_id}", **documented(errors=[404, 422]))
    async def get_report_status(incident_id: uuid.UUID) -> dict[str, Any]:
        status = await report_status(incident_id, uow=context.uow())
        if status is None:
            raise ApiError(404, "not_found", "no report with this id")
        return {
            "incident_id": str(status.incident_id),
            "reference": status.reference,
            "status": "received",
            "received_at": status.received_at.isoformat(),
        }

    return router


def accepted_response(context: IntakeContext, accepted: ReportAccepted) -> JSONResponse:
    """202 for a new incident, 200 for one that already existed (a replay, a repeated alert, or an
    alert that joined the open incident of its group: then `"grouped": true`)."""
    body: dict[str, object] = {
        "incident_id": str(accepted.incident_id),
        "reference": accepted.reference,
        "status_url": f"{context.settings.public_url.rstrip('/')}/v1/reports/{accepted.incident_id}",
    }
    if accepted.grouped:
        body["grouped"] = True
    return JSONResponse(body, status_code=202 if accepted.created else 200)
