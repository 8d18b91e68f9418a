"""An incident's page: its facts, deadlines, routes, notices, grouped alerts and timeline, with the
actions the role may take (each one a call to the desk API from the page's script)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from pidesk.services.escalation.adapters.notifier_client import NotifierUnavailable
from pidesk.services.escalation.adapters.orm import Incident, NoticeRecord
from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.dashboard import board
from pidesk.services.escalation.dashboard.i18n import language_of
from pidesk.services.escalation.dashboard.pages import SIGN_IN, Page, can
from pidesk.services.escalation.dashboard.timeline_notes import timeline_note
from pidesk.services.escalation.entrypoints.deps import Ctx
from pidesk.services.escalation.entrypoints.views import alert_view, notice_view
from pidesk.services.escalation.service import alert_listing
from pidesk.services.escalation.service.desk import DeskError
from pidesk.services.escalation.views import dashboard as views
from pidesk.services.escalation.views.presenters import incident_ledger
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.openapi import documented
from pidesk.shared.vocabulary import NoticeKind

ALERTS_PER_PAGE = 50
TARGETS = (  # whom the page offers to escalate to
    "security_contact_desk",
    "promotion_bureau",
    "division_manager",
    "pi_administrator",
    "officer_in_charge",
    "privacy_compliance_supervisor",
)

router = APIRouter(tags=["dashboard"])


@router.get(
    "/desk/incidents/{incident_id}",
    response_class=HTMLResponse,
    **documented(errors=[422], pages=[404], auth=["session"], also=SIGN_IN),
)
async def incident_page(incident_id: uuid.UUID, page: Page, context: Ctx) -> Response:
    principal, session_csrf = await page.signed_in()
    allowed = can(principal)
    cursor = page.request.query_params.get("alerts")
    async with context.sessions() as session:  # the page reads the incident's rows while rendering
        records = await views.incident_records(session, incident_id, with_candidates=allowed["facts"])
        if records is None:
            return page.render("not_found.html", 404, principal=principal, csrf_token=session_csrf)
        incident = records.incident
        return page.render(
            "incident.html",
            principal=principal,
            csrf_token=session_csrf,
            incident=incident,
            row=board.board_row(incident),
            notices=await _live_notices(context, incident_id, records.notices),
            can=allowed,
            targets=TARGETS,
            now=utcnow(),
            alerts=await _alert_page(context, incident, cursor),
            alerts_cursor=cursor,
            references=records.references,
            merge_candidates=records.merge_candidates,
            snooze=records.snooze,
            ledger=incident_ledger(incident),
            note=lambda entry: timeline_note(entry.kind, entry.detail, language_of(page.request)),
        )


async def _alert_page(
    context: EscalationContext, incident: Incident, cursor: str | None
) -> alert_listing.AlertPage | None:
    """A page of the incident's grouped alerts (a cursor from an older link starts again at the newest)."""
    if not incident.alert_count:
        return None
    try:
        return await alert_listing.list_alerts(
            context.uow(), incident.id, cursor=cursor, limit=ALERTS_PER_PAGE, present=alert_view
        )
    except DeskError:
        return await alert_listing.list_alerts(
            context.uow(), incident.id, cursor=None, limit=ALERTS_PER_PAGE, present=alert_view
        )


async def _live_notices(
    context: EscalationContext, incident_id: uuid.UUID, known: Iterable[NoticeRecord]
) -> list[dict[str, Any]]:
    """The incident's notices with live progress from the notifier, else as the desk last heard of them."""
    if context.notifier is not None:
        try:
            return [n for n in await context.notifier.notices(incident_id) if n["kind"] != NoticeKind.INTERNAL]
        except NotifierUnavailable:
            pass
    return [notice_view(n) for n in known if n.kind != NoticeKind.INTERNAL]
