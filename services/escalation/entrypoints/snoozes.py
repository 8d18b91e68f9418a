"""The desk API on snoozes (README, "Assessment, routing and the desk API"): create, list, read, end
early, and un-snooze an incident. Authenticated, role-checked and audited like every desk call."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.domain.snoozes import MAX_DURATION, SnoozeFilter
from pidesk.services.escalation.entrypoints.deps import FactKeeper, Reader
from pidesk.services.escalation.entrypoints.http import ACT, BODY, DESK_AUTH, READ, run_on_incident
from pidesk.services.escalation.entrypoints.views import incident_summary, snooze_view
from pidesk.services.escalation.service import desk, snooze_desk
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.http.params import RowIdPath, RowIdQuery

MAX_MINUTES = int(MAX_DURATION.total_seconds() // 60)
FILTER_FIELDS = ("source", "rule", "asset", "actor")


class SnoozeBody(BaseModel):
    """`{"source"?, "rule"?, "asset"?, "actor"?, "reason", "minutes" | "until"}`: patterns with `*` and `?`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    source: str | None = Field(default=None, max_length=100)
    rule: str | None = Field(default=None, max_length=300)
    asset: str | None = Field(default=None, max_length=500)
    actor: str | None = Field(default=None, max_length=300)
    reason: str = Field(min_length=1, max_length=500)
    minutes: int | None = Field(default=None, ge=1, le=MAX_MINUTES)
    until: AwareDatetime | None = None


def _invalid(message: str, *fields: str, kind: str = "value_error") -> ApiError:
    details = [{"loc": [f], "msg": message, "type": kind} for f in fields]
    return ApiError(422, "validation_error", message, details)


def _request(body: SnoozeBody, now: datetime) -> snooze_desk.SnoozeRequest:
    """The body checked beyond its schema, each refusal naming its field(s)."""
    flt = SnoozeFilter(source=body.source, rule=body.rule, asset=body.asset, actor=body.actor)
    if flt.is_empty():
        raise _invalid(
            "give at least one of source, rule, asset, actor (a pattern narrower than '*')",
            *FILTER_FIELDS,
            kind="filter_required",
        )
    if (body.minutes is None) == (body.until is None):
        raise _invalid("give either minutes or until", "minutes", "until", kind="duration_required")
    if body.until is not None:
        if body.until <= now:
            raise _invalid("until must be in the future", "until")
        if body.until > now + MAX_DURATION:
            raise _invalid(f"a snooze runs for at most {MAX_DURATION.days} days", "until")
    expires_at = body.until if body.until is not None else now + timedelta(minutes=body.minutes or 0)
    return snooze_desk.SnoozeRequest(filter=flt, reason=body.reason, expires_at=expires_at)


def snooze_router(context: EscalationContext) -> APIRouter:
    router = APIRouter(tags=["desk"])
    rules = context.rules

    async def answer(snooze_id: int, **extra: Any) -> dict[str, Any]:
        view = await snooze_desk.one_snooze(context.uow(), snooze_id, now=utcnow(), present=snooze_view)
        return {**view, **extra}

    @router.post("/v1/snoozes", status_code=201, **documented(body=SnoozeBody, errors=[*ACT, *BODY], auth=DESK_AUTH))
    async def create(principal: FactKeeper, request: Request) -> dict[str, Any]:
        """A snooze from now until `until` or for `minutes` (at most 30 days)."""
        body = await parse_json_body(request, SnoozeBody)
        now = utcnow()
        snooze_id = await snooze_desk.create_snooze(context.uow(), _request(body, now), principal, now)
        return await answer(snooze_id)

    @router.get("/v1/snoozes", **documented(errors=READ, auth=DESK_AUTH))
    async def list_snoozes(
        _principal: Reader,
        active: bool | None = None,
        before_id: RowIdQuery = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 100,
    ) -> dict[str, Any]:
        """Newest first; `active=true`: running now, `active=false`: ended or expired."""
        page = await snooze_desk.list_snoozes(
            context.uow(), active=active, before_id=before_id, limit=limit, now=utcnow(), present=snooze_view
        )
        return {"items": page.items, "next_before_id": page.next_before_id}

    @router.get("/v1/snoozes/{snooze_id}", **documented(errors=[400, *READ, 404], auth=DESK_AUTH))
    async def get_snooze(
        snooze_id: RowIdPath,
        _principal: Reader,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """The snooze and the incidents it matched (snoozed, overridden or opened since), newest first."""
        view = await answer(snooze_id)
        page = await desk.list_incidents(
            context.uow(),
            status=None,
            risk_level=None,
            cursor=cursor,
            limit=limit,
            present=incident_summary,
            snooze_id=snooze_id,
        )
        return {**view, "incidents": page.items, "next_cursor": page.next_cursor}

    @router.post("/v1/snoozes/{snooze_id}/end", **documented(errors=ACT, auth=DESK_AUTH))
    async def end(snooze_id: RowIdPath, principal: FactKeeper) -> dict[str, Any]:
        """End it now: the snoozed incidents it no longer covers are opened and routed (`opened`)."""
        opened = await snooze_desk.end_snooze(context.uow(), rules, snooze_id, principal, utcnow())
        return await answer(snooze_id, opened=[str(i) for i in opened])

    @router.post("/v1/incidents/{incident_id}/unsnooze", **documented(errors=ACT, auth=DESK_AUTH))
    async def unsnooze(incident_id: uuid.UUID, principal: FactKeeper) -> dict[str, Any]:
        """Open a snoozed incident and route it now."""
        return await run_on_incident(
            context, snooze_desk.unsnooze(context.uow(), rules, incident_id, principal, utcnow())
        )

    return router
