"""Use cases on incidents: record reported ones (one at a time, or a consumer batch), apply updates."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import Incident, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository, IncidentStore, NewIncidents
from pidesk.services.escalation.service.assessing import reassess
from pidesk.services.escalation.service.routing import RoutingRules, route_incident
from pidesk.shared.db.base import utcnow
from pidesk.shared.events import REPORT_FACTS, IncidentReported, IncidentUpdated


async def record_reported_incident(
    incidents: IncidentRepository, rules: RoutingRules, *, incident_id: uuid.UUID, event: IncidentReported
) -> bool:
    """Store a newly reported incident; False when it is already known (a second event for it)."""
    if await incidents.get(incident_id) is not None:
        return False
    await _open_incident(incidents, rules, incident_id, event, now=utcnow())
    return True


async def record_reported_incidents(
    session: AsyncSession, rules: RoutingRules, reported: Sequence[tuple[uuid.UUID, IncidentReported]]
) -> int:
    """A consumer batch of reported incidents, assessed and routed one by one and written together
    (one multi-row INSERT per table). Incidents already known are skipped; returns how many were new."""
    known = await IncidentRepository(session).known(incident_id for incident_id, _ in reported)
    batch = NewIncidents()
    now = utcnow()
    for incident_id, event in reported:
        if incident_id in known:
            continue
        known.add(incident_id)
        await _open_incident(batch, rules, incident_id, event, now=now)
    opened = len(batch)
    await batch.insert(session)
    return opened


async def _open_incident(
    store: IncidentStore, rules: RoutingRules, incident_id: uuid.UUID, event: IncidentReported, *, now: datetime
) -> Incident:
    payload = event.model_dump(mode="json")
    incident = Incident(
        id=incident_id,
        reference=event.reference,
        status="open",
        source=event.source.value,
        source_alert_id=event.source_alert_id,
        entity=event.reporter.entity,
        division=event.reporter.division,
        reporter=payload["reporter"],
        facts={k: payload[k] for k in REPORT_FACTS},
        aware_at=event.aware_at,
        received_at=event.received_at,
        assessment_version=0,
    )
    incident.timeline = [
        TimelineEntry(
            at=event.received_at,
            kind="reported",
            by=f"{event.source.value}:{event.reporter.email}",
            detail={"reference": event.reference},
        )
    ]
    store.add(incident)
    result = reassess(store, incident, reason="reported", by="escalation", now=now)
    await route_incident(store, incident, result, rules, now=now)
    return incident


async def record_incident_update(
    incidents: IncidentRepository, rules: RoutingRules, *, incident_id: uuid.UUID, event: IncidentUpdated
) -> bool:
    """Apply new facts to a known incident, put them on its timeline and re-assess; False when unknown."""
    incident = await incidents.get(incident_id)
    if incident is None:
        return False
    if event.changes:
        incident.facts = {**incident.facts, **event.changes}
    incident.timeline.append(
        TimelineEntry(
            at=event.updated_at,
            kind="updated",
            by=event.updated_by,
            detail={"reason": event.reason, "changes": event.changes, "vendor_state": event.vendor_state},
        )
    )
    if event.changes:
        now = utcnow()
        result = reassess(incidents, incident, reason=event.reason, by="escalation", now=now)
        await route_incident(incidents, incident, result, rules, now=now)
    return True
