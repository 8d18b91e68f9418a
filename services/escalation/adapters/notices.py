"""The desk's record of the notices the notifier drafted and issued (`notices`). Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import Incident, NoticeRecord
from pidesk.shared.db.engine import conflict_insert


class NoticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, notice_id: uuid.UUID) -> NoticeRecord | None:
        return await self.session.get(NoticeRecord, notice_id)

    async def many(self, notice_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, NoticeRecord]:
        """These notices, read in one query (a consumer batch's)."""
        wanted = set(notice_ids)
        if not wanted:
            return {}
        rows = (await self.session.scalars(select(NoticeRecord).where(NoticeRecord.id.in_(wanted)))).all()
        return {row.id: row for row in rows}

    def add(self, notice: NoticeRecord | object) -> None:
        self.session.add(notice)

    async def add_if_absent(self, values: dict[str, Any]) -> NoticeRecord | None:
        """Insert the notice unless its row exists already (its drafted event may land at the same
        moment: whichever insert comes second changes nothing); the row as stored."""
        insert = conflict_insert(self.session, NoticeRecord).values(values).on_conflict_do_nothing()
        await self.session.execute(insert)
        return await self.session.get(NoticeRecord, values["id"], populate_existing=True)

    async def incident_exists(self, incident_id: uuid.UUID) -> bool:
        return await self.session.get(Incident, incident_id) is not None
