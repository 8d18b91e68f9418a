"""The desk API on the personal-information ledger (issue 16; README, "The personal-information ledger"):
list, read and trace the entries (every role), add, change and retire them (`promotion_bureau`,
`pi_administrator`). Authenticated, role-checked and audited like every desk call."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from pidesk.services.escalation.adapters.ledger import LedgerFilter
from pidesk.services.escalation.domain.ledger import ENTRY_ID, MAX_ASSETS, MAX_PEOPLE, TEXT_LIMITS
from pidesk.services.escalation.domain.ledger_assets import MAX_IDENTIFIER, AssetKind
from pidesk.services.escalation.entrypoints.deps import Ctx, LedgerKeeper, Reader
from pidesk.services.escalation.entrypoints.http import ACT, BODY, DESK_AUTH, READ
from pidesk.services.escalation.service import ledger
from pidesk.services.escalation.service.desk import actor
from pidesk.services.escalation.views import ledger as ledger_views
from pidesk.services.escalation.views.models import LedgerEntryView, LedgerHistory, LedgerPage, LedgerSaved
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.auth import Principal
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.openapi import documented
from pidesk.shared.vocabulary import DataCategory, Encryption, EntityRole

router = APIRouter(tags=["desk"])

EntryId = Annotated[str, Path(min_length=1, max_length=64, pattern=ENTRY_ID.pattern)]
Region = Annotated[str, Field(min_length=1, max_length=10)]
People = Annotated[int, Field(ge=0, le=MAX_PEOPLE)]
NO_NUL = "^[^\\x00]*$"  # PostgreSQL cannot compare text holding U+0000: a 422, never a 500


class LedgerEntryBody(BaseModel):
    """An entry in full (README, "The personal-information ledger"): a field left out takes its default."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, max_length=64)  # POST: default the next L-nnnn; PUT: the path's
    name: str = Field(min_length=1, max_length=TEXT_LIMITS["name"])
    company: str = Field(min_length=1, max_length=TEXT_LIMITS["company"])
    division: str = Field(min_length=1, max_length=TEXT_LIMITS["division"])
    assets: list[Annotated[str, Field(min_length=1, max_length=MAX_IDENTIFIER + 20)]] = Field(
        min_length=1, max_length=MAX_ASSETS
    )
    data_categories: list[DataCategory] = Field(min_length=1, max_length=len(DataCategory))
    people_count: People | None = None
    counted_on: date | None = None
    subject_regions: dict[Region, People] = Field(default_factory=dict, max_length=300)
    purpose: str = Field(min_length=1, max_length=TEXT_LIMITS["purpose"])
    legal_basis: str = Field(min_length=1, max_length=TEXT_LIMITS["legal_basis"])
    entity_role: EntityRole = EntityRole.CONTROLLER
    on_behalf_of: str | None = Field(default=None, max_length=TEXT_LIMITS["on_behalf_of"])
    retention: str = Field(min_length=1, max_length=TEXT_LIMITS["retention"])
    storage_location: str = Field(min_length=1, max_length=TEXT_LIMITS["storage_location"])
    transfers: list[Region] = Field(default_factory=list, max_length=300)
    encryption: Encryption = Encryption.NONE
    responsible: str = Field(min_length=1, max_length=TEXT_LIMITS["responsible"])


def _by(principal: Principal) -> str:
    return actor(principal)


async def _saved(ctx: Ctx, saved: ledger.Saved) -> LedgerSaved:
    view = await ledger_views.ledger_entry(ctx.uow(), saved.entry_id)
    return LedgerSaved(**dict(view), change=saved.change.value)


@router.get("/v1/ledger", **documented(errors=[400, *READ], auth=DESK_AUTH))
async def list_entries(
    ctx: Ctx,
    _principal: Reader,
    search: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    company: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    category: DataCategory | None = None,
    asset_type: AssetKind | None = None,
    status: Annotated[str, Query(pattern="^(in_force|retired|all)$")] = "in_force",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> LedgerPage:
    """By id: `search` finds text in the id, name, owner, purpose, person responsible and assets; `company`,
    `category` and `asset_type` filter; `status` `in_force` (the default), `retired` or `all`."""
    flt = LedgerFilter(
        search=search,
        company=company,
        category=category.value if category else None,
        asset_kind=asset_type.value if asset_type else None,
        retired={"in_force": False, "retired": True, "all": None}[status],
    )
    return await ledger_views.ledger_page(ctx.uow(), flt, cursor=cursor, limit=limit)


@router.get("/v1/ledger/{entry_id}", **documented(errors=[*READ, 404], auth=DESK_AUTH))
async def get_entry(entry_id: EntryId, ctx: Ctx, _principal: Reader) -> LedgerEntryView:
    return await ledger_views.ledger_entry(ctx.uow(), entry_id)


@router.get("/v1/ledger/{entry_id}/history", **documented(errors=[*READ, 404], auth=DESK_AUTH))
async def entry_history(entry_id: EntryId, ctx: Ctx, _principal: Reader) -> LedgerHistory:
    """Every version, newest first: who, when, how, which fields changed, and the entry in full."""
    return await ledger_views.ledger_history(ctx.uow(), entry_id)


@router.post("/v1/ledger", status_code=201, **documented(body=LedgerEntryBody, errors=[*ACT, *BODY], auth=DESK_AUTH))
async def create_entry(ctx: Ctx, principal: LedgerKeeper, request: Request) -> LedgerSaved:
    """A new entry (201); 409 `entry_exists` when its id is taken."""
    body = await parse_json_body(request, LedgerEntryBody)
    raw = body.model_dump(mode="json")
    companies = ledger.directory_companies(ctx.rules.directory)
    saved = await ledger.create_entry(ctx.uow(), raw, by=_by(principal), now=utcnow(), companies=companies)
    return await _saved(ctx, saved)


@router.put("/v1/ledger/{entry_id}", **documented(body=LedgerEntryBody, errors=[*ACT, *BODY], auth=DESK_AUTH))
async def update_entry(entry_id: EntryId, ctx: Ctx, principal: LedgerKeeper, request: Request) -> LedgerSaved:
    """The entry in full as it now is: a new version when anything changed (`unchanged` otherwise); a
    retired entry is in force again (`restored`)."""
    body = await parse_json_body(request, LedgerEntryBody)
    raw = body.model_dump(mode="json")
    companies = ledger.directory_companies(ctx.rules.directory)
    saved = await ledger.update_entry(ctx.uow(), entry_id, raw, by=_by(principal), now=utcnow(), companies=companies)
    return await _saved(ctx, saved)


@router.delete("/v1/ledger/{entry_id}", **documented(errors=ACT, auth=DESK_AUTH))
async def retire_entry(entry_id: EntryId, ctx: Ctx, principal: LedgerKeeper) -> LedgerSaved:
    """Retire the entry: a new version marked retired, its history kept (409 `entry_retired` if it is)."""
    saved = await ledger.retire_entry(ctx.uow(), entry_id, by=_by(principal), now=utcnow())
    return await _saved(ctx, saved)
