"""Group commit: the `sending` marks of every SMTP session in one transaction, their outcomes in another.

Each message needs two writes: `sending` before its DATA (awaited: DATA may not begin before it is
committed) and its outcome after (not awaited). Each of two writers takes whatever queued up during its
last commit and writes it in a single transaction: the marks at once (every message waits on them), the
outcomes after a short wait for company (nobody waits on them; the notices' counts and any notice now
finished go with them). With N sessions in flight a message costs a fraction of a commit instead of two
or three. Nothing is lost when a commit fails: outcomes are written again (every write is guarded by
the lease and the row's state, so a repeat changes nothing), and each `sending` mark answers False (that
message is not sent) and its row is given back, pending as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from pidesk.services.notifier.adapters.mail import FAILED, RETRY, SENT, Outcome
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.service import issuing, leases
from pidesk.services.notifier.service.leases import COLUMNS, DELIVERIES, Claim, dialect_of, ids_in
from pidesk.services.notifier.service.tally import count_finished
from pidesk.shared.db.base import utcnow

log = logging.getLogger(__name__)
MAX_RETRY_PAUSE = 5.0
OUTCOME_LINGER_SECONDS = 0.02  # outcomes wait this long for company: fewer, fuller commits; no message waits


@functools.cache
def _sent(dialect: str) -> Any:
    return (
        update(DELIVERIES)
        .where(ids_in(COLUMNS.id, dialect), COLUMNS.lease_owner == bindparam("owner"))
        .where(COLUMNS.status == issuing.SENDING)
        .values(status=SENT, sent_at=bindparam("now"), last_error=None, lease_owner=None, lease_until=None)
        .returning(COLUMNS.notice_id)
    )


@functools.cache
def _carried(dialect: str) -> Any:
    """Rows that rode in a sent mail (mailings.py): sent with it, and whose mail it was."""
    return (
        update(DELIVERIES)
        .where(ids_in(COLUMNS.id, dialect), COLUMNS.lease_owner == bindparam("owner"))
        .where(COLUMNS.status == issuing.SENDING)
        .values(
            status=SENT,
            sent_at=bindparam("now"),
            last_error=None,
            carried_by=bindparam("carrier"),
            lease_owner=None,
            lease_until=None,
        )
        .returning(COLUMNS.notice_id)
    )


def _as_rider(values: dict[str, Any]) -> dict[str, Any]:
    """The carrier's outcome for the rows riding in its mail (their attempts were counted as they were marked)."""
    return {k: v for k, v in values.items() if k != "attempts"}


async def _disconnect(writer: _Writer) -> None:
    connection, writer.connection = writer.connection, None
    if connection is not None:
        with contextlib.suppress(Exception):
            await connection.invalidate()
        with contextlib.suppress(Exception):
            await connection.close()


def _idle_event() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


@dataclass(eq=False)
class _Writer:
    """One transaction at a time on a connection of its own (no pool check-out and ping per commit);
    whatever queues up meanwhile goes in the next one."""

    write: Callable[[AsyncSession], Awaitable[bool]]  # one transaction of what is queued; True when all done
    linger: float = 0.0  # wait this long for more before writing (outcomes: nobody waits on them)
    connection: AsyncConnection | None = None
    work: asyncio.Event = field(default_factory=asyncio.Event)
    idle: asyncio.Event = field(default_factory=_idle_event)

    def queued(self) -> None:
        self.idle.clear()
        self.work.set()


class Ledger:
    def __init__(
        self,
        engine: AsyncEngine,
        owner: str,
        settings: NotifierSettings,
        on_commit: Callable[[], None],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine, self.owner, self.settings, self.on_commit = engine, owner, settings, on_commit
        self.clock = clock
        self._sending: list[tuple[Claim, asyncio.Future[bool]]] = []
        self._returned: list[int] = []
        self._renewals: list[int] = []
        self._outcomes: list[tuple[Claim, Outcome]] = []
        self._writing: list[tuple[Claim, Outcome]] = []  # outcomes in the commit being made
        self._marks = _Writer(self._write_marks)  # on every message's path: small and at once
        self._books = _Writer(self._write_outcomes, linger=OUTCOME_LINGER_SECONDS)
        self.commits = 0
        self.on_outcome: Callable[[str, str], None] = lambda _channel, _status: None  # (channel, status): metrics

    async def sending(self, claim: Claim) -> bool:
        """Commit `sending` for the claim (with the other sessions' marks); False: do not send it."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._sending.append((claim, future))
        self._marks.queued()
        return await future

    def record(self, claim: Claim, outcome: Outcome) -> None:
        """The attempt's outcome, written with the next outcomes' commit."""
        self._outcomes.append((claim, outcome))
        self._books.queued()
        self.on_outcome(claim.channel, outcome.status)

    def give_back(self, ids: list[int]) -> None:
        """Rows held but not to be attempted: pending and free for anyone with the next commit."""
        self._returned.extend(ids)
        self._marks.queued()

    def renew(self, ids: list[int]) -> None:
        """Extend the leases of the rows held, and of those whose outcome is still to be committed (a mail
        handed to SMTP whose `sent` is not written yet must not look abandoned to another instance's sweep,
        which would record it `unconfirmed`), with the next marks' commit."""
        self._renewals = [*ids, *self.unrecorded()]
        self._marks.queued()

    def unrecorded(self) -> list[int]:
        """The rows whose outcome is known here and not committed yet."""
        return [i for claim, _ in (*self._writing, *self._outcomes) for i in claim.ids]

    async def flush(self) -> None:
        """Until everything queued so far is committed."""
        while not (self._marks.idle.is_set() and self._books.idle.is_set()):
            await self._marks.idle.wait()
            await self._books.idle.wait()

    async def run(self) -> None:
        await asyncio.gather(self._serve(self._marks), self._serve(self._books))

    async def _serve(self, writer: _Writer) -> None:
        pause = 0.05
        try:
            while True:
                await writer.work.wait()
                if writer.linger:
                    await asyncio.sleep(writer.linger)
                writer.work.clear()
                try:
                    if writer.connection is None:
                        writer.connection = await self.engine.connect()
                    async with AsyncSession(bind=writer.connection, expire_on_commit=False) as session:
                        done = await writer.write(session)
                    pause = 0.05
                except Exception:  # the database is away or the commit failed: retried, nothing lost
                    log.warning("delivery records not written; retrying", exc_info=True)
                    await _disconnect(writer)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, MAX_RETRY_PAUSE)
                    writer.work.set()
                    continue
                if done:
                    writer.idle.set()
        finally:
            await _disconnect(writer)

    async def _write_marks(self, session: AsyncSession) -> bool:
        sending, self._sending = self._sending, []
        returned, self._returned = self._returned, []
        renewals, self._renewals = self._renewals, []
        if sending or returned or renewals:
            until = self.clock() + timedelta(seconds=self.settings.lease_seconds)
            try:
                async with session.begin():
                    db = await session.connection()
                    # rows in id order, each statement: instances never deadlock
                    await leases.give_back(db, self.owner, returned)
                    await leases.renew(db, self.owner, renewals, until)
                    ours = await leases.mark_sending(db, self.owner, [i for c, _ in sending for i in c.ids], until)
            except BaseException:
                for claim, future in sending:
                    future.set_result(False)
                    returned.extend(claim.ids)  # its `sending` may have committed all the same: DATA never began
                self._returned.extend(returned)
                self._renewals = self._renewals or renewals
                raise
            for claim, future in sending:
                whole = all(i in ours for i in claim.ids)  # a mail goes with every row it carries, or not at all
                if not whole and len(claim.ids) > 1:
                    self._returned.extend(i for i in claim.ids if i in ours)
                    self._marks.queued()
                future.set_result(whole)
            self.commits += 1
        return not (self._sending or self._returned or self._renewals)

    async def _write_outcomes(self, session: AsyncSession) -> bool:
        outcomes, self._outcomes = self._outcomes, []
        if outcomes:
            self._writing = outcomes
            try:
                async with session.begin():
                    issued = await self._record(session, await session.connection(), outcomes, self.clock())
            except BaseException:
                self._outcomes[:0] = outcomes
                raise
            finally:
                self._writing = []
            self.commits += 1
            if issued:
                self.on_commit()
        return not self._outcomes

    async def _record(
        self, session: AsyncSession, db: AsyncConnection, outcomes: list[tuple[Claim, Outcome]], now: datetime
    ) -> bool:
        """Each outcome on its row (if still ours), the notices' counts, and any notice now finished issued."""
        finished: Counter[tuple[uuid.UUID, str]] = Counter()
        sent = sorted(c.id for c, o in outcomes if o.status == SENT)
        if sent:  # the common case: one statement for all of them
            values = {"ids": sent, "owner": self.owner, "now": now}
            finished.update((notice, SENT) for notice in (await db.scalars(_sent(dialect_of(db)), values)).all())
        for claim in sorted((c for c, o in outcomes if o.status == SENT and c.riders), key=lambda c: c.id):
            values = {"ids": sorted(r.id for r in claim.riders), "owner": self.owner, "now": now, "carrier": claim.id}
            finished.update((notice, SENT) for notice in (await db.scalars(_carried(dialect_of(db)), values)).all())
        for claim, outcome in sorted(((c, o) for c, o in outcomes if o.status != SENT), key=lambda p: p[0].id):
            values = self._values(claim.attempts + 1, outcome, now)
            for ids, changes in ([claim.id], values), (sorted(r.id for r in claim.riders), _as_rider(values)):
                statement = (
                    update(DELIVERIES)
                    .where(ids_in(COLUMNS.id, dialect_of(db)), COLUMNS.lease_owner == self.owner)
                    .where(COLUMNS.status.in_(issuing.OPEN))
                    .values(changes)
                    .returning(COLUMNS.notice_id)
                )
                notices = (await db.scalars(statement, {"ids": ids})).all() if ids else []
                status = str(values["status"])
                if status != issuing.PENDING:
                    finished.update((notice, status) for notice in notices)
        return await count_finished(session, finished, now)

    def _values(self, attempts: int, outcome: Outcome, now: datetime) -> dict[str, Any]:
        values: dict[str, Any] = {"attempts": attempts, "last_error": outcome.detail}
        values |= {"lease_owner": None, "lease_until": None}
        if outcome.status == RETRY and attempts < self.settings.max_attempts:
            return values | {"status": issuing.PENDING, "next_attempt_at": now + self._backoff(attempts)}
        if outcome.status == RETRY:
            gave_up = f"gave up after {attempts} attempts: {outcome.detail}"[:500]
            return values | {"status": FAILED, "last_error": gave_up}
        return values | {"status": outcome.status}

    def _backoff(self, attempts: int) -> timedelta:
        seconds = min(self.settings.retry_base_seconds * 2 ** max(attempts - 1, 0), self.settings.retry_max_seconds)
        return timedelta(seconds=seconds * random.uniform(0.9, 1.1))
