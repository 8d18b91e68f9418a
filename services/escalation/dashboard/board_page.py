"""The board: the open incidents, riskiest and most urgent first, with filters (and its rows alone, which
the page fetches again whenever the live stream says something changed)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.dashboard import board
from pidesk.services.escalation.dashboard.pages import PAGE, Page
from pidesk.services.escalation.entrypoints.deps import Ctx
from pidesk.services.escalation.views import dashboard as views
from pidesk.shared.db.base import utcnow
from pidesk.shared.vocabulary import IncidentKind, RiskLevel

router = APIRouter(tags=["dashboard"])


@router.get("/desk", response_class=HTMLResponse, **PAGE)
@router.get("/desk/", response_class=HTMLResponse, include_in_schema=False)
async def board_page(page: Page, context: Ctx) -> Response:
    principal, session_csrf = await page.signed_in()
    rows = await _board_rows(page.request, context)
    async with context.sessions() as session:
        companies = await views.companies(session)
        snoozed = await views.snoozed_count(session)
    return page.render(
        "board.html",
        principal=principal,
        csrf_token=session_csrf,
        rows=rows,
        snoozed_count=snoozed,
        filters=dict(page.request.query_params),
        risks=[r.value for r in RiskLevel],
        kinds=[k.value for k in IncidentKind],
        companies=companies,
        now=utcnow(),
    )


@router.get("/desk/board", response_class=HTMLResponse, **PAGE)
async def board_fragment(page: Page, context: Ctx) -> Response:
    await page.signed_in()
    return page.render("board_rows.html", rows=await _board_rows(page.request, context), now=utcnow())


async def _board_rows(request: Request, context: EscalationContext) -> list[board.BoardRow]:
    """The board's rows with the filters the query asks for (risk, kind, company, ack)."""
    async with context.sessions() as session:
        rows = await views.board_rows(session)
    q = request.query_params
    return board.filter_board(
        rows,
        risk=q.get("risk") or None,
        kind=q.get("kind") or None,
        entity=q.get("company") or None,
        ack=q.get("ack") or None,
    )
