"""The desk API routes (docs/contract.md, desk API): every call authenticated, role-checked and audited.

Each route reads its request, calls one use case (service/) or read model (views/) and answers in
one of the response models (views/models.py); an action answers the incident as it now stands.
"""

import uuid
from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from pidesk.services.escalation.adapters.notifier_client import NotifierUnavailable
from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.domain.routing import Target
from pidesk.services.escalation.entrypoints.deps import (
    Approver,
    AuditReader,
    Closer,
    Ctx,
    FactKeeper,
    Reader,
    Responder,
)
from pidesk.services.escalation.entrypoints.facts import FactsUpdate
from pidesk.services.escalation.entrypoints.recipients import RecipientsBody, parse_recipients
from pidesk.services.escalation.service import desk, regrouping
from pidesk.services.escalation.service.notice_wording import NotifierRefused, reword_notice
from pidesk.services.escalation.views import audit, incidents
from pidesk.services.escalation.views.models import (
    AlertPage,
    AuditPage,
    IncidentDetail,
    IncidentPage,
    NoticeApproval,
)
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.http.params import RowIdPath, RowIdQuery
from pidesk.shared.wording import EditedNotice, NoticeWording

DESK_AUTH = ("bearer", "session")  # a token, or the dashboard's session (with X-CSRF-Token for a change)
READ = (401, 422)
ACT = (401, 403, 404, 409, 422)  # 403: the role (or a session's missing CSRF token); 409: not in this state
BODY = (400, 413, 415, 422)  # malformed or too deep JSON, too large, not JSON, not the schema
# an incident's snooze marker shows the snooze's details only where the snooze was read (views/models.py)
MARKED: dict[str, Any] = {"response_model_exclude_unset": True}

router = APIRouter(tags=["desk"])


class EscalateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Target | None = None


class FilingBody(BaseModel):
    """`partial`: the first communication was partial (`lgpd.anpd_communication`): opens its supplement."""

    model_config = ConfigDict(extra="forbid")
    partial: bool = False


class MergeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: uuid.UUID  # the incident that stays (the survivor)


CSV_RECIPIENTS = {
    "schema": {"type": "string", "description": "a header row naming email (and name, language), one row a recipient"}
}


async def answered(context: EscalationContext, action: Awaitable[uuid.UUID]) -> IncidentDetail:
    """Await a desk action that answers an incident id; answer that incident (or the action's error)."""
    return await incidents.incident(context.uow(), await action)


@router.get("/v1/incidents", **MARKED, **documented(errors=[400, *READ], auth=DESK_AUTH))
async def list_incidents(
    ctx: Ctx,
    _principal: Reader,
    status: Annotated[str | None, Query(pattern="^(open|snoozed|closed|merged)$")] = None,
    risk_level: Annotated[str | None, Query(pattern="^(low|medium|high|very_high)$")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IncidentPage:
    return await incidents.incident_page(ctx.uow(), status=status, risk_level=risk_level, cursor=cursor, limit=limit)


@router.get("/v1/incidents/{incident_id}", **MARKED, **documented(errors=[*READ, 404], auth=DESK_AUTH))
async def get_incident(incident_id: uuid.UUID, ctx: Ctx, _principal: Reader) -> IncidentDetail:
    return await incidents.incident(ctx.uow(), incident_id)


@router.get("/v1/incidents/{incident_id}/alerts", **documented(errors=[400, *READ, 404], auth=DESK_AUTH))
async def list_alerts(
    incident_id: uuid.UUID,
    ctx: Ctx,
    _principal: Reader,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AlertPage:
    """The DLP alerts the incident groups, newest first, with how many there are in all."""
    return await incidents.alert_page(ctx.uow(), incident_id, cursor=cursor, limit=limit)


@router.post(
    "/v1/incidents/{incident_id}/alerts/{alert_row_id}/split",
    status_code=201,
    **MARKED,
    **documented(errors=ACT, auth=DESK_AUTH),
)
async def split_alert(
    incident_id: uuid.UUID, alert_row_id: RowIdPath, ctx: Ctx, principal: FactKeeper
) -> IncidentDetail:
    """The alert out into a new incident of its own; answers the new incident."""
    split = regrouping.split_alert(ctx.uow(), ctx.rules, incident_id, alert_row_id, principal, utcnow())
    return await answered(ctx, split)


@router.post(
    "/v1/incidents/{incident_id}/merge",
    **MARKED,
    **documented(body=MergeBody, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def merge(incident_id: uuid.UUID, ctx: Ctx, principal: FactKeeper, request: Request) -> IncidentDetail:
    """`{"into": id}`: this incident's alerts and facts go to that one; this one is closed as merged."""
    body = await parse_json_body(request, MergeBody)
    merged = regrouping.merge_incidents(ctx.uow(), ctx.rules, incident_id, body.into, principal, utcnow())
    return await answered(ctx, merged)


@router.post("/v1/incidents/{incident_id}/acknowledge", **MARKED, **documented(errors=ACT, auth=DESK_AUTH))
async def acknowledge(incident_id: uuid.UUID, ctx: Ctx, principal: Responder) -> IncidentDetail:
    return await answered(ctx, desk.acknowledge(ctx.uow(), ctx.rules, incident_id, principal, utcnow()))


@router.post(
    "/v1/incidents/{incident_id}/escalate",
    **MARKED,
    **documented(body=EscalateBody, body_required=False, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def escalate(incident_id: uuid.UUID, ctx: Ctx, principal: Responder, request: Request) -> IncidentDetail:
    body = await parse_json_body(request, EscalateBody) if await request.body() else EscalateBody()
    return await answered(ctx, desk.escalate(ctx.uow(), ctx.rules, incident_id, principal, utcnow(), body.target))


@router.post(
    "/v1/incidents/{incident_id}/facts",
    **MARKED,
    **documented(body=FactsUpdate, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def add_facts(incident_id: uuid.UUID, ctx: Ctx, principal: FactKeeper, request: Request) -> IncidentDetail:
    update = await parse_json_body(request, FactsUpdate)
    changes = update.model_dump(mode="json", exclude_unset=True)
    if not changes:
        raise ApiError(422, "validation_error", "send at least one report field that changed")
    return await answered(ctx, desk.add_facts(ctx.uow(), ctx.rules, incident_id, changes, principal, utcnow()))


@router.post(
    "/v1/incidents/{incident_id}/obligations/{code}/done",
    **MARKED,
    **documented(body=FilingBody, body_required=False, errors=[*ACT, *BODY], auth=DESK_AUTH),
)
async def obligation_done(
    incident_id: uuid.UUID, code: str, ctx: Ctx, principal: FactKeeper, request: Request
) -> IncidentDetail:
    body = await parse_json_body(request, FilingBody) if await request.body() else FilingBody()
    done = desk.complete_obligation(ctx.uow(), ctx.rules, incident_id, code, principal, utcnow(), partial=body.partial)
    return await answered(ctx, done)


@router.post("/v1/incidents/{incident_id}/close", **MARKED, **documented(errors=ACT, auth=DESK_AUTH))
async def close(incident_id: uuid.UUID, ctx: Ctx, principal: Closer) -> IncidentDetail:
    return await answered(ctx, desk.close(ctx.uow(), ctx.rules, incident_id, principal, utcnow()))


@router.post(
    "/v1/incidents/{incident_id}/notices/{notice_id}/approve",
    # recipients of a data-subject notice as JSON or CSV; a public notice or a regulator draft: no body
    **documented(
        body=RecipientsBody,
        body_required=False,
        body_types={"text/csv": CSV_RECIPIENTS},
        errors=[*ACT, *BODY, 503],
        auth=DESK_AUTH,
    ),
)
async def approve_notice(
    incident_id: uuid.UUID, notice_id: uuid.UUID, ctx: Ctx, principal: Approver, request: Request
) -> NoticeApproval:
    lookup = ctx.notifier.notice if ctx.notifier else None
    try:
        await desk.check_approvable(ctx.uow(), incident_id, notice_id, lookup)  # 404 before the body
        recipients = await parse_recipients(request)
        batches, count = await desk.approve_notice(
            ctx.uow(), incident_id, notice_id, recipients, principal, utcnow(), lookup
        )
    except NotifierUnavailable as exc:
        raise ApiError(503, "notifier_unavailable", f"{exc}; try again shortly") from None
    return NoticeApproval(notice_id=str(notice_id), status="approved", recipients=count, batches=batches)


@router.put(
    "/v1/incidents/{incident_id}/notices/{notice_id}",
    response_model=EditedNotice,
    **documented(body=NoticeWording, errors=[*ACT, *BODY, 503], auth=DESK_AUTH),
)
async def word_notice(
    incident_id: uuid.UUID, notice_id: uuid.UUID, ctx: Ctx, principal: Approver, request: Request
) -> JSONResponse:
    """Complete or reword a draft (`{"subject"?, "body"}`, Markdown): forwarded to the notifier, whose
    answer is passed on as it came."""
    wording = await parse_json_body(request, NoticeWording)
    try:
        answer = await reword_notice(
            ctx.notifier, incident_id, notice_id, wording.model_dump(exclude_none=True), principal
        )
    except NotifierUnavailable as exc:
        raise ApiError(503, "notifier_unavailable", f"{exc}; try again shortly") from None
    except NotifierRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    return JSONResponse(answer)


@router.get("/v1/audit", **documented(errors=[*READ, 403], auth=DESK_AUTH))
async def audit_log(
    ctx: Ctx,
    _principal: AuditReader,
    incident_id: uuid.UUID | None = None,
    before_id: RowIdQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    return await audit.audit_page(ctx.uow(), incident_id=incident_id, before_id=before_id, limit=limit)
