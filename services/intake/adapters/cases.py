"""Received government requests and complaints, and their reference numbers. Never commits."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.intake.adapters.orm import CaseCounter, OutboxMessage, ReceivedCase
from pidesk.shared.db.engine import conflict_insert
from pidesk.shared.events import Envelope
from pidesk.shared.messaging.records import add_to_outbox


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_sequence(self, kind: str, year: int) -> int:
        """The next number of `kind` in `year` (an upsert: safe under concurrent submissions)."""
        table = CaseCounter.__table__
        statement = (
            conflict_insert(self.session, table)
            .values(kind=kind, year=year, last_sequence=1)
            .on_conflict_do_update(
                index_elements=[table.c.kind, table.c.year], set_={"last_sequence": table.c.last_sequence + 1}
            )
            .returning(table.c.last_sequence)
        )
        return int((await self.session.execute(statement)).scalar_one())

    def add(self, case: ReceivedCase) -> None:
        self.session.add(case)

    def publish(self, envelope: Envelope) -> None:
        add_to_outbox(self.session, OutboxMessage, envelope)
