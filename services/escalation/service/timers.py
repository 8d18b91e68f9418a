"""Durable escalation timers: claimed one at a time, fired in the transaction that records the firing.

On PostgreSQL the claim is `SELECT … FOR UPDATE SKIP LOCKED`, so several escalation instances can
run the scheduler and no timer fires twice; a restart loses nothing, since timers are rows."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.orm import EscalationTimer, Incident, ObligationRecord
from pidesk.services.escalation.adapters.repository import OBLIGATION_REMINDER, IncidentRepository, IncidentStore
from pidesk.services.escalation.domain.closing import dated_by_close
from pidesk.services.escalation.service.assessing import PENDING
from pidesk.services.escalation.service.group_updates import GROUP_UPDATE, fire_group_update
from pidesk.services.escalation.service.ledger_changes import handle_next_ledger_change
from pidesk.services.escalation.service.routing import (
    ACK_DEADLINE,
    RoutingRules,
    schedule,
    tell,
)
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import on_postgresql
from pidesk.shared.events import Envelope, EscalationRequested, ObligationRef
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
        if on_postgresql(session):
            claim = claim.with_for_update(skip_locked=True)
        timer = await session.scalar(claim)
        if timer is None:
            return None
        incident = await session.get(Incident, timer.incident_id)
        assert incident is not None
        incidents = IncidentRepository(session)
        timer.fired_at = now
        if timer.kind == GROUP_UPDATE:  # a growing group's folded update (service/group_updates.py)
            timer.outcome = await fire_group_update(incidents, incident, now=now)
        else:
            together = await _reminders_due_with(session, timer, now) if timer.kind == OBLIGATION_REMINDER else []
            timer.outcome = _fire(incidents, incident, timer, rules, now=now, together=together)
        await schedule(incidents, incident, rules, now=now)
        return timer


def _fire(
    store: IncidentStore,
    incident: Incident,
    timer: EscalationTimer,
    rules: RoutingRules,
    *,
    now: datetime,
    together: list[EscalationTimer] | None = None,
) -> str:
    after_close = timer.kind == OBLIGATION_REMINDER and dated_by_close(timer.obligation_code or "")
    if incident.closed_at is not None and not after_close:  # a duty the close dated reminds after it
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
        # one reminder for every pending obligation whose reminder is due now (issue 11: one mail listing them)
        pending = {o.code: o for o in incident.obligations if o.status == PENDING}
        joined = [t for t in together or [] if t.obligation_code in pending and t.obligation_code != obligation.code]
        covered = sorted(
            [obligation, *(pending[str(t.obligation_code)] for t in joined)], key=lambda o: (o.due_at, o.code)
        )
        for sibling in joined:
            sibling.fired_at, sibling.outcome = now, f"reminded_with:{timer.id}"
        step = max((r.step for r in incident.routes), default=1)
        tell(
            cast(IncidentStore, _Reminding(store, covered)),
            incident,
            rules,
            target=rules.policy.obligation_reminder.target,
            step=step,
            reason="obligation_reminder",
            now=now,
            ack_due_at=None,
            obligation_code=covered[0].code,  # the first, as before the list
        )
        entry = incident.timeline[-1]
        entry.detail = {**entry.detail, "obligation_codes": [o.code for o in covered]}
        return f"reminded:{rules.policy.obligation_reminder.target}"
    return "unknown_kind"


async def _reminders_due_with(session: AsyncSession, timer: EscalationTimer, now: datetime) -> list[EscalationTimer]:
    """The incident's other obligation reminders due by now: they go in the same reminder. Locked; one
    another instance is firing is skipped (it reminds of that obligation itself)."""
    statement = select(EscalationTimer).where(
        EscalationTimer.incident_id == timer.incident_id,
        EscalationTimer.kind == OBLIGATION_REMINDER,
        EscalationTimer.fired_at.is_(None),
        EscalationTimer.due_at <= now,
        EscalationTimer.id != timer.id,
    )
    if on_postgresql(session):
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.scalars(statement.order_by(EscalationTimer.id))).all())


class _Reminding:
    """The incident store as `tell` sees it for one reminder: the event it publishes lists every
    obligation the reminder covers (`EscalationRequested.obligations`)."""

    def __init__(self, store: IncidentStore, covered: list[ObligationRecord]) -> None:
        self._store = store
        self._covered = [
            ObligationRef(code=o.code, due_at=o.due_at, target_at=o.target_at, status=o.status, basis=o.basis)
            for o in covered
        ]

    def publish(self, envelope: Envelope) -> None:
        payload = {**envelope.payload, "obligations": [o.model_dump(mode="json") for o in self._covered]}
        EscalationRequested.model_validate(payload)  # still the contract's event
        self._store.publish(envelope.model_copy(update={"payload": payload}))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


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
                for _ in range(MAX_PER_TICK):  # ledger changes: their incidents re-assessed, durably
                    change = await handle_next_ledger_change(self._sessions, self._rules, now=self._clock())
                    if change is None:
                        break
                    log.info(
                        "ledger change handled",
                        extra={"entry_id": change.entry_id, "version": change.version, "reassessed": change.reassessed},
                    )
                    self._on_commit()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the scheduler must outlive a database outage
                log.warning("timer scheduler paused", extra={"error": repr(exc)})
            await asyncio.sleep(self._interval)
