"""The desk's reads of snoozes: one snooze with what it matched, and the list in pages."""

from __future__ import annotations

from datetime import datetime

from pidesk.services.escalation.adapters.snoozes import SnoozeRepository
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.service.desk import DeskError
from pidesk.services.escalation.views.models import SnoozePage, SnoozeView
from pidesk.services.escalation.views.presenters import snooze_view


async def snooze(uow: EscalationUnitOfWork, snooze_id: int, *, now: datetime) -> SnoozeView:
    """The snooze with its state at `now` and what it matched (DeskError not_found if there is none)."""
    async with uow:
        snoozes = SnoozeRepository(uow.session)
        row = await snoozes.get(snooze_id)
        if row is None:
            raise DeskError("not_found", "no snooze with this id")
        return SnoozeView.model_validate(snooze_view(row, (await snoozes.matches([row.id]))[row.id], now))


async def snooze_page(
    uow: EscalationUnitOfWork, *, active: bool | None, before_id: int | None, limit: int, now: datetime
) -> SnoozePage:
    """Newest first, each with what it matched; `active`: running now, or not."""
    async with uow:
        snoozes = SnoozeRepository(uow.session)
        rows = await snoozes.page(active=active, now=now, before_id=before_id, limit=limit)
        matches = await snoozes.matches([r.id for r in rows])
        return SnoozePage.model_validate(
            {
                "items": [snooze_view(r, matches[r.id], now) for r in rows],
                "next_before_id": rows[-1].id if len(rows) == limit and rows else None,
            }
        )
