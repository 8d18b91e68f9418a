"""Desk use cases on snoozes: create one, end one early, open a snoozed incident (un-snooze); the reads
are read models (services/escalation/views/snoozes.py). One transaction each; who did what stays on
the snooze (created_by, ended_by), on the timelines of the incidents it opens, and in the audit log.

Ending a snooze early withdraws it: from then on it covers nothing, and every snoozed incident with
an alert it covered is opened and routed unless the snoozes still running cover all its alerts.
Expiry is only the time passing: what arrived while a snooze ran stays snoozed (the desk judged it
noise), and the desk may open any of it by hand.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pidesk.services.escalation.adapters.orm import Snooze
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.domain.snoozes import MAX_DURATION, SnoozeFilter, SnoozeOutcome, snooze_outcome
from pidesk.services.escalation.service.desk import DeskError, actor, locked_incident
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.services.escalation.service.snooze_states import BY_DESK, BY_SNOOZE_ENDED, is_snoozed
from pidesk.services.escalation.service.snoozing import open_snoozed
from pidesk.shared.http.auth import Principal


@dataclass(frozen=True)
class SnoozeRequest:
    filter: SnoozeFilter
    reason: str
    expires_at: datetime


def _clean(pattern: str | None) -> str | None:
    return pattern.strip() or None if pattern else None


async def create_snooze(uow: EscalationUnitOfWork, request: SnoozeRequest, principal: Principal, now: datetime) -> int:
    """A snooze running from now until `expires_at` (at most MAX_DURATION ahead); returns its id."""
    if request.filter.is_empty():
        raise DeskError("validation_error", "a snooze needs a filter narrower than '*'")
    if not now < request.expires_at <= now + MAX_DURATION:
        raise DeskError("validation_error", f"a snooze ends in the future, within {MAX_DURATION.days} days")
    async with uow:
        flt = request.filter
        row = Snooze(
            source=_clean(flt.source),
            rule=_clean(flt.rule),
            asset=_clean(flt.asset),
            actor=_clean(flt.actor),
            reason=request.reason,
            created_by=actor(principal),
            created_at=now,
            starts_at=now,
            expires_at=request.expires_at,
        )
        snooze_id = await uow.snoozes.add(row)
        await uow.commit()
        return snooze_id


async def end_snooze(
    uow: EscalationUnitOfWork, rules: RoutingRules, snooze_id: int, principal: Principal, now: datetime
) -> list[uuid.UUID]:
    """End a running snooze now; returns the snoozed incidents this opened (each routed at once)."""
    async with uow:
        row = await uow.snoozes.get(snooze_id, for_update=True)
        if row is None:
            raise DeskError("not_found", "no snooze with this id")
        if row.ended_at is not None:
            raise DeskError("snooze_ended", "the snooze was ended already")
        if row.expires_at <= now:
            raise DeskError("snooze_expired", "the snooze has expired already")
        await uow.snoozes.end(row, by=actor(principal), now=now)
        opened = await _open_uncovered(uow, rules, row, by=actor(principal), now=now)
        await uow.commit()
        return opened


async def _open_uncovered(
    uow: EscalationUnitOfWork, rules: RoutingRules, ended: Snooze, *, by: str, now: datetime
) -> list[uuid.UUID]:
    """Open the snoozed incidents whose alerts the snoozes still running no longer all cover."""
    snoozes = uow.snoozes
    candidates = await snoozes.snoozed_under_ended()
    if not candidates:
        return []
    running = await snoozes.running(now)
    incidents = uow.incidents
    opened = []
    for incident in await snoozes.locked_incidents(candidates):
        if not is_snoozed(incident):
            continue
        outcome, _ = snooze_outcome(await snoozes.group_keys(incident.id), running, [])
        if outcome is SnoozeOutcome.NONE:
            await open_snoozed(
                incidents, incident, rules, why=BY_SNOOZE_ENDED, by=by, now=now, ended_snooze_id=ended.id
            )
            opened.append(incident.id)
    return opened


async def unsnooze(
    uow: EscalationUnitOfWork, rules: RoutingRules, incident_id: uuid.UUID, principal: Principal, now: datetime
) -> uuid.UUID:
    """The desk opens a snoozed incident: routed at once, as if no snooze had matched."""
    async with uow:
        incident = await locked_incident(uow, incident_id)
        if not is_snoozed(incident):
            raise DeskError("not_snoozed", f"the incident is {incident.status}, not snoozed")
        await open_snoozed(uow.incidents, incident, rules, why=BY_DESK, by=actor(principal), now=now)
        await uow.commit()
        return incident.id
