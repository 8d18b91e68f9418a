"""Retention: published outbox rows and old processed-events records are deleted after a while.

Both tables grow with every event. A published outbox row is only history once the broker has it; a
processed-events row must outlive every redelivery of its event, so the retention (default 14 days)
is kept longer than Kafka's (7 days by default): an event older than that can no longer arrive.
Deletes run in small chunks so they never hold long locks; several instances may prune at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Delete, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import rows_affected
from pidesk.shared.messaging.records import OutboxMessageMixin, ProcessedEventMixin

log = logging.getLogger(__name__)


class RetentionPruner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: type[OutboxMessageMixin],
        processed: type[ProcessedEventMixin] | None,
        *,
        retention: timedelta,
        interval_seconds: float = 300.0,
        chunk: int = 5000,
    ) -> None:
        self._sessions, self._outbox, self._processed = sessions, outbox, processed
        self._retention, self._interval, self._chunk = retention, interval_seconds, chunk

    async def run(self) -> None:
        while True:
            try:
                outbox, processed = await self.prune()
                if outbox or processed:
                    log.info("retention: old rows deleted", extra={"outbox": outbox, "processed_events": processed})
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - pruning waits for the next round
                log.warning("retention pruning failed", extra={"error": repr(exc)})
            await asyncio.sleep(self._interval)

    async def prune(self) -> tuple[int, int]:
        """Delete what is past retention; returns (outbox rows, processed-events rows) deleted."""
        cut = utcnow() - self._retention
        outbox = self._outbox
        published = select(outbox.id).where(outbox.published_at < cut).limit(self._chunk)
        deleted_outbox = await self._delete_in_chunks(lambda: delete(outbox).where(outbox.id.in_(published)))
        deleted_processed = 0
        processed = self._processed
        if processed is not None:
            old = select(processed.consumer, processed.event_id).where(processed.processed_at < cut).limit(self._chunk)
            key = tuple_(processed.consumer, processed.event_id)
            deleted_processed = await self._delete_in_chunks(lambda: delete(processed).where(key.in_(old)))
        return deleted_outbox, deleted_processed

    async def _delete_in_chunks(self, statement: Callable[[], Delete]) -> int:
        total = 0
        while True:
            async with self._sessions() as session, session.begin():
                deleted = rows_affected(await session.execute(statement()))
            total += deleted
            if deleted < self._chunk:
                return total
            await asyncio.sleep(0)  # let the service's real work in between chunks
