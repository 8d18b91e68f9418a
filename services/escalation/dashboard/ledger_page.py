"""The ledger pages: the personal-information ledger (search; filters by company, data category, asset
type and status), and one entry with its history and the incidents whose assets it covers."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from pidesk.services.escalation.adapters.ledger import LedgerFilter
from pidesk.services.escalation.dashboard.pages import SIGN_IN, Page
from pidesk.services.escalation.entrypoints.deps import Ctx
from pidesk.services.escalation.service.desk import DeskError
from pidesk.services.escalation.views.dashboard_ledger import entry_incidents
from pidesk.services.escalation.views.ledger import ledger_entry, ledger_history, ledger_page
from pidesk.shared.http.openapi import documented
from pidesk.shared.vocabulary import AssetType, DataCategory

PER_PAGE = 100
STATUSES = {"in_force": False, "retired": True, "all": None}

router = APIRouter(tags=["dashboard"])


@router.get("/desk/ledger", response_class=HTMLResponse, **documented(errors=[422], auth=["session"], also=SIGN_IN))
async def ledger_list_page(
    page: Page,
    context: Ctx,
    search: str = Query(default="", max_length=200),
    company: str = Query(default="", max_length=200),
    category: str = Query(default="", max_length=50),
    asset_type: str = Query(default="", max_length=20),
    status: str = Query(default="in_force", pattern="^(in_force|retired|all)$"),
    cursor: str | None = Query(default=None, max_length=200),
) -> Response:
    principal, session_csrf = await page.signed_in()
    clean = {k: v.replace("\x00", "").strip() for k, v in {"search": search, "company": company}.items()}
    flt = LedgerFilter(
        search=clean["search"] or None,
        company=clean["company"] or None,
        category=category if category in {c.value for c in DataCategory} else None,
        asset_kind=asset_type if asset_type in {k.value for k in AssetType} else None,
        retired=STATUSES[status],
    )
    try:
        entries = await ledger_page(context.uow(), flt, cursor=cursor, limit=PER_PAGE)
    except DeskError:  # a cursor from elsewhere: the first page
        entries = await ledger_page(context.uow(), flt, cursor=None, limit=PER_PAGE)
    return page.render(
        "ledger.html",
        principal=principal,
        csrf_token=session_csrf,
        entries=entries,
        query={**clean, "category": flt.category or "", "asset_type": flt.asset_kind or "", "status": status},
        categories=[c.value for c in DataCategory],
        asset_types=[k.value for k in AssetType],
    )


@router.get(
    "/desk/ledger/{entry_id}",
    response_class=HTMLResponse,
    **documented(errors=[422], pages=[404], auth=["session"], also=SIGN_IN),
)
async def ledger_entry_page(entry_id: str, page: Page, context: Ctx) -> Response:
    principal, session_csrf = await page.signed_in()
    try:
        entry = await ledger_entry(context.uow(), entry_id[:64])
        history = await ledger_history(context.uow(), entry_id[:64])
    except DeskError:
        return page.render("not_found.html", 404, principal=principal, csrf_token=session_csrf)
    async with context.sessions() as session:
        incidents = await entry_incidents(session, entry.id)
    return page.render(
        "ledger_entry.html",
        principal=principal,
        csrf_token=session_csrf,
        entry=entry,
        history=history,
        incidents=incidents,
    )
