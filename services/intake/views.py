"""Read-side queries for intake's routes: what a page or status answer shows, read straight from the
tables with no unit of work and no domain objects (nothing is changed, so there is nothing to commit)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.intake.adapters.orm import Report


@dataclass(frozen=True)
class ReportStatus:
    incident_id: uuid.UUID
    reference: str
    received_at: datetime


async def report_status(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> ReportStatus | None:
    """A report's number and time of receipt; only those columns, never the encrypted free text."""
    async with sessions() as session:
        row = (
            await session.execute(
                select(Report.id, Report.reference, Report.received_at).where(Report.id == incident_id)
            )
        ).first()
    if row is None:
        return None
    return ReportStatus(incident_id=row.id, reference=row.reference, received_at=row.received_at)
