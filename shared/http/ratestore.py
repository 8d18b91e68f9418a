"""Rate-limit counts shared through the service's own PostgreSQL database.

Each process writes only rows of its own — (key, slot, instance) with its whole count in that slot —
so processes never wait on each other's row locks, and a write that is repeated counts nothing twice.
It reads back the other instances' rows written since its previous read (less a margin for
transactions that were still committing), so a sync costs what changed, not what exists. One exchange
per sync interval per process, never one per request. The table is UNLOGGED on PostgreSQL: a database
crash may empty it (the limits then start afresh), which is acceptable for a rate limit.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Integer, String, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from pidesk.shared.db.base import UTCDateTime
from pidesk.shared.db.bulk import table_of
from pidesk.shared.http.ratecount import SlotCount

READ_MARGIN = timedelta(seconds=5)  # far longer than a write's transaction takes to commit
YIELD_EVERY = 1000  # rows converted or absorbed between two yields to the event loop


class RateLimitCountMixin:
    """One process's admissions in one time slot of one rate-limit key (a hash: no client address in
    clear), and its latest refusal of that key in the slot. `written_at`: the database's time of the
    last write, what the other processes read by; `expires_at`: when the slot can no longer count
    (rows past it are pruned)."""

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger(), primary_key=True, autoincrement=False)
    instance: Mapped[str] = mapped_column(String(32), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer(), nullable=False)
    last_hit_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class DatabaseSlots:
    """The shared store of `WindowCounts`, in a table mapped on `RateLimitCountMixin` (PostgreSQL)."""

    def __init__(self, engine: AsyncEngine, table: type[RateLimitCountMixin], instance: str | None = None) -> None:
        self._engine, self._table = engine, table
        self.instance = instance or uuid.uuid4().hex
        self._read_at: datetime | None = None  # the database's time of the previous read

    async def exchange(self, rows: list[SlotCount], now: float) -> list[SlotCount]:
        """Write this process's `rows`; read the other instances' live rows written since the last read."""
        table = self._table
        async with self._engine.begin() as connection:
            if rows:
                insert = pg_insert(table_of(table)).values(written_at=func.now())
                upsert = insert.on_conflict_do_update(
                    index_elements=["key_hash", "slot", "instance"],
                    set_={
                        "hits": insert.excluded.hits,
                        "last_hit_at": insert.excluded.last_hit_at,
                        "refused_at": insert.excluded.refused_at,
                        "written_at": func.now(),
                    },
                )
                values = [
                    {
                        "key_hash": row.key,
                        "slot": row.slot,
                        "instance": self.instance,
                        "hits": row.hits,
                        "last_hit_at": _at(row.last_hit),
                        "expires_at": _at(row.expires),
                        "refused_at": _at(row.refused) if row.refused else None,
                    }
                    for row in rows
                ]
                await connection.execute(upsert, values)  # one statement, executed for every row
            read_at = (await connection.execute(select(func.now()))).scalar_one()
            query = select(
                table.key_hash,
                table.slot,
                table.instance,
                table.hits,
                table.last_hit_at,
                table.expires_at,
                table.refused_at,
            ).where(table.instance != self.instance, table.expires_at > _at(now))
            if self._read_at is not None:
                query = query.where(table.written_at > self._read_at - READ_MARGIN)
            found = (await connection.execute(query)).all()
        others = []
        for number, (key, slot, instance, hits, last, expires, refused) in enumerate(found, 1):
            refused_at = refused.timestamp() if refused else 0.0
            others.append(
                SlotCount(key, int(slot), int(hits), last.timestamp(), expires.timestamp(), instance, refused_at)
            )
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # many changed clients: let requests in between
        self._read_at = read_at
        return others

    async def prune(self, now: float) -> int:
        """Delete every instance's slots past their window; returns how many rows went."""
        table = self._table
        async with self._engine.begin() as connection:
            result = await connection.execute(delete(table).where(table.expires_at <= _at(now)))
        return result.rowcount or 0
