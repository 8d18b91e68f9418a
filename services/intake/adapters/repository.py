"""Intake persistence: reports and their reference numbers. Never commits (the unit of work does)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.intake.adapters.orm import AlertGroup, GroupedAlert, IdempotencyKey, OutboxMessage, Report
from pidesk.services.intake.adapters.references import ReferenceNumbers
from pidesk.shared.db.uow import UnitOfWork
from pidesk.shared.events import Envelope
from pidesk.shared.messaging.records import add_to_outbox


class ReportRepository:
    def __init__(self, session: AsyncSession, numbers: ReferenceNumbers) -> None:
        self.session = session
        self.numbers = numbers

    async def next_sequence(self, year: int) -> int:
        return await self.numbers.next(self.session, year)

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

    async def grouped_alert(self, source: str, alert_id: str) -> tuple[GroupedAlert, uuid.UUID] | None:
        """An alert that joined a group after its first, and the incident its group goes to now."""
        row = (
            await self.session.execute(
                select(GroupedAlert, AlertGroup.incident_id)
                .join(AlertGroup, AlertGroup.id == GroupedAlert.group_id)
                .where(GroupedAlert.source == source, GroupedAlert.alert_id == alert_id)
            )
        ).first()
        return (row[0], row[1]) if row is not None else None

    def publish(self, envelope: Envelope) -> None:
        add_to_outbox(self.session, OutboxMessage, envelope)


class IntakeUnitOfWork(UnitOfWork):
    """The unit of work of intake's use cases: `uow.reports` is the repository on its session."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        numbers: ReferenceNumbers,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(sessions, after_commit)
        self._numbers = numbers

    @property
    def reports(self) -> ReportRepository:
        return ReportRepository(self.session, self._numbers)
