"""The dashboard's routers, in the order the app matches (and documents) them."""

from __future__ import annotations

from fastapi import APIRouter

from pidesk.services.escalation.dashboard import (
    board_page,
    case_pages,
    events,
    incident,
    ledger_page,
    notices,
    sign_in,
    snooze_page,
    statistics,
)


def dashboard_routers() -> list[APIRouter]:
    """Sign-in, the board, the live stream, an incident, the snoozes, the ledger, a notice's preview,
    statistics."""
    return [
        sign_in.router,
        board_page.router,
        events.router,
        incident.router,
        snooze_page.router,
        ledger_page.router,
        notices.router,
        statistics.router,
        case_pages.router,  # government requests and complaints (issue 17)
    ]
