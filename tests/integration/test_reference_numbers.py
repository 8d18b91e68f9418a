"""Reference numbers on PostgreSQL come from a sequence per Japan-time year: no row every report locks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from pidesk.migrations import runner
from pidesk.services.intake.adapters.references import CASES, CaseNumbers, ReferenceNumbers, sequence_name
from pidesk.services.intake.domain.reference import reference_year
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.vocabulary import CaseKind
from tests.e2e.test_cases_thin_path import SUBMITTER, request_body
from tests.support.apps import intake_app
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


async def test_case_numbers_come_from_a_sequence_per_kind_and_year_after_the_old_counter(tmp_path: Path) -> None:
    """Issue 17: GR-/PC- numbers as incidents' — concurrent submissions through intake's API and a second
    process never clash, each kind counts on its own, and a year's sequence starts after its counter row."""
    year = reference_year(datetime.now(UTC))
    async with intake_app(tmp_path, "casenums") as (client, url):
        engine = create_engine(url)
        async with engine.begin() as connection:  # requests numbered before sequences existed
            await connection.execute(
                text("INSERT INTO case_counters (kind, year, last_sequence) VALUES ('government_request', :y, 41)"),
                {"y": year},
            )
        other_engine = create_engine(url)
        sessions, other = session_factory(engine), CaseNumbers(other_engine)  # another intake process

        async def post() -> int:
            answer = await client.post("/v1/government-requests", json=request_body())
            assert answer.status_code == 202, answer.text
            prefix, numbered_year, number = answer.json()["reference"].split("-")
            assert (prefix, int(numbered_year)) == ("GR", year)
            return int(number)

        async def take() -> int:
            async with sessions() as session, session.begin():
                return await other.next(session, CaseKind.GOVERNMENT_REQUEST, year)

        taken = await asyncio.gather(*(post() if n % 2 else take() for n in range(30)))
        assert sorted(taken) == list(range(42, 72))  # unique, after the counter's 41, none skipped
        posted = [number for n, number in enumerate(taken) if n % 2]
        assert len(posted) == 15
        complaint = await client.post("/v1/complaints", json=complaint_body())
        assert complaint.status_code == 202, complaint.text
        assert complaint.json()["reference"] == f"PC-{year:04d}-000001"  # its own series
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT kind, last_sequence FROM case_counters"))).all()
            assert [tuple(r) for r in rows] == [("government_request", 41)]  # no hot row: untouched
            for kind in CaseKind:
                name = CASES[kind].sequence_name(year)
                assert await connection.scalar(text("SELECT to_regclass(:n)::text"), {"n": name}) == name
            assert CASES[CaseKind.GOVERNMENT_REQUEST].sequence_name(year) == f"case_seq_gr_{year}"
        await engine.dispose()
        await other_engine.dispose()


def complaint_body() -> dict[str, Any]:
    return {
        "submitted_by": SUBMITTER,
        "complainant_kind": "individual",
        "complainant_name": "Tanaka Taro",
        "request_kind": "general",
        "received_at": datetime.now(UTC).isoformat(),
        "summary": "words",
    }
