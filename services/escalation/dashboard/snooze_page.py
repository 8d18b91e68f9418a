"""The snoozes page: running snoozes, recent past ones (each with what it matched), the incidents
snoozed now, and the form for a new snooze."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from pidesk.services.escalation.dashboard.pages import PAGE, Page, can
from pidesk.services.escalation.entrypoints.deps import Ctx
from pidesk.services.escalation.views.dashboard_snoozes import snooze_overview
from pidesk.shared.db.base import utcnow

DURATIONS = (30, 60, 240, 480, 1440, 3 * 1440, 7 * 1440, 30 * 1440)  # minutes the form offers

router = APIRouter(tags=["dashboard"])


@router.get("/desk/snoozes", response_class=HTMLResponse, **PAGE)
async def snoozes_page(page: Page, context: Ctx) -> Response:
    principal, session_csrf = await page.signed_in()
    async with context.sessions() as session:
        overview = await snooze_overview(session, utcnow())
    return page.render(
        "snoozes.html",
        principal=principal,
        csrf_token=session_csrf,
        page=overview,
        can=can(principal),
        durations=DURATIONS,
        duration_label=duration_label,
    )


def duration_label(minutes: int, t: Any) -> str:
    """How the form names a duration, in the page's language (`t`, the translator)."""
    if minutes < 60:
        return str(t("minutes_30"))
    if minutes < 1440:
        return str(t("hours_n", n=minutes // 60))
    return str(t("days_n", n=minutes // 1440))
