"""Reference numbers without a hot row: on PostgreSQL a sequence per Japan-time year.

`nextval` takes no row lock and is never rolled back, so concurrent reports never wait on each other;
a report whose transaction fails leaves a gap (documented: references are unique and increasing,
not gap-free). Each year's sequence is created on first use, outside the report's transaction, and
starts after the last number the older counter table handed out for that year. SQLite (one writer
anyway) keeps the counter row.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pidesk.services.intake.adapters.orm import ReferenceCounter
from pidesk.shared.db.engine import conflict_insert


def sequence_name(year: int) -> str:
    return f"reference_seq_{year:04d}"


class ReferenceNumbers:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._years: set[int] = set()  # sequences known to exist (they are never dropped)

    async def next(self, session: AsyncSession, year: int) -> int:
        return (await self.take(session, year, 1))[0]

    async def take(self, session: AsyncSession, year: int, count: int) -> list[int]:
        """`count` new numbers of `year`, increasing, in one round trip."""
        if self._engine.dialect.name != "postgresql":
            last = await _counter_row(session, year, count)
            return list(range(last - count + 1, last + 1))
        if year not in self._years:
            await self._create_sequence(year)
            self._years.add(year)
        statement = text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :count)")
        taken = await session.execute(statement, {"sequence": sequence_name(year), "count": count})
        return sorted(int(n) for n in taken.scalars())

    async def _create_sequence(self, year: int) -> None:
        async with self._engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            taken = await connection.scalar(
                text("SELECT last_sequence FROM reference_counters WHERE year = :year"), {"year": year}
            )
            try:
                await connection.execute(
                    text(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(year)} START WITH {int(taken or 0) + 1}")
                )
            except DBAPIError:
                # two processes created it at the same moment: the other one won, which is all we need
                exists = await connection.scalar(text("SELECT to_regclass(:name)"), {"name": sequence_name(year)})
                if exists is None:
                    raise


async def _counter_row(session: AsyncSession, year: int, count: int) -> int:
    """Atomically take the next `count` numbers of `year`; returns the last (an upsert, safe under
    concurrent reports)."""
    table = ReferenceCounter.__table__
    statement = (
        conflict_insert(session, table)
        .values(year=year, last_sequence=count)
        .on_conflict_do_update(index_elements=[table.c.year], set_={"last_sequence": table.c.last_sequence + count})
        .returning(table.c.last_sequence)
    )
    return int((await session.execute(statement)).scalar_one())
