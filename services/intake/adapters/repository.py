"""Intake persistence: reports and their reference numbers. Never commits (the unit of work does)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.intake.adapters.orm import IdempotencyKey, OutboxMessage, ReferenceCounter, Report
from pidesk.shared.db.engine import conflict_insert
from pidesk.shared.events import Envelope
from pidesk.shared.messaging.records import add_to_outbox


class ReportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_sequence(self, year: int) -> int:
        """Atomically take the next number of `year` (an upsert, safe under concurrent reports)."""
        table = ReferenceCounter.__table__
        statement = (
            conflict_insert(self.session, table)
            .values(year=year, last_sequence=1)
            .on_conflict_do_update(index_elements=[table.c.year], set_={"last_sequence": table.c.last_sequence + 1})
            .returning(table.c.last_sequence)
        )
        return int((await self.session.execute(statement)).scalar_one())

    def add(self, report: Report) -> None:
        self.session.add(report)

    async def get(self, incident_id: uuid.UUID) -> Report | None:
        return await self.session.get(Report, incident_id)

    async def idempotency_key(self, key: str) -> IdempotencyKey | None:
        return await self.session.get(IdempotencyKey, key)

    def remember_idempotency_key(self, key: str, fingerprint: str, incident_id: uuid.UUID) -> None:
        self.session.add(IdempotencyKey(key=key, fingerprint=fingerprint, incident_id=incident_id))

    async def by_source_alert(self, source: str, alert_id: str) -> Report | None:
        return await self.session.scalar(
            select(Report).where(Report.source == source, Report.source_alert_id == alert_id)
        )

    def publish(self, envelope: Envelope) -> None:
        add_to_outbox(self.session, OutboxMessage, envelope)
