"""Durable escalation timers: claimed one at a time, fired in the transaction that records the firing.

On PostgreSQL the claim is `SELECT … FOR UPDATE SKIP LOCKED`, so several escalation instances can
run the scheduler and no timer fires twice; a restart loses nothing, since timers are rows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.orm import EscalationTimer, Incident
from pidesk.services.escalation.adapters.repository import IncidentRepository, IncidentStore
from pidesk.services.escalation.service.assessing import PENDING
from pidesk.services.escalation.service.routing import (
    ACK_DEADLINE,
    OBLIGATION_REMINDER,
    RoutingRules,
    schedule,
    tell,
)
from pidesk.shared.db.base import utcnow
from pidesk.shared.vocabulary import RiskLevel

log = logging.getLogger(__name__)
MAX_PER_TICK = 500


async def fire_next_timer(
    sessions: async_sessionmaker[AsyncSession], rules: RoutingRules, *, now: datetime
) -> EscalationTimer | None:
    """Fire the most overdue timer, if any is due; returns it (with its outcome) or None."""
    async with sessions() as session, session.begin():
        claim = (
            select(EscalationTimer)
            .where(EscalationTimer.fired_at.is_(None), EscalationTimer.due_at <= now)
            .order_by(EscalationTimer.due_at, EscalationTimer.id)
            .limit(1)
        )
        if session.bind.dialect.name == "postgresql":
            claim = claim.with_for_update(skip_locked=True)
        timer = await session.scalar(claim)
        if timer is None:
            return None
        incident = await session.get(Incident, timer.incident_id)
        assert incident is not None
        incidents = IncidentRepository(session)
        timer.fired_at = now
        timer.outcome = _fire(incidents, incident, timer, rules, now=now)
        await schedule(incidents, incident, rules, now=now)
        return timer


def _fire(
    store: IncidentStore, incident: Incident, timer: EscalationTimer, rules: RoutingRules, *, now: datetime
) -> str:
    if incident.closed_at is not None:
        return "closed"
    if timer.kind == ACK_DEADLINE:
        if incident.acknowledged_at is not None:
            return "acknowledged"
        tier = rules.policy.next_tier({r.target for r in incident.routes})
        step = max((r.step for r in incident.routes), default=0) + 1
        deadline = now + rules.policy.ack_deadline(RiskLevel(incident.risk_level or "low"))
        tell(store, incident, rules, target=tier, step=step, reason="escalated", now=now, ack_due_at=deadline)
        return f"escalated:{tier}"
    if timer.kind == OBLIGATION_REMINDER:
        obligation = next((o for o in incident.obligations if o.code == timer.obligation_code), None)
        if obligation is None or obligation.status != PENDING:
            return "obligation_closed"
        step = max((r.step for r in incident.routes), default=1)
        tell(
            store,
            incident,
            rules,
            target=rules.policy.obligation_reminder.target,
            step=step,
            reason="obligation_reminder",
            now=now,
            ack_due_at=None,
            obligation_code=obligation.code,
        )
        return f"reminded:{rules.policy.obligation_reminder.target}"
    return "unknown_kind"


class TimerScheduler:
    """Fires due timers until none is due, then sleeps `interval` seconds; runs for the service's life."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rules: RoutingRules,
        *,
        interval: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._rules = rules
        self._interval = interval
        self._clock = clock
        self._on_commit = on_commit or (lambda: None)

    async def run(self) -> None:
        while True:
            try:
                for _ in range(MAX_PER_TICK):  # bounded, so one tick can never spin forever
                    fired = await fire_next_timer(self._sessions, self._rules, now=self._clock())
                    if fired is None:
                        break
                    log.info(
                        "timer fired",
                        extra={"incident_id": str(fired.incident_id), "kind": fired.kind, "outcome": fired.outcome},
                    )
                    self._on_commit()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the scheduler must outlive a database outage
                log.warning("timer scheduler paused", extra={"error": repr(exc)})
            await asyncio.sleep(self._interval)
