"""Use cases on incidents: record a reported one; read one for the desk."""

from __future__ import annotations

import uuid

from pidesk.services.escalation.adapters.orm import Incident, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository
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
    incidents.add(incident)
    now = utcnow()
    result = reassess(incidents.session, incident, reason="reported", by="escalation", now=now)
    await route_incident(incidents.session, incident, result, rules, now=now)
    return True


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
        result = reassess(incidents.session, incident, reason=event.reason, by="escalation", now=now)
        await route_incident(incidents.session, incident, result, rules, now=now)
    return True
