"""Use case: webhook alerts folded into the open incident of their group (group commit, like reports).

The alerts that arrive while one transaction commits are correlated together in the next. In one
transaction a batch:

1. locks its groups (PostgreSQL advisory locks, in key order): two intake processes never open two
   incidents for one group, nor both miss an alert the other is storing;
2. leaves out alerts already stored (`AlertAlreadyKnown`: the caller updates that incident instead);
3. puts each alert in the latest group of its key if that group is still open (domain/correlation),
   else opens a new group with a new incident — linked to the one before when the desk closed it or
   a cap ended it;
4. writes the new incidents (a report each, the group's first alert as its alert id), the groups,
   the joined alerts, and per group ONE event: `incident.reported` carrying every alert of a new
   group, or `incident.updated` (reason `alerts_grouped`) carrying the alerts that joined. Escalation
   recomputes the group's facts from its alerts and re-assesses.

If a batch fails as a whole each alert is tried alone, so one bad alert costs only itself; an alert
that still fails gets `BatchNotWritten` and its caller writes it as an incident of its own (nothing
is lost, at worst it is not grouped).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import AlertGroup, GroupedAlert, OutboxMessage, Report
from pidesk.services.intake.adapters.references import ReferenceNumbers
from pidesk.services.intake.domain.correlation import (
    CorrelationPolicy,
    GroupKey,
    GroupState,
    links_to_previous,
    why_not_join,
)
from pidesk.services.intake.domain.reference import format_reference, reference_year
from pidesk.services.intake.service.group_commit import GroupCommit
from pidesk.services.intake.service.reports import (
    PRODUCER,
    AlertAlreadyKnown,
    BatchNotWritten,
    ReportAccepted,
    SubmitReport,
    new_report,
)
from pidesk.shared import tracing
from pidesk.shared.db.bulk import row_of, table_of
from pidesk.shared.db.engine import on_postgresql
from pidesk.shared.events import AlertRecord, Envelope, IncidentUpdated
from pidesk.shared.messaging.records import outbox_message
from pidesk.shared.vocabulary import UpdateReason

log = logging.getLogger(__name__)

GROUPED = UpdateReason.ALERTS_GROUPED


@dataclass
class _Pending:
    command: SubmitReport
    record: AlertRecord
    key: GroupKey
    vendor_state: str | None
    done: asyncio.Future[ReportAccepted] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    # the webhook request's span, for the outbox row: the batch is written in another task (shared/tracing.py)
    trace_context: str | None = field(default_factory=tracing.current_trace_context)


@dataclass
class _Opened:
    """A group opened in this batch: its report and the alerts its reported event will carry."""

    group: AlertGroup
    first: _Pending
    follows: uuid.UUID | None
    alerts: list[_Pending] = field(default_factory=list)


class AlertCorrelator:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        numbers: ReferenceNumbers,
        cipher: FieldCipher,
        policy: CorrelationPolicy,
        *,
        after_commit: Callable[[], None],
        max_batch: int = 200,
    ) -> None:
        self._sessions, self._numbers, self._cipher = sessions, numbers, cipher
        self.policy = policy
        self._after_commit = after_commit
        self._batches: GroupCommit[_Pending] = GroupCommit(
            self._write, max_batch=max_batch, stopped=lambda: BatchNotWritten("the correlator stopped")
        )
        self.batches_written = 0

    @property
    def running(self) -> bool:
        return self._batches.running

    @running.setter
    def running(self, value: bool) -> None:
        self._batches.running = value

    async def submit(self, command: SubmitReport, key: GroupKey, vendor_state: str | None = None) -> ReportAccepted:
        """Correlate the alert of `command` in the next batch; returns once that batch committed.
        Without a running batch writer (an app without its lifespan) the alert is its own batch."""
        assert command.alert is not None
        pending = _Pending(command, command.alert, key, vendor_state)
        if not self.running:
            await self._write([pending])
        else:
            self._batches.put(pending)
        return await asyncio.shield(pending.done)  # a client that hangs up does not unmake its alert

    async def run(self) -> None:
        await self._batches.run()

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            outcomes = await self._in_transaction(batch)
        except Exception as exc:  # noqa: BLE001 - each alert is tried alone below
            if len(batch) == 1:
                log.warning("alert could not be correlated", extra={"error": repr(exc)})
                batch[0].done.set_exception(BatchNotWritten(repr(exc)))
                return
            for pending in batch:
                await self._write([pending])
            return
        self.batches_written += 1
        self._after_commit()
        for pending in batch:
            if pending.done.done():
                continue
            outcome = outcomes.get(id(pending))
            if outcome is None:
                pending.done.set_exception(AlertAlreadyKnown(pending.command.source_alert_id))
            else:
                pending.done.set_result(outcome)

    async def _in_transaction(self, batch: list[_Pending]) -> dict[int, ReportAccepted]:
        async with self._sessions() as session, session.begin():
            return await self._correlate(session, batch)

    async def _correlate(self, session: AsyncSession, batch: list[_Pending]) -> dict[int, ReportAccepted]:
        await _lock_groups(session, sorted({p.key.lock_number for p in batch}))
        fresh = await _not_yet_stored(session, batch)
        latest = await _latest_groups(session, {p.key.digest for p in fresh})
        opened: dict[uuid.UUID, _Opened] = {}  # by group id, in the order they were opened
        joined: dict[AlertGroup, list[_Pending]] = {}  # existing groups, with the alerts that joined
        outcomes: dict[int, ReportAccepted] = {}
        for pending in fresh:
            digest, at = pending.key.digest, pending.record.received_at
            grouping = self.policy.grouping(pending.command.source)
            group = latest.get(digest)
            reason = why_not_join(grouping, _state(group), at) if group is not None else None
            if group is not None and reason is None:
                group.last_alert_at = max(group.last_alert_at, at)
                group.alert_count += 1
                new = opened.get(group.id)
                if new is not None:
                    new.alerts.append(pending)
                else:
                    joined.setdefault(group, []).append(pending)
                outcomes[id(pending)] = _accepted(group, at, grouped=True)
                continue
            follows = group.incident_id if group is not None and reason and links_to_previous(reason) else None
            new_group = AlertGroup(
                id=uuid.uuid4(),
                source=pending.command.source.value,
                group_key=digest,
                key_values=pending.key.as_dict(),
                incident_id=uuid.uuid4(),
                reference="",
                opened_at=at,
                last_alert_at=at,
                alert_count=1,
                closed_at=None,
            )
            latest[digest] = new_group
            opened[new_group.id] = _Opened(new_group, pending, follows, [pending])
        await self._number(session, list(opened.values()))
        for new in opened.values():
            for pending in new.alerts:
                outcomes[id(pending)] = _accepted(new.group, pending.record.received_at, created=pending is new.first)
        await self._store(session, list(opened.values()), joined)
        return outcomes

    async def _number(self, session: AsyncSession, opened: list[_Opened]) -> None:
        by_year: dict[int, list[_Opened]] = {}
        for new in opened:
            by_year.setdefault(reference_year(new.group.opened_at), []).append(new)
        for year, news in by_year.items():
            numbers = await self._numbers.take(session, year, len(news))
            for new, number in zip(news, numbers, strict=True):
                new.group.reference = format_reference(year, number)

    async def _store(
        self,
        session: AsyncSession,
        opened: list[_Opened],
        joined: dict[AlertGroup, list[_Pending]],
    ) -> None:
        """Multi-row inserts of what is new; the joined groups (loaded in this session) are updated
        when it flushes."""
        reports: list[dict[str, object]] = []
        outbox: list[dict[str, object]] = []
        grouped: list[dict[str, object]] = []
        for new in opened:
            report, envelope = new_report(
                new.first.command,
                new.group.incident_id,
                new.group.reference,
                new.group.opened_at,
                cipher=self._cipher,
                vendor_state=new.first.vendor_state,
                alerts=[p.record for p in new.alerts],
                follows_incident_id=new.follows,
            )
            reports.append(row_of(report)[1])
            outbox.append(row_of(outbox_message(OutboxMessage, envelope, new.first.trace_context))[1])
            grouped += [_grouped_row(new.group, p) for p in new.alerts if p is not new.first]
        for group, alerts in joined.items():
            grouped += [_grouped_row(group, p) for p in alerts]
            event = _grouped_event(group, alerts)
            outbox.append(row_of(outbox_message(OutboxMessage, event, alerts[-1].trace_context))[1])
        if reports:
            await session.execute(table_of(Report).insert(), reports)
        if opened:
            await session.execute(table_of(AlertGroup).insert(), [row_of(n.group)[1] for n in opened])
        if grouped:
            await session.execute(table_of(GroupedAlert).insert(), grouped)
        if outbox:
            await session.execute(table_of(OutboxMessage).insert(), outbox)


def _state(group: AlertGroup) -> GroupState:
    return GroupState(group.opened_at, group.last_alert_at, group.alert_count, group.closed_at is not None)


def _accepted(group: AlertGroup, at: datetime, *, created: bool = False, grouped: bool = False) -> ReportAccepted:
    return ReportAccepted(group.incident_id, group.reference, at, created=created, grouped=grouped or not created)


def _grouped_row(group: AlertGroup, pending: _Pending) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "source": pending.command.source.value,
        "alert_id": pending.record.alert_id,
        "group_id": group.id,
        "incident_id": group.incident_id,
        "received_at": pending.record.received_at,
        "vendor_state": pending.vendor_state,
    }


def _grouped_event(group: AlertGroup, alerts: list[_Pending]) -> Envelope:
    last = max(p.record.received_at for p in alerts)
    event = IncidentUpdated(
        reference=group.reference,
        source=alerts[0].command.source,
        source_alert_id=alerts[-1].record.alert_id,
        reason=GROUPED,
        changes={},
        updated_at=last,
        updated_by=f"webhook:{alerts[0].command.source.value}",
        alerts=[p.record for p in alerts],
    )
    return event.envelope(incident_id=group.incident_id, producer=PRODUCER, occurred_at=last)


async def _lock_groups(session: AsyncSession, numbers: list[int]) -> None:
    """Serialise the batches of every intake process that touch the same groups (PostgreSQL; SQLite
    has one writer at a time anyway). Sorted, so two batches never wait on each other in a cycle."""
    if not on_postgresql(session) or not numbers:
        return
    await session.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS s"),
        {"keys": numbers},
    )


async def _not_yet_stored(session: AsyncSession, batch: list[_Pending]) -> list[_Pending]:
    """The alerts of `batch` that are neither an incident's first alert nor a grouped one yet; an
    alert id twice in one batch counts once (the second is then known)."""
    pairs = list({(p.command.source.value, p.record.alert_id) for p in batch})
    known: set[tuple[str, str]] = set()
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        firsts = await session.execute(
            select(Report.source, Report.source_alert_id).where(
                tuple_(Report.source, Report.source_alert_id).in_(chunk)
            )
        )
        others = await session.execute(
            select(GroupedAlert.source, GroupedAlert.alert_id).where(
                tuple_(GroupedAlert.source, GroupedAlert.alert_id).in_(chunk)
            )
        )
        known |= {(s, a) for s, a in firsts.all() if a is not None} | {(s, a) for s, a in others.all()}
    fresh: list[_Pending] = []
    for pending in batch:
        pair = (pending.command.source.value, pending.record.alert_id)
        if pair not in known:
            known.add(pair)
            fresh.append(pending)
    return fresh


async def _latest_groups(session: AsyncSession, digests: set[str]) -> dict[str, AlertGroup]:
    """The newest group of each key (older ones are over)."""
    if not digests:
        return {}
    rows = await session.scalars(
        select(AlertGroup).where(AlertGroup.group_key.in_(digests)).order_by(AlertGroup.opened_at)
    )
    return {group.group_key: group for group in rows}
