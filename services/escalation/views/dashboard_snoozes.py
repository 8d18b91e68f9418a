"""What the dashboard's snoozes page reads: running snoozes, recent past ones (each with what it matched),
and the incidents snoozed now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from pidesk.services.escalation.adapters.orm import Incident
from pidesk.services.escalation.adapters.snoozes import SNOOZED, SnoozeRepository
from pidesk.services.escalation.views.presenters import snooze_view

RUNNING_SHOWN = 200
PAST_SHOWN = 50
SNOOZED_SHOWN = 500


@dataclass(frozen=True)
class SnoozeOverview:
    running: list[dict[str, Any]]
    past: list[dict[str, Any]]
    snoozed: list[Incident]
    reasons: dict[int, str]  # snooze id -> reason, for the snoozed incidents


async def snooze_overview(session: AsyncSession, now: datetime) -> SnoozeOverview:
    """The page's snoozes and snoozed incidents, with the reason of every snooze an incident names."""
    snoozes = SnoozeRepository(session)
    running = await snoozes.page(active=True, now=now, before_id=None, limit=RUNNING_SHOWN)
    past = await snoozes.page(active=False, now=now, before_id=None, limit=PAST_SHOWN)
    matches = await snoozes.matches([s.id for s in (*running, *past)])
    snoozed = (
        await session.scalars(
            select(Incident)
            .where(Incident.status == SNOOZED)
            .options(lazyload(Incident.timeline), lazyload(Incident.routes))
            .order_by(Incident.received_at.desc())
            .limit(SNOOZED_SHOWN)
        )
    ).all()
    reasons = {s.id: s.reason for s in (*running, *past)}
    missing = {i.matched_snooze_id for i in snoozed if i.matched_snooze_id and i.matched_snooze_id not in reasons}
    for snooze_id in missing:
        row = await snoozes.get(snooze_id)
        if row is not None:
            reasons[row.id] = row.reason
    return SnoozeOverview(
        running=[snooze_view(s, matches[s.id], now) for s in running],
        past=[snooze_view(s, matches[s.id], now) for s in past],
        snoozed=list(snoozed),
        reasons=reasons,
    )
