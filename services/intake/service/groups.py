"""Use cases: the desk ends a group's incident (closed) or merges it into another (the survivor).

Escalation tells intake through `pidesk.incident.updated.v1`; from then on the group's next alert
opens a new incident linked to the closed one, or goes to the survivor.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.intake.adapters.orm import AlertGroup, Report
from pidesk.shared.db.engine import rows_affected


async def close_groups(session: AsyncSession, incident_id: uuid.UUID, at: datetime) -> int:
    """End every open group that feeds `incident_id`; returns how many there were."""
    result = await session.execute(
        update(AlertGroup)
        .where(AlertGroup.incident_id == incident_id, AlertGroup.closed_at.is_(None))
        .values(closed_at=at)
    )
    return rows_affected(result)


async def merge_groups(session: AsyncSession, absorbed: uuid.UUID, survivor: uuid.UUID) -> int:
    """Point the groups of `absorbed` at `survivor`; returns how many were moved."""
    reference = await session.scalar(select(Report.reference).where(Report.id == survivor))
    if reference is None:  # an incident escalation made (a split): one of its groups may know it
        reference = await session.scalar(
            select(AlertGroup.reference).where(AlertGroup.incident_id == survivor).limit(1)
        )
    values: dict[str, object] = {"incident_id": survivor}
    if reference is not None:
        values["reference"] = reference
    result = await session.execute(update(AlertGroup).where(AlertGroup.incident_id == absorbed).values(**values))
    return rows_affected(result)
