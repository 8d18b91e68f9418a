"""The desk API's representation of an incident (CONTRACT.md, "Desk API")."""

from __future__ import annotations

from typing import Any

from pidesk.services.escalation.adapters.orm import Incident


def incident_detail(incident: Incident) -> dict[str, Any]:
    facts = incident.facts
    return {
        "incident_id": str(incident.id),
        "reference": incident.reference,
        "status": incident.status,
        "entity": incident.entity,
        "division": incident.division,
        "reporter": incident.reporter,
        "received_at": incident.received_at.isoformat(),
        "report": {
            "source": incident.source,
            "source_alert_id": incident.source_alert_id,
            **facts,
        },
        "assessment": None,
        "obligations": [],
        "routes": [],
        "timeline": [
            {"at": entry.at.isoformat(), "kind": entry.kind, "by": entry.by, "detail": entry.detail}
            for entry in incident.timeline
        ],
    }
