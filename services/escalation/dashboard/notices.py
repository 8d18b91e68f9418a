"""A notice's preview page: the notice as the notifier drafted it, beside its siblings in the other
languages, with the approval buttons the role may use (the approval itself goes through the API)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from pidesk.services.escalation.adapters.notifier_client import NotifierClient, NotifierUnavailable
from pidesk.services.escalation.dashboard.pages import SIGN_IN, Page, can
from pidesk.services.escalation.entrypoints.deps import Ctx
from pidesk.shared.http.openapi import documented

router = APIRouter(tags=["dashboard"])


@router.get(
    "/desk/incidents/{incident_id}/notices/{notice_id}",
    response_class=HTMLResponse,
    **documented(errors=[422], pages=[404], auth=["session"], also=SIGN_IN),
)
async def notice_page(incident_id: uuid.UUID, notice_id: uuid.UUID, page: Page, context: Ctx) -> Response:
    principal, session_csrf = await page.signed_in()
    previews: list[dict[str, Any] | None] = []  # a sibling the notifier no longer knows: None
    unavailable = False
    if context.notifier is not None:
        try:
            previews = await _previews(context.notifier, incident_id, notice_id)
        except NotifierUnavailable:
            unavailable = True
    if not previews and not unavailable:
        return page.render("not_found.html", 404, principal=principal, csrf_token=session_csrf)
    return page.render(
        "notice.html",
        principal=principal,
        csrf_token=session_csrf,
        incident_id=str(incident_id),
        notice=previews[0] if previews else None,
        previews=[p for p in previews if p],
        unavailable=unavailable,
        can=can(principal),
    )


async def _previews(
    notifier: NotifierClient, incident_id: uuid.UUID, notice_id: uuid.UUID
) -> list[dict[str, Any] | None]:
    """The notice first, then its siblings (the same kind and variant); empty if it is not the incident's."""
    notice = await notifier.notice(notice_id)
    if notice is None or notice["incident_id"] != str(incident_id):
        return []
    siblings = await notifier.notices(incident_id)
    return [
        notice,
        *[
            await notifier.notice(uuid.UUID(s["notice_id"]))
            for s in siblings
            if s["kind"] == notice["kind"]
            and s["variant"] == notice["variant"]
            and s["notice_id"] != notice["notice_id"]
        ],
    ]
