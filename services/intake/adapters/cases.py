"""Received government requests and complaints, and their reference numbers. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.intake.adapters.orm import OutboxMessage, ReceivedCase
from pidesk.services.intake.adapters.references import CaseNumbers
from pidesk.shared.events import Envelope
from pidesk.shared.messaging.records import add_to_outbox
from pidesk.shared.vocabulary import CaseKind


class CaseRepository:
    def __init__(self, session: AsyncSession, numbers: CaseNumbers) -> None:
        self.session = session
        self.numbers = numbers

    async def next_sequence(self, kind: CaseKind, year: int) -> int:
        """The next number of `kind` in `year`: a sequence per kind and year on PostgreSQL, no hot row
        (adapters/references.py)."""
        return await self.numbers.next(self.session, kind, year)

    def add(self, case: ReceivedCase) -> None:
        self.session.add(case)

    def publish(self, envelope: Envelope) -> None:
        add_to_outbox(self.session, OutboxMessage, envelope)
