"""The snoozes as the desk changes them: the shared reads (`SnoozeRepository`) and the desk's writes."""

from __future__ import annotations

from datetime import datetime

from pidesk.services.escalation.adapters.orm import Snooze
from pidesk.services.escalation.adapters.snoozes import SnoozeRepository, running_windows
from pidesk.services.escalation.domain.snoozes import SnoozeWindow


class DeskSnoozes(SnoozeRepository):
    async def add(self, row: Snooze) -> int:
        """Store a new snooze; its id (written now, so the answer can name it)."""
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def end(self, row: Snooze, *, by: str, now: datetime) -> None:
        """End it now, written at once: the reads that follow in the transaction see it ended."""
        row.ended_at, row.ended_by = now, by
        await self.session.flush()

    async def running(self, now: datetime) -> list[SnoozeWindow]:
        """The snoozes running now, read afresh (not the transaction's cached list)."""
        return await running_windows(self.session, now, fresh=True)
