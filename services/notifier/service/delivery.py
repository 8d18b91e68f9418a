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
import html
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pidesk.services.notifier.adapters.chat import post_chat
from pidesk.services.notifier.adapters.mail import FAILED, RETRY, SENT, UNCONFIRMED, MailConnection, Outcome, compose
from pidesk.services.notifier.adapters.orm import Delivery, Notice
from pidesk.services.notifier.adapters.rendering import RenderedNotice, markdown_html, render_notice, salutation
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.domain.plan import template_for
from pidesk.services.notifier.service import issuing
from pidesk.shared.db.base import utcnow

log = logging.getLogger(__name__)
LEADER_LOCK = 0x7069_6465_736B_6E31  # "pidesk" n1: one delivering instance per database
IDLE_POLL_SECONDS = 0.5
NOTICE_CACHE_SECONDS = 5.0


@dataclass
class Claim:
    delivery_id: int
    attempts: int
    notice_id: uuid.UUID
    incident_id: uuid.UUID
    channel: str
    address: str
    reference: str
    subject: str
    body: str
    html: str
    language: str


NAME_SLOT = "PIDESKRECIPIENTNAME0SLOT"  # survives Jinja and Markdown untouched; replaced per person


@dataclass(frozen=True)
class PersonalisedParts:
    subject: str
    body: str
    body_html: str

    def text(self, name: str) -> str:
        return self.body.replace(NAME_SLOT, " ".join(name.split()))

    def html(self, name: str) -> str:
        return self.body_html.replace(NAME_SLOT, html.escape(" ".join(name.split())))


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
        self._rendered: dict[tuple[uuid.UUID, int, bool], PersonalisedParts] = {}
        self._notices: dict[uuid.UUID, tuple[float, Notice | None]] = {}
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
                doubt = Outcome(UNCONFIRMED, "the notifier stopped while sending; not sent again (at most once)")
                await self._record(session, row.id, row.notice_id, row.attempts, doubt)
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
                    await self._record(session, row.id, row.notice_id, row.attempts + 1, refusal)
                    return True
            sending = {"status": issuing.SENDING, "attempts": row.attempts + 1}
            await session.execute(update(Delivery).where(Delivery.id == row.id).values(sending))
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
            await self._record(session, claim.delivery_id, claim.notice_id, claim.attempts, outcome)
        self.delivered += 1

    async def _prepare_claim(self, session: AsyncSession, row: Delivery) -> Claim:
        notice = await self._notice(session, row.notice_id, row.notice_id, "")
        assert notice is not None
        source = notice
        if row.language != notice.language:  # each person reads the notice in their own language
            sibling = uuid.uuid5(notice.id, row.language)
            source = await self._notice(session, sibling, notice.id, row.language) or notice
        parts = self._parts(source, bool(row.name.strip()))
        return Claim(
            delivery_id=row.id,
            attempts=row.attempts + 1,
            notice_id=notice.id,
            incident_id=notice.incident_id,
            channel=row.channel,
            address=row.address,
            reference=notice.reference,
            subject=parts.subject,
            body=parts.text(row.name),
            html=parts.html(row.name),
            language=source.language,
        )

    async def _notice(self, session: AsyncSession, key: uuid.UUID, of: uuid.UUID, language: str) -> Notice | None:
        """A notice (or, given a language, its sibling in that language), cached for a few seconds: an
        approved notice's wording no longer changes; a sibling draft's new wording applies within seconds."""
        cached = self._notices.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        if not language:
            found = await session.get(Notice, key)
        else:
            notice = await self._notice(session, of, of, "")
            assert notice is not None
            found = (
                await session.scalars(
                    select(Notice).where(
                        Notice.incident_id == notice.incident_id,
                        Notice.kind == notice.kind,
                        Notice.variant == notice.variant,
                        Notice.language == language,
                    )
                )
            ).first()
        if len(self._notices) >= 1024:
            self._notices.clear()
        self._notices[key] = (time.monotonic() + NOTICE_CACHE_SECONDS, found)
        return found

    def _parts(self, source: Notice, named: bool) -> PersonalisedParts:
        """The notice rendered once per (notice, wording, named or not); each person's name goes in after."""
        key = (source.id, hash((source.subject, source.body, source.edited_at)), named)
        parts = self._rendered.get(key)
        if parts is None:
            name = NAME_SLOT if named else ""
            if source.edited_at is not None:  # the desk's wording, with the person's name above it
                rendered = RenderedNotice(source.subject, salutation(name, source.language) + source.body)
            else:
                context = {**source.context, "recipient_name": name}
                rendered = render_notice(template_for(source.kind, source.variant), source.language, context)
            parts = PersonalisedParts(rendered.subject, rendered.body, markdown_html(rendered.body))
            if len(self._rendered) >= 256:
                self._rendered.clear()
            self._rendered[key] = parts
        return parts

    def _message(self, claim: Claim):  # type: ignore[no-untyped-def]
        return compose(
            sender=self.settings.mail_from,
            sender_name=self.settings.mail_from_name,
            to=claim.address,
            to_name="",
            subject=claim.subject,
            body=claim.body,
            html=claim.html,
            language=claim.language,
            message_id=f"<{claim.notice_id}.{claim.delivery_id}@{self.settings.mail_domain}>",
            reference=claim.reference,
            now=utcnow(),
        )

    async def _record(
        self, session: AsyncSession, delivery_id: int, notice_id: uuid.UUID, attempts: int, outcome: Outcome
    ) -> None:
        now = utcnow()
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_error": None if outcome.status == SENT else outcome.detail,
        }
        if outcome.status == RETRY and attempts < self.settings.max_attempts:
            values |= {"status": issuing.PENDING, "next_attempt_at": now + self._backoff(attempts)}
            await session.execute(update(Delivery).where(Delivery.id == delivery_id).values(values))
            return
        if outcome.status == RETRY:
            values["last_error"] = f"gave up after {attempts} attempts: {outcome.detail}"[:500]
        status = FAILED if outcome.status == RETRY else outcome.status
        values["status"] = status
        if status == SENT:
            values["sent_at"] = now
        await session.execute(update(Delivery).where(Delivery.id == delivery_id).values(values))
        await self._count(session, notice_id, status, now)
        self.on_commit()

    async def _count(self, session: AsyncSession, notice_id: uuid.UUID, status: str, now: datetime) -> None:
        """One more finished recipient on the notice (one UPDATE); the last one issues the notice."""
        column = {SENT: Notice.sent, FAILED: Notice.failed, UNCONFIRMED: Notice.unconfirmed}[status]
        counts = (
            await session.execute(
                update(Notice)
                .where(Notice.id == notice_id)
                .values({column: column + 1})
                .returning(Notice.total, Notice.sent, Notice.failed, Notice.unconfirmed)
            )
        ).one()
        if counts.sent + counts.failed + counts.unconfirmed >= counts.total:
            notice = await issuing.locked_notice(session, notice_id)
            assert notice is not None
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
