"""Use case steps: a growing group of alerts tells the people on its incident again — at once after a
quiet window, otherwise folded into one update when the window ends (domain/group_updates.py).

Durable like every escalation clock: an update sent is a fired `group_update` timer (its `fired_at`
is when the people were told), a folded one a pending timer, so a restart neither drops nor repeats
one. Each person already told about the incident gets one `pidesk.escalation.requested.v1` with
reason `group_update` per update, under the first role they were told as. Growth made only of alerts
a snooze covered tells no one (unless it brought an obligation)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.alerts import AlertRepository
from pidesk.services.escalation.adapters.orm import AssessmentRecord, EscalationTimer, Incident, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.domain.group_updates import when_to_tell
from pidesk.services.escalation.service.assessing import PENDING, PRODUCER
from pidesk.services.escalation.service.routing import RoutingRules, nearest_obligation, obligation_ref
from pidesk.shared.events import EscalationRequested, GroupProgress, Recipient
from pidesk.shared.vocabulary import RiskLevel

GROUP_UPDATE = "group_update"
SENT = "sent"


async def tell_growth(incidents: IncidentRepository, incident: Incident, rules: RoutingRules, *, now: datetime) -> None:
    """The incident's group grew: tell its people now, or fold this into the update due at the end of
    the window. Nothing before anyone was told, nor once the incident is closed."""
    if incident.closed_at is not None or not incident.routes:
        return
    timers = await _group_timers(incidents.session, incident.id)
    last = _last_told(timers)
    folding = any(t.fired_at is None for t in timers)
    telling = when_to_tell(last_told=last, folding=folding, now=now, window=rules.group_update_window)
    if telling.now:
        if await send_group_update(incidents, incident, since=last, now=now):
            incidents.add(EscalationTimer(incident=incident, kind=GROUP_UPDATE, due_at=now, fired_at=now, outcome=SENT))
    elif telling.fold_until is not None:
        incidents.add(EscalationTimer(incident=incident, kind=GROUP_UPDATE, due_at=telling.fold_until))


async def fire_group_update(incidents: IncidentRepository, incident: Incident, *, now: datetime) -> str:
    """A folded update's window has ended (its timer is being fired): tell what grew since the last."""
    locked = await incidents.get_for_update(incident.id)  # growth being recorded now waits, then folds anew
    if locked is None or locked.closed_at is not None:
        return "closed"
    last = _last_told(await _group_timers(incidents.session, incident.id))
    return SENT if await send_group_update(incidents, locked, since=last, now=now) else "nothing_new"


async def send_group_update(
    incidents: IncidentRepository, incident: Incident, *, since: datetime | None, now: datetime
) -> bool:
    """One group update to everyone told so far, about the growth since `since` (the last update;
    None: the first routing). False, and nothing sent, when nothing grew."""
    since = since or min(r.notified_at for r in incident.routes)
    session = incidents.session
    alerts = AlertRepository(session)
    new_alerts = await alerts.grouped_since(incident.id, since)
    gained = await _obligations_gained(session, incident, since)
    if not new_alerts and not gained:
        return False
    if not gained and not await alerts.grouped_since(incident.id, since, unsnoozed=True):
        return False  # only alerts the desk snoozed: stored and listed, no mail
    progress = GroupProgress(
        since=since,
        new_alerts=new_alerts,
        total_alerts=incident.alert_count,
        affected_count=incident.facts.get("affected_count"),
        new_obligations=gained,
    )
    nearest = obligation_ref(nearest_obligation(incident))
    audiences = told_so_far(incident)
    for target, step, people in audiences:
        event = EscalationRequested(
            reference=incident.reference,
            target=target,
            step=step,
            reason=GROUP_UPDATE,
            risk_level=incident.risk_level or RiskLevel.LOW.value,
            recipients=[Recipient(**p) for p in people],
            nearest_obligation=nearest,
            requested_at=now,
            source=incident.source,
            group=progress,
        )
        incidents.publish(event.envelope(incident_id=incident.id, producer=PRODUCER, occurred_at=now))
    incident.timeline.append(
        TimelineEntry(
            at=now,
            kind=GROUP_UPDATE,
            by=PRODUCER,
            detail={
                **progress.model_dump(mode="json"),
                "targets": [target for target, _, _ in audiences],
                "recipients": sum(len(people) for _, _, people in audiences),
            },
        )
    )
    return True


def told_so_far(incident: Incident) -> list[tuple[str, int, list[dict[str, Any]]]]:
    """(target, its latest step, its people) for every role told about the incident, in the order
    first told; a person told under several roles is listed once, under the first."""
    seen: set[str] = set()
    audiences: dict[str, tuple[int, list[dict[str, Any]]]] = {}
    for route in incident.routes:
        step, people = audiences.get(route.target, (route.step, []))
        for person in route.recipients:
            address = str(person.get("email", "")).lower()
            if address and address not in seen:
                seen.add(address)
                people.append(person)
        audiences[route.target] = (max(step, route.step), people)
    return [(target, step, people) for target, (step, people) in audiences.items() if people]


def _last_told(timers: list[EscalationTimer]) -> datetime | None:
    return max((t.fired_at for t in timers if t.outcome == SENT and t.fired_at is not None), default=None)


async def _group_timers(session: AsyncSession, incident_id: uuid.UUID) -> list[EscalationTimer]:
    statement = select(EscalationTimer).where(
        EscalationTimer.incident_id == incident_id, EscalationTimer.kind == GROUP_UPDATE
    )
    return list((await session.scalars(statement)).all())


async def _obligations_gained(session: AsyncSession, incident: Incident, since: datetime) -> list[str]:
    """Obligations the re-assessments since `since` added that are still pending."""
    changes = await session.scalars(
        select(AssessmentRecord.changes).where(
            AssessmentRecord.incident_id == incident.id, AssessmentRecord.assessed_at > since
        )
    )
    added = {code for change in changes.all() for code in (change or {}).get("obligations_added", [])}
    pending = {o.code for o in incident.obligations if o.status == PENDING}
    return sorted(added & pending)
