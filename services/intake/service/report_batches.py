"""Group commit of new reports: the reports that arrive while one transaction commits go in the next.

Each request still gets its 202 only after the transaction holding its report and outbox row has
committed. Under load one commit (one WAL flush, one round trip per table) serves many reports; an
idle service writes a lone report at once, since nothing waits for a batch to fill.

A report whose alert id is already stored is left out of the batch (`AlertAlreadyKnown`: the caller
updates the known incident instead). If the batch as a whole fails, every caller gets
`BatchNotWritten` and writes its report alone, so one bad report costs only itself.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import OutboxMessage, Report
from pidesk.services.intake.adapters.references import ReferenceNumbers
from pidesk.services.intake.domain.reference import format_reference, reference_year
from pidesk.services.intake.service.group_commit import GroupCommit
from pidesk.services.intake.service.reports import (
    AlertAlreadyKnown,
    BatchNotWritten,
    ReportAccepted,
    SubmitReport,
    new_report,
)
from pidesk.shared import tracing
from pidesk.shared.db.bulk import row_of, table_of
from pidesk.shared.db.engine import conflict_insert
from pidesk.shared.events import Envelope
from pidesk.shared.messaging.records import outbox_message


@dataclass
class _Pending:
    command: SubmitReport
    vendor_state: str | None
    received_at: datetime
    # the request's span, for its outbox row: the batch is written in the writer's task (shared/tracing.py)
    trace_context: str | None = field(default_factory=tracing.current_trace_context)
    done: asyncio.Future[ReportAccepted] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class ReportBatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        numbers: ReferenceNumbers,
        cipher: FieldCipher,
        *,
        clock: Callable[[], datetime],
        after_commit: Callable[[], None],
        max_batch: int = 200,
    ) -> None:
        self._sessions, self._numbers, self._cipher = sessions, numbers, cipher
        self._clock, self._after_commit = clock, after_commit
        self._batches: GroupCommit[_Pending] = GroupCommit(
            self._write, max_batch=max_batch, stopped=lambda: BatchNotWritten("the batch writer stopped")
        )
        self.batches_written = 0

    @property
    def running(self) -> bool:
        return self._batches.running

    async def submit(self, command: SubmitReport, vendor_state: str | None = None) -> ReportAccepted:
        """Store and announce a new report in the next batch; returns once that batch committed."""
        if not self.running:
            raise BatchNotWritten("the batch writer is not running")
        pending = _Pending(command, vendor_state, self._clock())
        self._batches.put(pending)
        return await asyncio.shield(pending.done)  # a client that hangs up does not unmake its report

    async def run(self) -> None:
        await self._batches.run()

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            accepted = await self._insert(batch)
        except Exception as exc:  # noqa: BLE001 - every report is retried alone by its caller
            for pending in batch:
                if not pending.done.done():
                    pending.done.set_exception(BatchNotWritten(repr(exc)))
            return
        self.batches_written += 1
        self._after_commit()
        for pending in batch:
            result = accepted.get(id(pending))
            if pending.done.done():
                continue
            if result is None:
                pending.done.set_exception(AlertAlreadyKnown(pending.command.source_alert_id))
            else:
                pending.done.set_result(result)

    async def _insert(self, batch: list[_Pending]) -> dict[int, ReportAccepted]:
        async with self._sessions() as session, session.begin():
            by_year: dict[int, list[_Pending]] = defaultdict(list)
            for pending in batch:
                by_year[reference_year(pending.received_at)].append(pending)
            staged: list[tuple[_Pending, Report, Envelope]] = []
            for year, pendings in by_year.items():
                numbers = await self._numbers.take(session, year, len(pendings))
                for pending, number in zip(pendings, numbers, strict=True):
                    report, envelope = new_report(
                        pending.command,
                        uuid.uuid4(),
                        format_reference(year, number),
                        pending.received_at,
                        cipher=self._cipher,
                        vendor_state=pending.vendor_state,
                    )
                    staged.append((pending, report, envelope))
            table = Report.__table__
            rows = [row_of(report)[1] for _, report, _ in staged]
            # one statement compiled once for every batch size (executemany with RETURNING, sent as multi-row
            # VALUES): a `.values(rows)` was compiled again for each batch, a tenth of intake's CPU at 500/s
            statement = conflict_insert(session, table).on_conflict_do_nothing().returning(table.c.id)
            inserted = set((await session.scalars(statement, rows)).all())
            outbox = [
                row_of(outbox_message(OutboxMessage, e, p.trace_context))[1] for p, r, e in staged if r.id in inserted
            ]
            if outbox:
                await session.execute(table_of(OutboxMessage).insert(), outbox)
        return {
            id(pending): ReportAccepted(report.id, report.reference, report.received_at)
            for pending, report, _ in staged
            if report.id in inserted
        }
