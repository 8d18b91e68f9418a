"""The delivery loop: each (notice, recipient) sent at most once, across kills and restarts.

One notifier instance delivers at a time (a PostgreSQL advisory lock held for its life); it runs
several workers, each with its own SMTP session. Per recipient:

1. claim the row and open the SMTP transaction (MAIL FROM, RCPT TO): a refusal here sent nothing;
2. commit `sending`: from here on the message may arrive;
3. DATA, then record `sent`, `failed`, `pending` again (4xx: retried with backoff) or `unconfirmed`.

A row found `sending` when an instance takes over belonged to one that stopped between 2 and 3: it is
recorded `unconfirmed` and not sent again (at most once); it almost always arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pidesk.services.notifier.adapters.chat import post_chat
from pidesk.services.notifier.adapters.mail import FAILED, RETRY, SENT, UNCONFIRMED, MailConnection, Outcome, compose
from pidesk.services.notifier.adapters.orm import Delivery, Notice
from pidesk.services.notifier.adapters.rendering import RenderedNotice, render_notice, salutation
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.domain.plan import template_for
from pidesk.services.notifier.service import issuing
from pidesk.shared.db.base import utcnow

log = logging.getLogger(__name__)
LEADER_LOCK = 0x7069_6465_736B_6E31  # "pidesk" n1: one delivering instance per database
IDLE_POLL_SECONDS = 0.5


@dataclass
class Claim:
    delivery_id: int
    notice_id: uuid.UUID
    incident_id: uuid.UUID
    channel: str
    address: str
    reference: str
    subject: str
    body: str
    language: str


class DeliveryService:
    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        settings: NotifierSettings,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine, self.sessions, self.settings, self.on_commit = engine, sessions, settings, on_commit
        self._wake = asyncio.Event()
        self.delivered = 0

    def wake(self) -> None:
        self._wake.set()

    @property
    def workers(self) -> int:
        return self.settings.smtp_connections if self.engine.dialect.name == "postgresql" else 1

    async def run(self) -> None:
        """Deliver for the life of the process (while this instance holds the delivery lock)."""
        async with self._leadership() as lock_lost:
            await self.recover()
            workers = asyncio.gather(*(self._work() for _ in range(self.workers)))
            try:
                await asyncio.wait([workers, lock_lost], return_when=asyncio.FIRST_COMPLETED)
            finally:
                workers.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await workers
            if lock_lost.done():
                raise ConnectionError("the connection holding the delivery lock was lost")
            workers.result()

    @contextlib.asynccontextmanager
    async def _leadership(self) -> AsyncIterator[asyncio.Future[None]]:
        """Yields a future that completes if this instance stops holding the delivery lock."""
        if self.engine.dialect.name != "postgresql":
            yield asyncio.get_running_loop().create_future()  # an embedded database has one process
            return
        async with self.engine.connect() as connection:
            while not await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK}):
                await connection.commit()
                await asyncio.sleep(2.0)
            await connection.commit()
            log.info("delivering: this instance holds the delivery lock")
            watch = asyncio.ensure_future(_watch(connection))
            try:
                yield watch
            finally:
                watch.cancel()

    async def recover(self) -> None:
        """Rows left `sending` by a stopped instance: unconfirmed, never sent again."""
        async with self.sessions() as session, session.begin():
            rows = (await session.scalars(select(Delivery).where(Delivery.status == issuing.SENDING))).all()
            for row in rows:
                row.status = issuing.UNCONFIRMED
                row.last_error = "the notifier stopped while sending; not sent again (at most once)"
                await self._count(session, row.notice_id, UNCONFIRMED, utcnow())
        if rows:
            log.warning(
                "deliveries left in flight by a stopped notifier recorded unconfirmed", extra={"count": len(rows)}
            )
            self.on_commit()

    async def _work(self) -> None:
        mail = MailConnection(
            self.settings.smtp_host,
            self.settings.smtp_port,
            self.settings.smtp_timeout_seconds,
            self.settings.mail_from,
        )
        async with httpx.AsyncClient(timeout=self.settings.chat_timeout_seconds) as http:
            try:
                while True:
                    if not await self.deliver_one(mail, http):
                        self._wake.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
            finally:
                await mail.close()

    async def deliver_one(self, mail: MailConnection, http: httpx.AsyncClient) -> bool:
        """Deliver the next due recipient, if any; False when nothing is due."""
        async with self.sessions() as session, session.begin():
            row = await _claim(session)
            if row is None:
                return False
            claim = await self._prepare_claim(session, row)
            if row.channel == "email":
                refusal = await mail.prepare(row.address)
                if refusal is not None:  # nothing was sent: record and go on
                    row.attempts += 1
                    await self._record(session, row, refusal)
                    return True
            row.status, row.attempts = issuing.SENDING, row.attempts + 1
            # `sending` is committed: the message may arrive from here on
        finish = asyncio.ensure_future(self._send_and_record(claim, mail, http))
        try:
            await asyncio.shield(finish)
        except asyncio.CancelledError:  # shutting down: let the message in flight finish and be recorded
            with contextlib.suppress(Exception):
                await asyncio.wait_for(finish, self.settings.smtp_timeout_seconds)
            raise
        return True

    async def _send_and_record(self, claim: Claim, mail: MailConnection, http: httpx.AsyncClient) -> None:
        if claim.channel == "email":
            outcome = await mail.transmit(self._message(claim))
        else:
            outcome = await post_chat(http, claim.address, claim.subject, claim.body)
        async with self.sessions() as session, session.begin():
            row = await session.get(Delivery, claim.delivery_id, populate_existing=True, with_for_update=True)
            assert row is not None
            await self._record(session, row, outcome)
        self.delivered += 1

    async def _prepare_claim(self, session: AsyncSession, row: Delivery) -> Claim:
        notice = await session.get(Notice, row.notice_id)
        assert notice is not None
        source = notice
        if row.language != notice.language:  # each person reads the notice in their own language
            source = (
                await session.scalars(
                    select(Notice).where(
                        Notice.incident_id == notice.incident_id,
                        Notice.kind == notice.kind,
                        Notice.variant == notice.variant,
                        Notice.language == row.language,
                    )
                )
            ).first() or notice
        if source.edited_at is not None:  # the desk's wording, with the person's name above it
            rendered = RenderedNotice(source.subject, salutation(row.name, source.language) + source.body)
        else:
            context = {**source.context, "recipient_name": row.name}
            rendered = render_notice(template_for(source.kind, source.variant), source.language, context)
        return Claim(
            delivery_id=row.id,
            notice_id=notice.id,
            incident_id=notice.incident_id,
            channel=row.channel,
            address=row.address,
            reference=notice.reference,
            subject=rendered.subject,
            body=rendered.body,
            language=source.language,
        )

    def _message(self, claim: Claim):  # type: ignore[no-untyped-def]
        return compose(
            sender=self.settings.mail_from,
            sender_name=self.settings.mail_from_name,
            to=claim.address,
            to_name="",
            subject=claim.subject,
            body=claim.body,
            language=claim.language,
            message_id=f"<{claim.notice_id}.{claim.delivery_id}@{self.settings.mail_domain}>",
            reference=claim.reference,
            now=utcnow(),
        )

    async def _record(self, session: AsyncSession, row: Delivery, outcome: Outcome) -> None:
        now = utcnow()
        row.last_error = None if outcome.status == SENT else outcome.detail
        if outcome.status == RETRY and row.attempts < self.settings.max_attempts:
            row.status, row.next_attempt_at = issuing.PENDING, now + self._backoff(row.attempts)
            return
        if outcome.status == RETRY:
            row.last_error = f"gave up after {row.attempts} attempts: {outcome.detail}"[:500]
        status = FAILED if outcome.status == RETRY else outcome.status
        row.status = status
        if status == SENT:
            row.sent_at = now
        await self._count(session, row.notice_id, status, now)
        self.on_commit()

    async def _count(self, session: AsyncSession, notice_id: uuid.UUID, status: str, now: datetime) -> None:
        notice = await issuing.locked_notice(session, notice_id)
        assert notice is not None
        if status == SENT:
            notice.sent += 1
        elif status == FAILED:
            notice.failed += 1
        else:
            notice.unconfirmed += 1
        await session.flush()
        if notice.sent + notice.failed + notice.unconfirmed >= notice.total:  # the last one: check and issue
            await issuing.complete_if_done(session, notice, notice.incident_id, now)

    def _backoff(self, attempts: int) -> timedelta:
        seconds = min(self.settings.retry_base_seconds * 2 ** max(attempts - 1, 0), self.settings.retry_max_seconds)
        return timedelta(seconds=seconds * random.uniform(0.9, 1.1))


async def _claim(session: AsyncSession) -> Delivery | None:
    statement = (
        select(Delivery)
        .where(Delivery.status == issuing.PENDING, Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(statement)).first()


async def _watch(connection) -> None:  # type: ignore[no-untyped-def]
    """Ends (and so stops delivering) when the connection holding the delivery lock is lost."""
    while True:
        await asyncio.sleep(5.0)
        try:
            await connection.scalar(text("SELECT 1"))
            await connection.commit()
        except Exception:
            log.error("the connection holding the delivery lock was lost; delivery stops", exc_info=True)
            return
