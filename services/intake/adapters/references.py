"""Reference numbers without a hot row: on PostgreSQL a sequence per series and Japan-time year.

`nextval` takes no row lock and is never rolled back, so concurrent submissions never wait on each other;
one whose transaction fails leaves a gap (documented: references are unique and increasing, not
gap-free). Each year's sequence is created on first use, outside the submission's transaction, and starts
after the last number the older counter table handed out for that series and year. SQLite (one writer
anyway) keeps the counter row.

A series is what is numbered: incidents (PI-…, `reference_seq_2026`, counted before in
`reference_counters`) and each kind of case (issue 17: GR-…, PC-…, `case_seq_gr_2026`, `case_seq_pc_2026`,
counted before in `case_counters` by kind).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Table, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pidesk.services.intake.adapters.orm import CaseCounter, ReferenceCounter
from pidesk.services.intake.domain.cases import COMPLAINT_PREFIX, GOVERNMENT_REQUEST_PREFIX
from pidesk.shared.db.engine import conflict_insert
from pidesk.shared.vocabulary import CaseKind


@dataclass(frozen=True)
class NumberSeries:
    """One run of numbers per year: its sequences' name and the counter table (and the counter row's key
    besides the year) that numbered it before sequences, and still does on SQLite."""

    sequence: str
    counter: Table
    key: Mapping[str, str] = field(default_factory=dict)

    def sequence_name(self, year: int) -> str:
        return f"{self.sequence}_{year:04d}"


INCIDENTS = NumberSeries("reference_seq", ReferenceCounter.__table__)  # type: ignore[arg-type]  # a Table
CASES = {
    kind: NumberSeries(f"case_seq_{prefix.lower()}", CaseCounter.__table__, {"kind": kind.value})  # type: ignore[arg-type]
    for kind, prefix in (
        (CaseKind.GOVERNMENT_REQUEST, GOVERNMENT_REQUEST_PREFIX),
        (CaseKind.PRIVACY_COMPLAINT, COMPLAINT_PREFIX),
    )
}


def sequence_name(year: int) -> str:
    """The sequence of incidents' references of `year`."""
    return INCIDENTS.sequence_name(year)


class ReferenceNumbers:
    def __init__(self, engine: AsyncEngine, series: NumberSeries = INCIDENTS) -> None:
        self._engine = engine
        self._series = series
        self._years: set[int] = set()  # sequences known to exist (they are never dropped)

    async def next(self, session: AsyncSession, year: int) -> int:
        return (await self.take(session, year, 1))[0]

    async def take(self, session: AsyncSession, year: int, count: int) -> list[int]:
        """`count` new numbers of `year`, increasing, in one round trip."""
        if self._engine.dialect.name != "postgresql":
            last = await _counter_row(session, self._series, year, count)
            return list(range(last - count + 1, last + 1))
        if year not in self._years:
            await self._create_sequence(year)
            self._years.add(year)
        statement = text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :count)")
        taken = await session.execute(statement, {"sequence": self._series.sequence_name(year), "count": count})
        return sorted(int(n) for n in taken.scalars())

    async def _create_sequence(self, year: int) -> None:
        name, table = self._series.sequence_name(year), self._series.counter
        async with self._engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            taken = await connection.scalar(
                select(table.c.last_sequence).where(table.c.year == year, *_key_of(self._series))
            )
            try:
                await connection.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(taken or 0) + 1}"))
            except DBAPIError:
                # two processes created it at the same moment: the other one won, which is all we need
                exists = await connection.scalar(text("SELECT to_regclass(:name)"), {"name": name})
                if exists is None:
                    raise


class CaseNumbers:
    """The numbers of each kind of case (issue 17), one series per kind."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._kinds = {kind: ReferenceNumbers(engine, series) for kind, series in CASES.items()}

    async def next(self, session: AsyncSession, kind: CaseKind, year: int) -> int:
        return await self._kinds[kind].next(session, year)


def _key_of(series: NumberSeries) -> list[ColumnElement[bool]]:
    return [series.counter.c[column] == value for column, value in series.key.items()]


async def _counter_row(session: AsyncSession, series: NumberSeries, year: int, count: int) -> int:
    """Atomically take the next `count` numbers of `year`; returns the last (an upsert, safe under
    concurrent submissions)."""
    table = series.counter
    statement = (
        conflict_insert(session, table)
        .values(year=year, last_sequence=count, **series.key)
        .on_conflict_do_update(
            index_elements=[*(table.c[column] for column in series.key), table.c.year],
            set_={"last_sequence": table.c.last_sequence + count},
        )
        .returning(table.c.last_sequence)
    )
    return int((await session.execute(statement)).scalar_one())
