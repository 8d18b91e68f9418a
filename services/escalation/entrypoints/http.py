"""The desk API routes (CONTRACT.md, "Desk API"): every call authenticated, role-checked and audited."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from pidesk.services.escalation.adapters.notifier_client import NotifierUnavailable
from pidesk.services.escalation.adapters.orm import AuditEntry, NoticeRecord, Snooze
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.domain.routing import Target
from pidesk.services.escalation.entrypoints.deps import Approver, AuditReader, Closer, FactKeeper, Reader, Responder
from pidesk.services.escalation.entrypoints.facts import FactsUpdate
from pidesk.services.escalation.entrypoints.recipients import RecipientsBody, parse_recipients
from pidesk.services.escalation.entrypoints.views import alert_view, incident_detail, incident_summary, notice_view
from pidesk.services.escalation.service import alert_listing, desk, regrouping
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.http.params import RowIdPath, RowIdQuery
from pidesk.shared.vocabulary import NoticeKind

DESK_AUTH = ("bearer", "session")  # a token, or the dashboard's session (with X-CSRF-Token for a change)
READ = (401, 422)
ACT = (401, 403, 404, 409, 422)  # 403: the role (or a session's missing CSRF token); 409: not in this state
BODY = (400, 413, 415, 422)  # malformed or too deep JSON, too large, not JSON, not the schema


class EscalateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Target | None = None


class NoticeWording(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str | None = Field(default=None, min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=100_000)


class MergeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: uuid.UUID  # the incident that stays (the survivor)


CSV_RECIPIENTS = {
    "schema": {"type": "string", "description": "a header row naming email (and name, language), one row a recipient"}
}


async def incident_answer(context: EscalationContext, incident_id: uuid.UUID) -> dict[str, Any]:
    """GET /v1/incidents/{id}, and the answer of every action on an incident."""
    async with context.uow() as uow:
        incident = await IncidentRepository(uow.session).get(incident_id)
        if incident is None:
            raise ApiError(404, "not_found", "no incident with this id")
        notices = await uow.session.scalars(
            select(NoticeRecord).where(NoticeRecord.incident_id == incident_id).order_by(NoticeRecord.kind)
        )
        snooze = await uow.session.get(Snooze, incident.matched_snooze_id) if incident.matched_snooze_id else None
        return {
            **incident_detail(incident, snooze),
            "notices": [notice_view(n) for n in notices if n.kind != NoticeKind.INTERNAL],
        }


async def run_on_incident(context: EscalationContext, action: Any) -> dict[str, Any]:
    """Await a desk action that answers an incident id; answer that incident (or the action's error)."""
    incident_id = await action
    return await incident_answer(context, incident_id)


def desk_router(context: EscalationContext) -> APIRouter:
    router = APIRouter(tags=["desk"])
    rules = context.rules

    async def detail(incident_id: uuid.UUID) -> dict[str, Any]:
        return await incident_answer(context, incident_id)

    async def run(action: Any) -> dict[str, Any]:
        return await run_on_incident(context, action)

    @router.get("/v1/incidents", **documented(errors=[400, *READ], auth=DESK_AUTH))
    async def list_incidents(
        _principal: Reader,
        status: Annotated[str | None, Query(pattern="^(open|snoozed|closed|merged)$")] = None,
        risk_level: Annotated[str | None, Query(pattern="^(low|medium|high|very_high)$")] = None,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        page = await desk.list_incidents(
            context.uow(),
            status=status,
            risk_level=risk_level,
            cursor=cursor,
            limit=limit,
            present=incident_summary,
        )
        return {"items": page.items, "next_cursor": page.next_cursor}

    @router.get("/v1/incidents/{incident_id}", **documented(errors=[*READ, 404], auth=DESK_AUTH))
    async def get_incident(incident_id: uuid.UUID, _principal: Reader) -> dict[str, Any]:
        return await detail(incident_id)

    @router.get("/v1/incidents/{incident_id}/alerts", **documented(errors=[400, *READ, 404], auth=DESK_AUTH))
    async def list_alerts(
        incident_id: uuid.UUID,
        _principal: Reader,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        """The DLP alerts the incident groups, newest first, with how many there are in all."""
        page = await alert_listing.list_alerts(
            context.uow(), incident_id, cursor=cursor, limit=limit, present=alert_view
        )
        return {"items": page.items, "total": page.total, "next_cursor": page.next_cursor}

    @router.post(
        "/v1/incidents/{incident_id}/alerts/{alert_row_id}/split",
        status_code=201,
        **documented(errors=ACT, auth=DESK_AUTH),
    )
    async def split_alert(incident_id: uuid.UUID, alert_row_id: RowIdPath, principal: FactKeeper) -> dict[str, Any]:
        """The alert out into a new incident of its own; answers the new incident."""
        return await run(regrouping.split_alert(context.uow(), rules, incident_id, alert_row_id, principal, utcnow()))

    @router.post(
        "/v1/incidents/{incident_id}/merge", **documented(body=MergeBody, errors=[*ACT, *BODY], auth=DESK_AUTH)
    )
    async def merge(incident_id: uuid.UUID, principal: FactKeeper, request: Request) -> dict[str, Any]:
        """`{"into": id}`: this incident's alerts and facts go to that one; this one is closed as merged."""
        body = await parse_json_body(request, MergeBody)
        return await run(regrouping.merge_incidents(context.uow(), rules, incident_id, body.into, principal, utcnow()))

    @router.post("/v1/incidents/{incident_id}/acknowledge", **documented(errors=ACT, auth=DESK_AUTH))
    async def acknowledge(incident_id: uuid.UUID, principal: Responder) -> dict[str, Any]:
        return await run(desk.acknowledge(context.uow(), rules, incident_id, principal, utcnow()))

    @router.post(
        "/v1/incidents/{incident_id}/escalate",
        **documented(body=EscalateBody, body_required=False, errors=[*ACT, *BODY], auth=DESK_AUTH),
    )
    async def escalate(incident_id: uuid.UUID, principal: Responder, request: Request) -> dict[str, Any]:
        body = await parse_json_body(request, EscalateBody) if await request.body() else EscalateBody()
        return await run(desk.escalate(context.uow(), rules, incident_id, principal, utcnow(), body.target))

    @router.post(
        "/v1/incidents/{incident_id}/facts", **documented(body=FactsUpdate, errors=[*ACT, *BODY], auth=DESK_AUTH)
    )
    async def add_facts(incident_id: uuid.UUID, principal: FactKeeper, request: Request) -> dict[str, Any]:
        update = await parse_json_body(request, FactsUpdate)
        changes = update.model_dump(mode="json", exclude_unset=True)
        if not changes:
            raise ApiError(422, "validation_error", "send at least one report field that changed")
        return await run(desk.add_facts(context.uow(), rules, incident_id, changes, principal, utcnow()))

    @router.post("/v1/incidents/{incident_id}/obligations/{code}/done", **documented(errors=ACT, auth=DESK_AUTH))
    async def obligation_done(incident_id: uuid.UUID, code: str, principal: FactKeeper) -> dict[str, Any]:
        return await run(desk.complete_obligation(context.uow(), rules, incident_id, code, principal, utcnow()))

    @router.post("/v1/incidents/{incident_id}/close", **documented(errors=ACT, auth=DESK_AUTH))
    async def close(incident_id: uuid.UUID, principal: Closer) -> dict[str, Any]:
        return await run(desk.close(context.uow(), rules, incident_id, principal, utcnow()))

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
        incident_id: uuid.UUID, notice_id: uuid.UUID, principal: Approver, request: Request
    ) -> dict[str, Any]:
        try:
            lookup = context.notifier.notice if context.notifier else None
            await desk.check_approvable(context.uow(), incident_id, notice_id, lookup)  # 404 before the body
            recipients = await parse_recipients(request)
            batches, count = await desk.approve_notice(
                context.uow(), incident_id, notice_id, recipients, principal, utcnow(), lookup
            )
        except NotifierUnavailable as exc:
            raise ApiError(503, "notifier_unavailable", f"{exc}; try again shortly") from None
        return {"notice_id": str(notice_id), "status": "approved", "recipients": count, "batches": batches}

    @router.put(
        "/v1/incidents/{incident_id}/notices/{notice_id}",
        **documented(body=NoticeWording, errors=[*ACT, *BODY, 503], auth=DESK_AUTH),
    )
    async def word_notice(
        incident_id: uuid.UUID, notice_id: uuid.UUID, principal: Approver, request: Request
    ) -> dict[str, Any]:
        """Complete or reword a draft (`{"subject"?, "body"}`, Markdown): forwarded to the notifier."""
        wording = await parse_json_body(request, NoticeWording)
        if context.notifier is None:
            raise ApiError(503, "notifier_unavailable", "no notifier is configured")
        try:
            known = await context.notifier.notice(notice_id)
            if known is None or known["incident_id"] != str(incident_id):
                raise ApiError(404, "notice_not_found", "the notifier drafted no such notice for this incident")
            response = await context.notifier.edit(
                notice_id, wording.model_dump(exclude_none=True), principal.name, principal.role
            )
        except NotifierUnavailable as exc:
            raise ApiError(503, "notifier_unavailable", f"{exc}; try again shortly") from None
        if not response.is_success:
            error = response.json().get("error", {}) if "json" in response.headers.get("content-type", "") else {}
            raise ApiError(response.status_code, error.get("code", "notifier_error"), error.get("message", ""))
        answer: dict[str, Any] = response.json()
        return answer

    @router.get("/v1/audit", **documented(errors=[*READ, 403], auth=DESK_AUTH))
    async def audit_log(
        _principal: AuditReader,
        incident_id: uuid.UUID | None = None,
        before_id: RowIdQuery = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        async with context.uow() as uow:
            statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if incident_id:
                statement = statement.where(AuditEntry.incident_id == incident_id)
            if before_id:
                statement = statement.where(AuditEntry.id < before_id)
            rows = (await uow.session.scalars(statement)).all()
            items = [
                {
                    "id": r.id,
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "role": r.role,
                    "method": r.method,
                    "path": r.path,
                    "incident_id": str(r.incident_id) if r.incident_id else None,
                    "status": r.status,
                    "client": r.client,
                }
                for r in rows
            ]
        return {"items": items, "next_before_id": items[-1]["id"] if len(items) == limit else None}

    return router
