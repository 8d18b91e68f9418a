"""A government request's tier that lets its acknowledgement deadline pass is escalated: the next tier of
the path is told (past the top, the officer in charge again), with its own deadline — as an incident's
unacknowledged step climbs its chain (docs/rules.md §4, §7). The routes are rows: a restart loses
nothing, and on PostgreSQL several escalation instances share the work (`FOR UPDATE SKIP LOCKED`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.cases import CaseRepository
from pidesk.services.escalation.adapters.orm import CaseRoute
from pidesk.services.escalation.domain.case_alerts import ESCALATED
from pidesk.services.escalation.domain.case_policy import CasePolicy
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.government_requests import escalation_step
from pidesk.services.escalation.service.case_routes import tell_tier
from pidesk.services.escalation.service.cases import REQUEST
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import on_postgresql
from pidesk.shared.vocabulary import CaseKind

log = logging.getLogger(__name__)
MAX_PER_TICK = 200


async def escalate_overdue(
    sessions: async_sessionmaker[AsyncSession], policy: CasePolicy, directory: Directory, now: datetime
) -> int:
    """Escalate every request tier past its deadline, unacknowledged and not escalated yet, telling the next
    tier's people (service/case_routes.py); how many."""
    async with sessions() as session, session.begin():
        claim = (
            select(CaseRoute)
            .where(
                CaseRoute.case_kind == REQUEST,
                CaseRoute.acknowledged_at.is_(None),
                CaseRoute.escalated_at.is_(None),
                CaseRoute.ack_due_at < now,
            )
            .order_by(CaseRoute.ack_due_at, CaseRoute.id)
            .limit(MAX_PER_TICK)
        )
        if on_postgresql(session):
            claim = claim.with_for_update(skip_locked=True)
        overdue = list(await session.scalars(claim))
        cases = CaseRepository(session)
        deadlines, path = policy.request_deadlines(), policy.government_requests.path
        for route in overdue:
            route.escalated_at = now
            request = await cases.request(route.case_id)
            if request is None:  # a route outlives no request: nothing to tell
                continue
            step = escalation_step(route.step, now, deadlines, path)
            tell_tier(cases, directory, CaseKind.GOVERNMENT_REQUEST, request, step, ESCALATED, now)
            cases.note(REQUEST, [route.case_id], None, ESCALATED, now)
        return len(overdue)


class CaseEscalator:
    """Checks for overdue tiers every `interval` seconds for the service's life."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        policy: CasePolicy,
        directory: Directory,
        *,
        interval: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions, self._policy, self._directory = sessions, policy, directory
        self._interval, self._clock, self._on_commit = interval, clock, on_commit

    async def run(self) -> None:
        while True:
            try:
                escalated = await escalate_overdue(self._sessions, self._policy, self._directory, self._clock())
                if escalated:
                    log.info("case tiers escalated", extra={"count": escalated})  # counts only: nothing of the case
                    if self._on_commit is not None:
                        self._on_commit()  # the relay publishes the escalation requests now
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a database outage
                log.warning("case escalation paused", extra={"error_type": type(exc).__name__})
            await asyncio.sleep(self._interval)
