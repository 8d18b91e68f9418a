"""The delivery loop: each (notice, recipient) sent at most once, by several notifier instances at once.

In each instance a claimer takes due rows in batches, riskiest first (leases.py), into a local priority
queue; a pool of SMTP sessions kept open (NOTIFIER_SMTP_CONNECTIONS) takes them in turn; the ledger
commits the `sending` marks of all sessions together, and their outcomes together (ledger.py); each
message is its notice's MIME built once, personalised (wording.py, adapters/letters.py). Internal alert
mail is assembled as it is claimed: one mail per person, incident and step, held back or deferred by the
rate limit, the group-update window and the daily digest (mailings.py). Per recipient:

1. MAIL FROM, RCPT TO: a refusal here sent nothing (retried with backoff, or failed);
2. `sending` committed, if the row is still this instance's: from here on the message may arrive;
3. DATA, then the outcome: `sent`, `failed`, `pending` again (4xx: backoff) or `unconfirmed`.

A row left `sending` whose lease ran out belonged to an instance that died between 2 and 3: any instance
records it `unconfirmed`, and nobody sends it again — except the instance still working on it (its event
loop held up past the lease, say), which knows the row is in its hands and records the outcome itself. A
row a dead instance claimed but never attempted stays `pending` and is claimed again once its lease runs out.

Internal alerts first, in the process too: while the last claim took all it asked for and held internal
alerts (more are due than this instance has got to), the consumer lane that drafts notices waits before
its next round (`alerts_first`, at most NOTIFIER_DRAFTING_DEFER_SECONDS a round), so the one core the
process has goes to getting the alerts out rather than to drafts that wait for a person's approval anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pidesk.services.notifier.adapters.chat import post_chat
from pidesk.services.notifier.adapters.mail import FAILED, RETRY, UNCONFIRMED, MailConnection, Outcome
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.domain.addresses import address_problem
from pidesk.services.notifier.domain.priority import NOTICE_PRIORITY
from pidesk.services.notifier.service import leases, mailings
from pidesk.services.notifier.service.leases import Claim
from pidesk.services.notifier.service.ledger import Ledger
from pidesk.services.notifier.service.tally import record_lapsed
from pidesk.services.notifier.service.wording import Wording
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import commit_without_waiting
from pidesk.shared.vocabulary import DeliveryChannel

log = logging.getLogger(__name__)
IDLE_POLL_SECONDS = 0.5
CRASH_WINDOW_SECONDS = 60.0  # two crashes within it: the loop is crash-looping (not ready)


class DeliveryService:
    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        settings: NotifierSettings,
        on_commit: Callable[[], None] = lambda: None,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine, self.sessions, self.settings, self.on_commit = engine, sessions, settings, on_commit
        self.owner = owner or leases.instance_id()
        self.clock = clock  # what time it is (the pacing of alert mails is tested with a clock of its own)
        self.ledger = Ledger(engine, self.owner, settings, on_commit, clock)
        self.on_deferred: Callable[[float], None] = lambda _seconds: None  # how long drafting waited (metrics)
        self.wording = Wording(settings)
        self.people = settings.recipient_cipher()
        self.pacing = settings.pacing
        self._queue: asyncio.PriorityQueue[tuple[tuple[object, ...], Claim]] = asyncio.PriorityQueue()
        self._held: dict[int, Claim] = {}  # claimed and not yet finished: their leases are renewed
        self._signal = asyncio.Event()
        self._urgent = False  # something new was committed: claim now, whatever is already held
        self._drained = False  # the last claim found less than it asked for
        self._alerts_clear = asyncio.Event()  # no internal alert is due that this instance has not got to
        self._alerts_clear.set()
        self.delivered = 0
        self._running = False  # run() is under way
        self._crashes: list[float] = []  # when run() crashed lately (monotonic)
        self._last_crash = ""
        self._workers: list[asyncio.Task[None]] = []

    def health(self) -> str:
        """For /readyz: "ok", or what is wrong with the delivery loop (crashed, crash-looping, a worker gone)."""
        now = time.monotonic()
        self._crashes = [t for t in self._crashes if now - t < CRASH_WINDOW_SECONDS]
        if self._crashes and (not self._running or len(self._crashes) > 1):
            window = f"{CRASH_WINDOW_SECONDS:g} s"
            return f"delivery loop crashed {len(self._crashes)} time(s) in the last {window}: {self._last_crash}"
        if self._running and any(worker.done() for worker in self._workers):
            return "a delivery worker has stopped"
        return "ok"

    def wake(self) -> None:
        """Called after a commit that added deliveries (an internal alert goes at once)."""
        self._urgent = True
        self._signal.set()

    @property
    def alerts_behind(self) -> bool:
        """Internal alerts are due that this instance has not got to: its last claim took as many rows as it
        asked for, and took internal alerts (claims go riskiest first, data-subject notices last)."""
        return not self._alerts_clear.is_set()

    async def alerts_first(self) -> None:
        """For work that may wait (drafting notices): return once no internal alert is due that this
        instance has not got to, or after NOTIFIER_DRAFTING_DEFER_SECONDS (0: at once), so the waiting
        work still goes on, a round at a time, under a flood of alerts."""
        most = self.settings.drafting_defer_seconds
        if most > 0 and self.alerts_behind:
            started = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._alerts_clear.wait(), most)
            self.on_deferred(time.monotonic() - started)

    def _behind(self, behind: bool) -> None:
        if behind:
            self._alerts_clear.clear()
        else:
            self._alerts_clear.set()

    @property
    def embedded(self) -> bool:
        """SQLite: one process, one writer."""
        return self.engine.dialect.name != "postgresql"

    @property
    def workers(self) -> int:
        return 1 if self.embedded else self.settings.smtp_connections

    @property
    def _low_water(self) -> int:
        return self.settings.claim_batch // 2

    async def run(self) -> None:
        """Deliver for the life of the process, alongside any other instances on the same database."""
        self._running = True
        try:
            await self._run()
        except Exception as exc:
            self.wording.forget()  # the restart reads every notice afresh
            self._crashes.append(time.monotonic())
            self._last_crash = f"{type(exc).__name__}: {exc}"[:300]
            raise
        finally:
            self._running = False
            self._behind(False)  # stopped or crashed: nothing waits for this loop

    async def _run(self) -> None:
        if self.embedded:  # the only process: whatever was left in flight or claimed is its predecessor's
            await self.recover(everyone=True)
        else:
            await self.recover()
        log.info("delivering", extra={"instance": self.owner, "smtp_sessions": self.workers})
        async with self._pipeline():
            await asyncio.gather(self._claim_loop(), self._keep_leases(), self._sweep())

    async def deliver_due(self, limit: int = 1000) -> int:
        """Attempt what is due now, again until nothing is (at most `limit` attempts); returns how many."""
        count = 0
        async with self._pipeline():
            while count < limit:
                claimed, taken = await self._claim(min(self.settings.claim_batch, limit - count))
                if not taken:
                    break
                count += len(claimed)
                await self._queue.join()
                await self.ledger.flush()  # retries with a short backoff may be due by the next claim
        return count

    async def recover(self, everyone: bool = False) -> int:
        """Rows left `sending` by an instance that died in flight (lease run out; `everyone`: all of them,
        and every lease freed): `unconfirmed`, never sent again. Returns how many. This instance's own rows
        still in flight are not among them, however late their renewal (its event loop held up)."""
        total = 0
        while True:
            in_hand = [i for claim in list(self._held.values()) for i in claim.ids] + self.ledger.unrecorded()
            async with self.sessions() as session, session.begin():
                if everyone:
                    await leases.free_all(session)
                count, issued = await record_lapsed(session, self.clock(), everyone=everyone, in_hand=in_hand)
            if issued:
                self.on_commit()
            total += count
            if count == 0:
                break
        if total:
            log.warning("deliveries left in flight by a stopped notifier recorded unconfirmed", extra={"count": total})
        return total

    @contextlib.asynccontextmanager
    async def _pipeline(self) -> AsyncIterator[None]:
        """The writer and the SMTP sessions while the body runs; on the way out, messages in flight finish
        and are recorded, and rows claimed but not attempted are given back."""
        settings = self.settings
        writer = asyncio.create_task(self.ledger.run())
        mails = [
            MailConnection(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_timeout_seconds,
                settings.mail_from,
                settings.smtp_security,
            )
            for _ in range(self.workers)
        ]
        async with httpx.AsyncClient(timeout=settings.chat_timeout_seconds) as http:
            workers = [asyncio.create_task(self._work(mail, http)) for mail in mails]
            self._workers = workers
            try:
                yield
            finally:
                for worker in workers:
                    worker.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                unstarted = []
                while not self._queue.empty():
                    unstarted.extend(self._queue.get_nowait()[1].ids)
                    self._queue.task_done()
                self.ledger.give_back(unstarted)
                self._held.clear()
                try:
                    await asyncio.wait_for(self.ledger.flush(), settings.smtp_timeout_seconds)
                except TimeoutError:
                    log.error("delivery records not written before stopping; their leases will lapse")
                writer.cancel()
                await asyncio.gather(writer, return_exceptions=True)
                await asyncio.gather(*(mail.close() for mail in mails), return_exceptions=True)

    async def _claim(self, limit: int) -> tuple[list[Claim], list[Claim]]:
        """Claim up to `limit` due rows; returns the claims to attempt (an alert mail carrying the rows that
        ride in it; rows to wait given back, mailings.py) and the rows taken, as claimed."""
        now = self.clock()
        until = now + timedelta(seconds=self.settings.lease_seconds)
        async with self.sessions() as session, session.begin():
            # a claim lost in a database crash only leaves its rows claimable again; the `sending` mark
            # that must survive is committed later, and waiting for it flushes this one too
            await commit_without_waiting(session)
            db = await session.connection()
            taken = await leases.claim(db, self.owner, limit, now, until)
            claims = taken
            if taken:
                claims = await mailings.assemble(db, taken, owner=self.owner, now=now, until=until, pacing=self.pacing)
                await self.wording.attach(session, claims, now)
        for claim in claims:
            if claim.id in self._held:  # still queued here: its lease lapsed (a slow renewal) and came back to us
                continue
            self._held[claim.id] = claim
            self._queue.put_nowait((claim.order, claim))
        return claims, taken

    async def _claim_loop(self) -> None:
        """Keep about `claim_batch` rows at hand; claim at once when woken (new work may come first)."""
        while True:
            self._signal.clear()
            urgent, self._urgent = self._urgent, False
            if urgent or len(self._held) <= self._low_water:
                wanted = max(self.settings.claim_batch - len(self._held), self.workers)
                try:
                    _, taken = await self._claim(wanted)
                except Exception:  # the database is away: try again at the next poll
                    log.warning("claiming deliveries failed", exc_info=True)
                    taken = []
                self._drained = len(taken) < wanted
                self._behind(not self._drained and any(row.priority < NOTICE_PRIORITY for row in taken))
                if not self._drained:
                    continue  # more is due
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._signal.wait(), IDLE_POLL_SECONDS)

    async def _keep_leases(self) -> None:
        while True:
            await asyncio.sleep(self.settings.lease_seconds / 3)
            self.ledger.renew([i for claim in list(self._held.values()) for i in claim.ids])

    async def _sweep(self) -> None:
        """Now and then, record what dead instances left in flight (the embedded database did at start)."""
        while not self.embedded:
            await asyncio.sleep(self.settings.lease_seconds * random.uniform(0.5, 1.0))
            try:
                await self.recover()
            except Exception:  # the next round will do
                log.warning("recording lapsed deliveries failed", exc_info=True)

    async def _work(self, mail: MailConnection, http: httpx.AsyncClient) -> None:
        while True:
            _, claim = await self._queue.get()
            attempt = asyncio.ensure_future(self._attempt(mail, http, claim))
            try:
                await asyncio.shield(attempt)
            except asyncio.CancelledError:  # shutting down: the message in flight finishes and is recorded
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(attempt, self.settings.smtp_timeout_seconds * 2)
                raise
            finally:
                self._queue.task_done()

    async def _attempt(self, mail: MailConnection, http: httpx.AsyncClient, claim: Claim) -> None:
        sending, message, address = False, b"", ""
        try:
            letter = claim.letter
            if letter is None:  # nothing was sent: tried again later (the wording may be mended), then failed
                self.ledger.record(claim, Outcome(FAILED if claim.refused else RETRY, claim.problem))
                return
            # opened here, just before it goes, and never written back (adapters/people.py)
            address = self.people.address(claim.address_sealed, notice_id=claim.notice_id, index=claim.address)
            name = self.people.name(claim.name, notice_id=claim.notice_id, index=claim.address)
            if claim.channel == DeliveryChannel.EMAIL:
                problem = address_problem(address)
                if problem is not None:  # this recipient's failure: never put into a header or a command
                    self.ledger.record(claim, Outcome(FAILED, problem))
                    return
                message = letter.mime(to=address, name=name, message_id=claim.message_id, now=self.clock())
                refusal = await mail.prepare(address)
                if refusal is not None:  # nothing was sent
                    self.ledger.record(claim, _unnamed(refusal, address))
                    return
            sending = await self.ledger.sending(claim)
            if not sending:  # not this instance's any more, or `sending` not recorded: not sent
                if claim.channel == DeliveryChannel.EMAIL:
                    await mail.abandon()
                return
            # `sending` is committed: the message may arrive from here on
            if claim.channel == DeliveryChannel.EMAIL:
                outcome = await mail.transmit(message)
            else:
                outcome = await post_chat(http, address, letter.subject, letter.text(name))
            self.ledger.record(claim, _unnamed(outcome, address))
            self.delivered += 1
        except Exception as exc:  # one recipient's surprise must not stop the others
            log.exception("delivery attempt failed", extra={"delivery_id": claim.id})
            if sending:
                self.ledger.record(claim, _unnamed(Outcome(UNCONFIRMED, f"{type(exc).__name__}: {exc}"[:500]), address))
            else:  # nothing was sent: tried again after a backoff, failed after the last attempt, never
                # claimed first again at once (a poisoned row would hold up everything behind it)
                self.ledger.record(claim, _unnamed(Outcome(RETRY, f"{type(exc).__name__}: {exc}"[:500]), address))
                if claim.channel == DeliveryChannel.EMAIL:
                    await mail.abandon()  # the session may hold a MAIL FROM: the next recipient starts clean
        finally:
            self._held.pop(claim.id, None)
            if not self._drained and len(self._held) <= self._low_water:
                self._signal.set()


def _unnamed(outcome: Outcome, address: str) -> Outcome:
    """The outcome with the recipient's address taken out of its detail (a server's reply may quote it): the
    row's `last_error` is kept in clear."""
    if not address or address.lower() not in outcome.detail.lower():
        return outcome
    detail = re.sub(re.escape(address), "<recipient>", outcome.detail, flags=re.IGNORECASE)
    return Outcome(outcome.status, detail)
