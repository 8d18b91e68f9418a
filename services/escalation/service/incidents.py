"""Use cases on incidents: record reported ones (one at a time, or a consumer batch), apply updates.

A webhook incident comes with the DLP alerts it groups, and later updates bring more
(`alerts_grouped`): each alert is stored once, and the incident's facts follow its group."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.alerts import keys_of
from pidesk.services.escalation.adapters.orm import Incident, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository, IncidentStore, NewIncidents
from pidesk.services.escalation.domain.ledger_facts import LedgerIndex, named_assets
from pidesk.services.escalation.service.assessing import PRODUCER, reassess
from pidesk.services.escalation.service.group_updates import tell_growth
from pidesk.services.escalation.service.grouping import (
    categories_of,
    group_alerts,
    grouped_entry,
    open_with_alerts,
    regroup_stored,
    survivor_of,
    unowned,
)
from pidesk.services.escalation.service.ledger_changes import tell_new_owner
from pidesk.services.escalation.service.ledger_lookup import held_entries, look_up_again, look_up_reported, names_assets
from pidesk.services.escalation.service.routing import RoutingRules, route_incident
from pidesk.services.escalation.service.snoozing import snooze_if_matched, snooze_joined
from pidesk.shared.db.base import utcnow
from pidesk.shared.events import REPORT_FACTS, AlertRecord, IncidentReported, IncidentUpdated
from pidesk.shared.vocabulary import IncidentStatus, UpdateReason

ALERTS_GROUPED = UpdateReason.ALERTS_GROUPED  # intake's update of a group: alerts that joined it


@dataclass(frozen=True)
class Previous:
    """The incident a new one follows (its group's alerts went there before it was closed)."""

    id: uuid.UUID
    reference: str | None  # None: not known here


async def record_reported_incident(
    incidents: IncidentRepository,
    rules: RoutingRules,
    *,
    incident_id: uuid.UUID,
    event: IncidentReported,
    now: datetime | None = None,
) -> bool:
    """Store a newly reported incident; False when it is already known (a second event for it)."""
    if await incidents.get(incident_id) is not None:
        return False
    previous = None
    if event.follows_incident_id is not None:
        known = await incidents.references([event.follows_incident_id])
        previous = Previous(event.follows_incident_id, known.get(event.follows_incident_id))
    alerts = await unowned(incidents, event.alerts)
    ledger = await held_entries(incidents.session) if names_assets(event) else LedgerIndex(())
    await _open_incident(incidents, rules, incident_id, event, alerts, previous, ledger, now=now or utcnow())
    return True


async def record_reported_incidents(
    session: AsyncSession, rules: RoutingRules, reported: Sequence[tuple[uuid.UUID, IncidentReported]]
) -> int:
    """A consumer batch of reported incidents, assessed and routed one by one and written together
    (one multi-row INSERT per table, their alerts included). Incidents already known are skipped;
    returns how many were new."""
    repository = IncidentRepository(session)
    known = await repository.known(incident_id for incident_id, _ in reported)
    fresh = [(incident_id, event) for incident_id, event in reported if incident_id not in known]
    owners = await repository.alert_owners(keys_of([a for _, event in fresh for a in event.alerts]))
    followed = {e.follows_incident_id for _, e in fresh if e.follows_incident_id is not None}
    references = await repository.references(followed)
    # the ledger, read once for the batch (and only when one of its reports names an asset)
    ledger = await held_entries(session) if any(names_assets(event) for _, event in fresh) else LedgerIndex(())
    batch = NewIncidents(owners, session)
    now = utcnow()
    for incident_id, event in fresh:
        if incident_id in known:
            continue
        known.add(incident_id)
        previous = None
        if event.follows_incident_id is not None:
            previous = Previous(event.follows_incident_id, references.get(event.follows_incident_id))
        alerts = await unowned(batch, event.alerts)
        incident = await _open_incident(batch, rules, incident_id, event, alerts, previous, ledger, now=now)
        references[incident_id] = incident.reference  # a later one in the batch may follow it
    opened = len(batch)
    await batch.insert(session)
    return opened


async def _open_incident(
    store: IncidentStore,
    rules: RoutingRules,
    incident_id: uuid.UUID,
    event: IncidentReported,
    alerts: Sequence[AlertRecord],
    previous: Previous | None,
    ledger: LedgerIndex,
    *,
    now: datetime,
) -> Incident:
    payload = event.model_dump(mode="json")
    incident = Incident(
        id=incident_id,
        reference=event.reference,
        status=IncidentStatus.OPEN,
        source=event.source.value,
        source_alert_id=event.source_alert_id,
        entity=event.reporter.entity,
        division=event.reporter.division,
        reporter=payload["reporter"],
        facts={k: payload[k] for k in REPORT_FACTS},
        aware_at=event.aware_at,
        received_at=event.received_at,
        assessment_version=0,
        alert_count=0,
        follows_incident_id=event.follows_incident_id,
    )
    reported: dict[str, Any] = {"reference": event.reference}
    if event.alerts:
        reported["alerts"] = len(alerts)
    incident.timeline = [
        TimelineEntry(
            at=event.received_at,
            kind="reported",
            by=f"{event.source.value}:{event.reporter.email}",
            detail=reported,
        )
    ]
    store.add(incident)
    open_with_alerts(store, incident, alerts, now=now)
    if previous is not None:
        _link(store, incident, previous, now=now)
    look_up_reported(store, incident, event, ledger)
    result = reassess(store, incident, reason="reported", by="escalation", now=now, directory=rules.directory)
    await snooze_if_matched(store, incident, result, now=now)
    await route_incident(store, incident, result, rules, now=now)
    return incident


def _link(store: IncidentStore, incident: Incident, previous: Previous, *, now: datetime) -> None:
    """A group's alerts after its incident was closed: the new incident and the closed one name each other."""
    incident.timeline.append(
        TimelineEntry(
            at=now,
            kind="follows",
            by=PRODUCER,
            detail={"incident_id": str(previous.id), "reference": previous.reference},
        )
    )
    if previous.reference is not None:
        store.add(
            TimelineEntry(
                incident_id=previous.id,
                at=now,
                kind="followed_by",
                by=PRODUCER,
                detail={"incident_id": str(incident.id), "reference": incident.reference},
            )
        )


async def record_incident_update(
    incidents: IncidentRepository,
    rules: RoutingRules,
    *,
    incident_id: uuid.UUID,
    event: IncidentUpdated,
    now: datetime | None = None,
) -> bool:
    """Apply new facts and grouped alerts to a known incident (to its survivor, once it was merged),
    put them on its timeline and re-assess when its facts changed; False when the incident is unknown."""
    incident = await (incidents.get_for_update if event.alerts else incidents.get)(incident_id)
    if incident is None:
        return False
    now = now or utcnow()
    target = await survivor_of(incidents, incident)
    via = {} if target is incident else {"via": {"incident_id": str(incident.id), "reference": incident.reference}}
    if target is not incident:
        incident.timeline.append(
            TimelineEntry(
                at=now,
                kind="forwarded",
                by=PRODUCER,
                detail={"reason": event.reason, "incident_id": str(target.id), "reference": target.reference},
            )
        )
    if event.changes:
        target.facts = {**target.facts, **event.changes}
    if event.changes or event.reason != ALERTS_GROUPED:
        target.timeline.append(
            TimelineEntry(
                at=event.updated_at,
                kind="updated",
                by=event.updated_by,
                detail={"reason": event.reason, "changes": event.changes, "vendor_state": event.vendor_state, **via},
            )
        )
    facts_changed = bool(event.changes)
    growth = await group_alerts(incidents, target, event.alerts, now=now) if event.alerts else None
    if growth is not None and growth.regrouped is not None:
        regrouped = growth.regrouped
        # a vendor's update of its own alert that changed nothing is on the timeline as `updated` already
        if growth.new_alerts or regrouped.facts_changed or event.reason == ALERTS_GROUPED:
            refreshed = len(growth.refreshed.get(target.id, []))
            grouped_entry(
                target,
                new_alerts=growth.new_alerts,
                regrouped=regrouped,
                by=event.updated_by,
                now=now,
                refreshed=refreshed,
                extra=via,
            )
        facts_changed = facts_changed or regrouped.facts_changed
    elif event.changes and target.alert_count:
        await regroup_stored(incidents, target)  # the group decides the count: new facts do not undo it
    if "assets" in event.changes or any(alert.asset for alert in event.alerts):
        places = [(alert.source.value, alert.asset) for alert in event.alerts]
        more = named_assets(target.source, [], places)
        facts_changed = await look_up_again(incidents.session, target, more=more) or facts_changed
    if facts_changed:
        owner = (target.entity, target.division)
        result = reassess(incidents, target, reason=event.reason, by="escalation", now=now, directory=rules.directory)
        await route_incident(incidents, target, result, rules, now=now)
        tell_new_owner(incidents, target, owner, result, rules, now=now)
    await snooze_joined(incidents, target, growth, rules, now=now)
    if growth is not None:
        for owner_id, records in growth.refreshed.items():
            if owner_id != target.id:
                await _refresh(incidents, rules, owner_id, records, by=event.updated_by, now=now)
        if growth.new_alerts:
            await tell_growth(incidents, target, rules, now=now)
    return True


async def _refresh(
    incidents: IncidentRepository,
    rules: RoutingRules,
    incident_id: uuid.UUID,
    records: Sequence[AlertRecord],
    *,
    by: str,
    now: datetime,
) -> None:
    """A vendor sent again alerts that now belong to another incident (after a split or a merge)."""
    owner = await incidents.get_for_update(incident_id)
    if owner is None:
        return
    regrouped = await regroup_stored(incidents, owner, categories_of(records))
    grouped_entry(owner, new_alerts=0, regrouped=regrouped, by=by, now=now, refreshed=len(records))
    if regrouped.facts_changed:
        result = reassess(
            incidents, owner, reason="alerts_grouped", by="escalation", now=now, directory=rules.directory
        )
        await route_incident(incidents, owner, result, rules, now=now)
