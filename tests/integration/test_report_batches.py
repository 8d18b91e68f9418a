"""Group commit of new reports on PostgreSQL: many reports per transaction, each answered only after
its commit; a known alert leaves the batch; a failing batch is retried report by report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pidesk.migrations import runner
from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import OutboxMessage, Report
from pidesk.services.intake.adapters.references import ReferenceNumbers
from pidesk.services.intake.adapters.repository import IntakeUnitOfWork
from pidesk.services.intake.domain.report import ReportSubmission
from pidesk.services.intake.service.report_batches import ReportBatcher
from pidesk.services.intake.service.reports import AlertAlreadyKnown, SubmitReport, submit_report
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.vocabulary import ReportSource
from tests.support.infra import fresh_postgres_database
from tests.unit.factories import report_body

CIPHER = FieldCipher("k1:" + "A" * 43 + "=")


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[ReportBatcher, Callable[[], IntakeUnitOfWork], object]]:
    async with fresh_postgres_database("batches") as url:
        await runner.upgrade(url, "intake")
        engine = create_engine(url)
        sessions = session_factory(engine)
        numbers = ReferenceNumbers(engine)
        batcher = ReportBatcher(sessions, numbers, CIPHER, clock=utcnow, after_commit=lambda: None)
        task = asyncio.create_task(batcher.run())
        await asyncio.sleep(0)
        try:
            yield batcher, lambda: IntakeUnitOfWork(sessions, numbers), sessions
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await engine.dispose()


def command(**overrides: object) -> SubmitReport:
    source_alert_id = overrides.pop("source_alert_id", None)
    source = ReportSource.GENERIC if source_alert_id else ReportSource.API
    return SubmitReport(
        submission=ReportSubmission.model_validate(report_body(**overrides)),
        source=source,
        source_alert_id=source_alert_id,  # type: ignore[arg-type]
    )


async def stored(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        reports = await session.scalar(select(func.count()).select_from(Report))
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
    return int(reports or 0), int(outbox or 0)


async def test_concurrent_reports_share_commits_and_each_is_stored_once(running) -> None:  # type: ignore[no-untyped-def]
    batcher, uow, sessions = running
    accepted = await asyncio.gather(
        *(submit_report(command(), uow=uow(), cipher=CIPHER, batcher=batcher) for _ in range(60))
    )
    assert sorted(int(a.reference[-6:]) for a in accepted) == list(range(1, 61))
    assert 1 <= batcher.batches_written < 60, "reports that arrive together share a transaction"
    assert await stored(sessions) == (60, 60)


async def test_a_known_alert_leaves_the_batch_and_a_bad_report_fails_alone(running) -> None:  # type: ignore[no-untyped-def]
    batcher, uow, sessions = running
    await batcher.submit(command(source_alert_id="alert-1"))
    with pytest.raises(AlertAlreadyKnown):
        await batcher.submit(command(source_alert_id="alert-1"))
    # an alert id longer than its column fails the whole batch; each report is then written alone
    results = await asyncio.gather(
        *(submit_report(command(), uow=uow(), cipher=CIPHER, batcher=batcher) for _ in range(5)),
        batcher.submit(command(source_alert_id="x" * 400)),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results if isinstance(r, Exception)] == ["BatchNotWritten"]
    assert await stored(sessions) == (6, 6)
