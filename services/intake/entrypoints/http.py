"""Intake's HTTP routes: validate, build a command, call one use case, map the outcome."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pidesk.services.intake.context import IntakeContext
from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.service.reports import SubmitReport, report_status, submit_report
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.vocabulary import ReportSource


def report_router(context: IntakeContext) -> APIRouter:
    router = APIRouter(tags=["reports"])

    @router.post("/v1/reports", status_code=202)
    async def post_report(request: Request) -> JSONResponse:
        submission = await parse_json_body(request, ReportSubmission)
        accepted = await submit_report(
            SubmitReport(submission=submission, source=ReportSource.API), uow=context.uow(), cipher=context.cipher
        )
        return JSONResponse(_accepted_body(context, accepted.incident_id, accepted.reference), status_code=202)

    @router.get("/v1/reports/{incident_id}")
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


def _accepted_body(context: IntakeContext, incident_id: uuid.UUID, reference: str) -> dict[str, str]:
    return {
        "incident_id": str(incident_id),
        "reference": reference,
        "status_url": f"{context.settings.public_url.rstrip('/')}/v1/reports/{incident_id}",
    }
