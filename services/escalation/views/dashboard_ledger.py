"""The dashboard's reads around the ledger: the incidents whose assets an entry covers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import Incident, IncidentAsset

MAX_LISTED = 200


async def entry_incidents(session: AsyncSession, entry_id: str) -> list[dict[str, Any]]:
    """The incidents whose assets the entry covers (newest first): reference, status, risk, the assets and
    the entry's version each was last assessed with."""
    rows = (
        await session.execute(
            select(
                Incident.id,
                Incident.reference,
                Incident.status,
                Incident.risk_level,
                Incident.received_at,
                IncidentAsset.asset,
                IncidentAsset.entry_version,
            )
            .join(IncidentAsset, IncidentAsset.incident_id == Incident.id)
            .where(IncidentAsset.entry_id == entry_id)
            .order_by(Incident.received_at.desc(), Incident.id, IncidentAsset.asset)
            .limit(MAX_LISTED * 5)
        )
    ).all()
    found: dict[str, dict[str, Any]] = {}
    for incident_id, reference, status, risk, received_at, asset, version in rows:
        item = found.setdefault(
            str(incident_id),
            {
                "id": str(incident_id),
                "reference": reference,
                "status": status,
                "risk_level": risk,
                "received_at": received_at,
                "assets": [],
                "version": version,
            },
        )
        item["assets"].append(asset)
    return list(found.values())[:MAX_LISTED]
