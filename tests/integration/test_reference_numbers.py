"""Reference numbers on PostgreSQL come from a sequence per Japan-time year: no row every report locks."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from pidesk.migrations import runner
from pidesk.services.intake.adapters.references import ReferenceNumbers, sequence_name
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.infra import fresh_postgres_database


async def test_two_processes_number_one_year_without_clashes_after_the_old_counter() -> None:
    async with fresh_postgres_database("refs") as url:
        await runner.upgrade(url, "intake")
        engine = create_engine(url)
        async with engine.begin() as connection:  # numbers handed out before sequences existed
            await connection.execute(text("INSERT INTO reference_counters (year, last_sequence) VALUES (2026, 41)"))
        sessions = session_factory(engine)
        other = create_engine(url)
        first, second = ReferenceNumbers(engine), ReferenceNumbers(other)  # two "processes"

        async def take(numbers: ReferenceNumbers) -> int:
            async with sessions() as session, session.begin():
                return await numbers.next(session, 2026)

        taken = await asyncio.gather(*(take(first if n % 2 else second) for n in range(40)))
        assert sorted(taken) == list(range(42, 82))

        async with sessions() as session:  # a rolled-back report leaves a gap, never a repeat
            await first.next(session, 2026)
            await session.rollback()
        assert await take(second) == 83
        assert await take(first) == 84
        async with engine.connect() as connection:  # no counter row was touched, and 2027 starts at 1
            assert await connection.scalar(text("SELECT last_sequence FROM reference_counters")) == 41
        assert await take_year(sessions, first, 2027) == 1
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT to_regclass(:n)::text"), {"n": sequence_name(2027)})
        await engine.dispose()
        await other.dispose()


async def take_year(sessions, numbers: ReferenceNumbers, year: int) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session, session.begin():
        return await numbers.next(session, year)
