"""Escalation persistence. Never commits: the unit of work (or the consumer's transaction) does."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import Incident


class IncidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, incident_id: uuid.UUID) -> Incident | None:
        return await self.session.get(Incident, incident_id)

    def add(self, incident: Incident) -> None:
        self.session.add(incident)
