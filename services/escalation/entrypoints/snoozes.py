"""The desk API on snoozes (README, "Assessment, routing and the desk API"): create, list, read, end
early, and un-snooze an incident. Authenticated, role-checked and audited like every desk call."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pidesk.services.escalation.domain.snoozes import MAX_DURATION, SnoozeFilter
from pidesk.services.escalation.entrypoints.deps import Ctx, FactKeeper, Reader
from pidesk.services.escalation.entrypoints.http import ACT, BODY, DESK_AUTH, MARKED, READ, answered
from pidesk.services.escalation.service import snooze_desk
from pidesk.services.escalation.views import incidents, snoozes
from pidesk.services.escalation.views.models import IncidentDetail, SnoozeDetail, SnoozeEnded, SnoozePage, SnoozeView
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.http.params import RowIdPath, RowIdQuery

MAX_MINUTES = int(MAX_DURATION.total_seconds() // 60)
FILTER_FIELDS = ("source", "rule", "asset", "actor")

router = APIRouter(tags=["desk"])


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


@router.post("/v1/snoozes", status_code=201, **documented(body=SnoozeBody, errors=[*ACT, *BODY], auth=DESK_AUTH))
async def create(ctx: Ctx, principal: FactKeeper, request: Request) -> SnoozeView:
    """A snooze from now until `until` or for `minutes` (at most 30 days)."""
    body = await parse_json_body(request, SnoozeBody)
    now = utcnow()
    snooze_id = await snooze_desk.create_snooze(ctx.uow(), _request(body, now), principal, now)
    return await snoozes.snooze(ctx.uow(), snooze_id, now=utcnow())


@router.get("/v1/snoozes", **documented(errors=READ, auth=DESK_AUTH))
async def list_snoozes(
    ctx: Ctx,
    _principal: Reader,
    active: bool | None = None,
    before_id: RowIdQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> SnoozePage:
    """Newest first; `active=true`: running now, `active=false`: ended or expired."""
    return await snoozes.snooze_page(ctx.uow(), active=active, before_id=before_id, limit=limit, now=utcnow())


@router.get("/v1/snoozes/{snooze_id}", **MARKED, **documented(errors=[400, *READ, 404], auth=DESK_AUTH))
async def get_snooze(
    snooze_id: RowIdPath,
    ctx: Ctx,
    _principal: Reader,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SnoozeDetail:
    """The snooze and the incidents it matched (snoozed, overridden or opened since), newest first."""
    view = await snoozes.snooze(ctx.uow(), snooze_id, now=utcnow())
    page = await incidents.incident_page(
        ctx.uow(), status=None, risk_level=None, cursor=cursor, limit=limit, snooze_id=snooze_id
    )
    return SnoozeDetail(**dict(view), incidents=page.items, next_cursor=page.next_cursor)


@router.post("/v1/snoozes/{snooze_id}/end", **documented(errors=ACT, auth=DESK_AUTH))
async def end(snooze_id: RowIdPath, ctx: Ctx, principal: FactKeeper) -> SnoozeEnded:
    """End it now: the snoozed incidents it no longer covers are opened and routed (`opened`)."""
    opened = await snooze_desk.end_snooze(ctx.uow(), ctx.rules, snooze_id, principal, utcnow())
    view = await snoozes.snooze(ctx.uow(), snooze_id, now=utcnow())
    return SnoozeEnded(**dict(view), opened=[str(i) for i in opened])


@router.post("/v1/incidents/{incident_id}/unsnooze", **MARKED, **documented(errors=ACT, auth=DESK_AUTH))
async def unsnooze(incident_id: uuid.UUID, ctx: Ctx, principal: FactKeeper) -> IncidentDetail:
    """Open a snoozed incident and route it now."""
    return await answered(ctx, snooze_desk.unsnooze(ctx.uow(), ctx.rules, incident_id, principal, utcnow()))
