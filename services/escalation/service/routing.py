"""Use case steps: route an assessed incident, tell roles, and keep its durable timers in step.

Every "tell" is a route record, a timeline entry and a `pidesk.escalation.requested.v1` event in the
outbox, in the caller's transaction. A snoozed incident is told nothing and has no timers, until a
statutory obligation overrides its snooze (or something else opens it, service/snoozing.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pidesk.services.escalation.adapters.orm import (
    EscalationTimer,
    Incident,
    ObligationRecord,
    RouteRecord,
    TimelineEntry,
)
from pidesk.services.escalation.adapters.repository import OBLIGATION_REMINDER, IncidentStore
from pidesk.services.escalation.domain.assessment import Assessment
from pidesk.services.escalation.domain.closing import reminds
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.group_updates import DEFAULT_WINDOW
from pidesk.services.escalation.domain.reminders import next_reminder, reminder_times
from pidesk.services.escalation.domain.routing import RoutingPolicy, route
from pidesk.services.escalation.domain.snoozes import statutory
from pidesk.services.escalation.service.assessing import PENDING, PRODUCER, facts_of
from pidesk.services.escalation.service.snooze_states import is_snoozed, override
from pidesk.shared.events import EscalationRequested, ObligationRef, Recipient
from pidesk.shared.vocabulary import ReportSource, RiskLevel

ACK_DEADLINE = "ack_deadline"


@dataclass(frozen=True)
class RoutingRules:
    policy: RoutingPolicy
    directory: Directory
    # a growing group of alerts tells its people at most once per window (ESCALATION_GROUP_UPDATE_SECONDS)
    group_update_window: timedelta = DEFAULT_WINDOW
    # who holds a target for an entity and division, as stored and as sent: the directory does not change
    # while the rules live, and a consumer batch asks the same question for most of its incidents
    _told: dict[tuple[str, str, str], tuple[tuple[dict[str, Any], ...], tuple[Recipient, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def recipients(
        self, target: str, entity: str, division: str
    ) -> tuple[tuple[dict[str, Any], ...], tuple[Recipient, ...]]:
        """The people holding `target` (directory.people) as route-record rows and as event recipients."""
        key = (target, entity, division)
        found = self._told.get(key)
        if found is None:
            found = self._told[key] = holders(self.directory, target, entity, division)
        return found


def holders(
    directory: Directory, target: str, entity: str, division: str
) -> tuple[tuple[dict[str, Any], ...], tuple[Recipient, ...]]:
    """The people holding `target` for an entity and division (directory.people), as stored route rows and
    as the recipients of an escalation request: an incident's routes and a case's tiers alike."""
    people = directory.people(target, entity_name=entity, division=division)  # type: ignore[arg-type]  # a policy target
    rows = tuple(p.model_dump(mode="json") for p in people)
    return rows, tuple(Recipient.model_validate(r) for r in rows)


def nearest_obligation(incident: Incident) -> ObligationRecord | None:
    pending = [o for o in incident.obligations if o.status == PENDING]
    return min(pending, key=lambda o: o.due_at) if pending else None


def obligation_ref(record: ObligationRecord | None) -> ObligationRef | None:
    if record is None:
        return None
    return ObligationRef(
        code=record.code, due_at=record.due_at, target_at=record.target_at, status=record.status, basis=record.basis
    )


def tell(
    store: IncidentStore,
    incident: Incident,
    rules: RoutingRules,
    *,
    target: str,
    step: int,
    reason: str,
    now: datetime,
    ack_due_at: datetime | None,
    obligation_code: str | None = None,
) -> RouteRecord:
    rows, people = rules.recipients(target, incident.entity, incident.division)
    recipients = [dict(r) for r in rows]  # the record's own copies: a stored JSON value is never shared
    record = RouteRecord(
        target=target, step=step, reason=reason, recipients=recipients, notified_at=now, ack_due_at=ack_due_at
    )
    incident.routes.append(record)
    incident.timeline.append(
        TimelineEntry(
            at=now,
            kind="escalated" if reason in ("escalated", "manual", "obligation_reminder") else "notified",
            by=PRODUCER,
            detail={
                "target": target,
                "step": step,
                "reason": reason,
                "recipients": len(recipients),
                "obligation_code": obligation_code,
            },
        )
    )
    nearest = nearest_obligation(incident)
    # built from values already validated (the directory, the incident's columns): no second validation
    event = EscalationRequested.model_construct(
        reference=incident.reference,
        target=target,
        step=step,
        reason=reason,
        risk_level=incident.risk_level or RiskLevel.LOW.value,
        recipients=list(people),
        ack_due_at=ack_due_at,
        nearest_obligation=obligation_ref(nearest),
        obligation_code=obligation_code,
        requested_at=now,
        source=ReportSource(incident.source) if incident.source else None,
        obligations=[],  # every field given: a default factory would make model_construct inspect it
        group=None,
    )
    store.publish(event.envelope(incident_id=incident.id, producer=PRODUCER, occurred_at=now))
    return record


async def route_incident(
    store: IncidentStore, incident: Incident, result: Assessment, rules: RoutingRules, *, now: datetime
) -> list[RouteRecord]:
    """Tell the targets the policy wants that were not told yet, then bring the timers up to date.
    A snoozed incident stays silent unless the assessment gives it a statutory obligation: then it opens."""
    if is_snoozed(incident):
        overriding = statutory(o.code for o in result.obligations)
        if not overriding:
            return []  # it never had timers: an open incident is never snoozed
        override(incident, [], overriding, now=now)
    told = {r.target for r in incident.routes}
    open_incident = incident.closed_at is None
    deadline = now + rules.policy.ack_deadline(result.risk_level) if incident.acknowledged_at is None else None
    new = [
        tell(store, incident, rules, target=rule.target, step=rule.step, reason="routed", now=now, ack_due_at=deadline)
        for rule in route(rules.policy, facts_of(incident, rules.directory), result)
        if rule.target not in told and open_incident
    ]
    await schedule(store, incident, rules, now=now)
    return new


def _stopped(incident: Incident) -> str:
    return "snoozed" if is_snoozed(incident) else "closed"


def reminder_due(due_at: datetime, received_at: datetime, lead: timedelta) -> datetime:
    """The first reminder of an obligation (domain/reminders.py has the rule and its short-deadline reading)."""
    return reminder_times(due_at, received_at, lead)[0]


async def schedule(store: IncidentStore, incident: Incident, rules: RoutingRules, *, now: datetime) -> None:
    """One pending acknowledgement timer while unacknowledged; one reminder per pending obligation.
    None for a closed or a snoozed incident."""
    timers = await store.pending_timers(incident)
    closed = incident.closed_at is not None or is_snoozed(incident)
    ack = [t for t in timers if t.kind == ACK_DEADLINE]
    waiting = [r for r in incident.routes if r.ack_due_at and r.acknowledged_at is None]
    if incident.acknowledged_at is None and not closed and waiting:
        # the clock of the latest batch told: an escalation or a re-routing restarts it
        latest = max(r.notified_at for r in waiting)
        due = min(r.ack_due_at for r in waiting if r.notified_at == latest and r.ack_due_at)
        if ack:
            ack[0].due_at = min(ack[0].due_at, due)
        else:
            store.add(EscalationTimer(incident=incident, kind=ACK_DEADLINE, due_at=due))
    else:
        for timer in ack:
            timer.fired_at, timer.outcome = now, "acknowledged" if incident.acknowledged_at else _stopped(incident)
    reminders = {t.obligation_code: t for t in timers if t.kind == OBLIGATION_REMINDER}
    reminded = await store.fired_reminders(incident)
    lead: timedelta = rules.policy.reminder_lead()
    for obligation in incident.obligations:
        reminder = reminders.pop(obligation.code, None)
        if obligation.status != PENDING or not reminds(obligation.code, incident.closed_at, silenced=closed):
            if reminder is not None:
                reminder.fired_at, reminder.outcome = now, f"obligation_{obligation.status}"
            continue
        times = reminder_times(obligation.due_at, incident.received_at, lead)
        remind_at = next_reminder(times, {at for code, at in reminded if code == obligation.code}, now)
        if remind_at is None:
            continue  # every reminder of this deadline has fired
        if reminder is None:
            store.add(
                EscalationTimer(
                    incident=incident, kind=OBLIGATION_REMINDER, due_at=remind_at, obligation_code=obligation.code
                )
            )
        else:
            reminder.due_at = remind_at
    for timer in reminders.values():
        timer.fired_at, timer.outcome = now, "obligation_gone"
