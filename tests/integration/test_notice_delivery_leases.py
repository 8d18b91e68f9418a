"""Several notifier instances on one PostgreSQL database, a real SMTP server: per-row leases, risk first.

Each (notice, recipient) is mailed at most once whichever instance holds it; a row left `sending` is
recorded `unconfirmed` only once its holder's lease has run out; rows a dead instance claimed but never
attempted are delivered by another; internal alerts go before data-subject mail, riskiest first.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from pidesk.migrations import runner
from pidesk.services.notifier.adapters.orm import Delivery, Notice
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.service import alerts, issuing, leases, ledger
from pidesk.services.notifier.service.delivery import DeliveryService
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import EscalationRequested, Recipient
from tests.integration.test_notice_delivery_service import Notifier, approval, reported_and_assessed
from tests.support.infra import fresh_postgres_database, kafka_bootstrap
from tests.support.mail import MailSink


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as running:
        yield running


def settings_for(url: str, sink: MailSink, tmp_path: Path, **extra: Any) -> NotifierSettings:
    """Leases of 10 s unless a test is about renewing them (`SHORT_LEASE`): a live instance whose event loop
    a busy machine holds up for longer than a lease looks dead to the sweeps, and its mails in flight are
    recorded `unconfirmed` (as they should be; it is not what the other tests are about)."""
    values: dict[str, Any] = {
        "NOTIFIER_SMTP_PORT": sink.port,
        "NOTIFIER_RETRY_BASE_SECONDS": 0.01,
        "NOTIFIER_MAX_ATTEMPTS": 3,
        "NOTIFIER_LEASE_SECONDS": 10,
        "NOTIFIER_CLAIM_BATCH": 16,
        "NOTIFIER_SMTP_CONNECTIONS": 4,
        **extra,
    }
    return NotifierSettings(
        env="test", var_dir=tmp_path, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(), NOTIFIER_DATABASE_URL=url, **values
    )


SHORT_LEASE = {"NOTIFIER_LEASE_SECONDS": 1}  # the smallest allowed: renewals every third of a second


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with fresh_postgres_database("lease") as url:
        await runner.upgrade(url, "notifier")
        yield url


@contextlib.asynccontextmanager
async def running(service: DeliveryService) -> AsyncIterator[DeliveryService]:
    """The instance's delivery loop, as `pidesk notifier` runs it, until the block ends (then SIGTERM-like)."""
    task = asyncio.create_task(service.run())
    try:
        yield service
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def until(check: Any, timeout: float = 60.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)


async def statuses(notifier: Notifier, notice_id: uuid.UUID) -> dict[str, str]:
    return {row.address: row.status for row in await notifier.deliveries(notice_id)}


def alert(risk: str, step: int, people: int = 3) -> EscalationRequested:
    return EscalationRequested(
        reference="PI-2026-000042",
        target="promotion_bureau",
        step=step,
        reason="escalated",
        risk_level=risk,
        recipients=[
            Recipient(name=f"Desk {risk} {i}", email=f"{risk}.{step}.{i}@example.com", language="en")
            for i in range(people)
        ],
        ack_due_at=utcnow() + timedelta(hours=1),
        requested_at=utcnow(),
    )


async def test_two_instances_deliver_one_batch_with_every_recipient_mailed_exactly_once(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    first = Notifier(database, settings_for(database, sink, tmp_path))
    second = Notifier(database, settings_for(database, sink, tmp_path))
    incident_id = await reported_and_assessed(first)
    notice = (await first.notices(incident_id))[("data_subject", "subjects", "ja")]
    people = [(f"p{i:04d}@example.net", f"受信者 {i}", "ja" if i % 3 else "en") for i in range(600)]
    sink.handler.temporary["p0007@example.net"] = 1  # one 451 on the way: retried by whichever instance
    async with running(first.delivery), running(second.delivery):
        await first.apply(
            lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x.test", people=first.people)
        )
        first.delivery.wake()
        second.delivery.wake()
        assert await until(lambda: _all_final(first, notice.id), timeout=120)
    received = sink.handler.by_recipient()
    assert all(received[address] == 1 for address, _, _ in people), "someone was mailed twice, or not at all"
    assert len(sink.handler.messages) == len(people)
    assert first.delivery.delivered > 0 and second.delivery.delivered > 0, "both instances should have delivered"
    assert set((await statuses(first, notice.id)).values()) == {"sent"}
    (issued,) = await first.issued()
    assert issued["recipients"] == {"total": 600, "sent": 600, "failed": 0, "unconfirmed": 0}
    async with first.sessions() as session:
        leased = await session.scalar(select(func.count()).where(Delivery.lease_owner.is_not(None)))
    assert leased == 0  # every finished row released
    for notifier in (first, second):
        await notifier.engine.dispose()


async def _all_final(notifier: Notifier, notice_id: uuid.UUID) -> bool:
    return all(status in ("sent", "failed", "unconfirmed") for status in (await statuses(notifier, notice_id)).values())


async def test_a_row_left_sending_is_unconfirmed_only_once_its_lease_has_run_out(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    notifier = Notifier(database, settings_for(database, sink, tmp_path))
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    people = [("dead@example.net", "", "en"), ("alive@example.net", "", "en"), ("never@example.net", "", "en")]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x.test", people=notifier.people)
    )
    now = utcnow()
    async with notifier.sessions() as session, session.begin():  # as two instances left them, mid-send
        for address, owner, until_ in (("dead@", "gone", now - timedelta(seconds=5)), ("alive@", "busy", None)):
            values = {"status": "sending", "attempts": 1, "lease_owner": owner}
            values["lease_until"] = until_ or now + timedelta(minutes=5)
            await session.execute(
                update(Delivery)
                .where(Delivery.address == notifier.people.blind_index("email", address + "example.net"))
                .values(values)
                .execution_options(synchronize_session=False)
            )
        # and one a dead instance claimed but never attempted
        await session.execute(
            update(Delivery)
            .where(Delivery.address == notifier.people.blind_index("email", "never@example.net"))
            .values(lease_owner="gone", lease_until=now - timedelta(seconds=5))
            .execution_options(synchronize_session=False)
        )
    assert await notifier.delivery.recover() == 1
    rows = {r.address: r for r in await notifier.deliveries(notice.id)}
    assert rows["dead@example.net"].status == "unconfirmed" and "at most once" in rows["dead@example.net"].last_error
    assert rows["alive@example.net"].status == "sending"  # its instance is alive: left alone
    assert rows["never@example.net"].status == "pending" and rows["never@example.net"].attempts == 0
    assert await notifier.deliver_all() == 1  # the never-attempted row, by this instance
    assert sink.handler.by_recipient() == {"never@example.net": 1}
    async with notifier.sessions() as session:
        counts = await session.get(Notice, notice.id)
        assert counts is not None and (counts.sent, counts.unconfirmed, counts.total) == (1, 1, 3)
    await notifier.engine.dispose()


async def test_a_live_instance_keeps_its_lease_through_a_slow_send(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    sink.handler.data_delay = 3.5  # DATA takes longer than three leases of 1 s: renewals keep the row
    sender = Notifier(database, settings_for(database, sink, tmp_path, **SHORT_LEASE))
    watcher = Notifier(database, settings_for(database, sink, tmp_path, **SHORT_LEASE))
    notice = await one_recipient_approved(sender, "slow@example.net")
    async with running(sender.delivery):
        sender.delivery.wake()
        assert await until(lambda: _status_is(sender, notice.id, "sending"), timeout=10)
        for _ in range(12):  # another instance's recovery, again and again, while the message is in flight
            assert await watcher.delivery.recover() == 0
            await asyncio.sleep(0.25)
        assert await until(lambda: _status_is(sender, notice.id, "sent"), timeout=10)
    assert sink.handler.by_recipient() == {"slow@example.net": 1}
    for notifier in (sender, watcher):
        await notifier.engine.dispose()


async def test_an_instance_never_takes_its_own_mail_in_flight_for_abandoned(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    sink.handler.data_delay = 2.0  # a slow DATA, during which the row's lease runs out unrenewed
    notifier = Notifier(database, settings_for(database, sink, tmp_path))
    notice = await one_recipient_approved(notifier, "late@example.net")
    async with running(notifier.delivery):
        notifier.delivery.wake()
        assert await until(lambda: _status_is(notifier, notice.id, "sending"), timeout=10)
        async with notifier.sessions() as session, session.begin():  # as if its event loop had been held up
            await session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=5)))
        assert await notifier.delivery.recover() == 0  # its own sweep: the mail is in its hands, not lost
        assert await until(lambda: _status_is(notifier, notice.id, "sent"), timeout=10)
    assert sink.handler.by_recipient() == {"late@example.net": 1}
    await notifier.engine.dispose()


async def one_recipient_approved(notifier: Notifier, address: str) -> Notice:
    """An assessed incident's data-subject notice (English), approved for one recipient: due at once."""
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    people = [(address, "", "en")]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x", people=notifier.people)
    )
    return notice


async def _status_is(notifier: Notifier, notice_id: uuid.UUID, status: str) -> bool:
    return list((await statuses(notifier, notice_id)).values()) == [status]


async def test_rows_claimed_by_a_killed_instance_go_back_to_pending_and_the_other_delivers_them(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    survivor = Notifier(database, settings_for(database, sink, tmp_path))
    incident_id = await reported_and_assessed(survivor)
    notice = (await survivor.notices(incident_id))[("data_subject", "subjects", "ja")]
    people = [(f"k{i}@example.net", f"被通知者 {i}", "ja") for i in range(40)]
    await survivor.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x.test", people=survivor.people)
    )
    async with survivor.sessions() as session, session.begin():  # an instance claims a batch, then is killed
        now = utcnow()
        claimed = await leases.claim(await session.connection(), "killed", 25, now, now + timedelta(seconds=1.5))
    assert len(claimed) == 25
    async with running(survivor.delivery):
        survivor.delivery.wake()
        assert await until(lambda: _all_final(survivor, notice.id), timeout=60)
        assert await survivor.delivery.recover() == 0
    rows = await survivor.deliveries(notice.id)
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}  # never in doubt
    assert all(n == 1 for n in sink.handler.by_recipient().values()) and len(sink.handler.messages) == 40
    await survivor.engine.dispose()


async def test_a_very_high_alert_goes_before_data_subject_mail_and_low_risk_alerts(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    notifier = Notifier(database, settings_for(database, sink, tmp_path, NOTIFIER_SMTP_CONNECTIONS=1))
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    people = [(f"s{i:03d}@example.net", "", "en") for i in range(500)]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x.test", people=notifier.people)
    )
    await notifier.apply(
        lambda s: alerts.record_alert(s, incident_id, alert("low", 1), "https://d", "x", people=notifier.people)
    )
    await notifier.apply(
        lambda s: alerts.record_alert(s, incident_id, alert("very_high", 2), "https://d", "x", people=notifier.people)
    )
    assert await notifier.deliver_all(limit=10) == 10
    order = [m.recipients[0] for m in sink.handler.messages]
    assert order[:3] == [f"very_high.2.{i}@example.com" for i in range(3)]  # riskiest first, then by age
    assert order[3:6] == [f"low.1.{i}@example.com" for i in range(3)]
    assert all(address.startswith("s") for address in order[6:])

    # while the notice is being delivered, a new very_high alert is sent at once, not after the rest
    async with running(notifier.delivery):
        notifier.delivery.wake()
        assert await until(lambda: _count_at_least(sink, 60), timeout=60)
        await notifier.apply(
            lambda s: alerts.record_alert(
                s, incident_id, alert("very_high", 3), "https://d", "x", people=notifier.people
            )
        )
        notifier.delivery.wake()  # as the consumer's commit does
        assert await until(lambda: _all_final(notifier, notice.id), timeout=120)
    order = [m.recipients[0] for m in sink.handler.messages]
    positions = [order.index(f"very_high.3.{i}@example.com") for i in range(3)]
    subjects_after = [a for a in order[max(positions) :] if a.startswith("s")]
    assert len(subjects_after) > 300, f"the alert waited behind the notice: {positions}"
    await notifier.engine.dispose()


async def _count_at_least(sink: MailSink, count: int) -> bool:
    return sink.handler.count() >= count


async def test_sqlite_the_only_process_takes_over_what_its_predecessor_left(sink: MailSink, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notifier.db'}"
    await runner.upgrade(url, "notifier")
    notifier = Notifier(url, settings_for(url, sink, tmp_path))
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    people = [("inflight@example.net", "", "en"), ("claimed@example.net", "", "en")]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x.test", people=notifier.people)
    )
    later = datetime.now(UTC) + timedelta(minutes=10)  # leases still running: the predecessor is gone all the same
    async with notifier.sessions() as session, session.begin():
        for address, status in (("inflight@example.net", "sending"), ("claimed@example.net", "pending")):
            await session.execute(
                update(Delivery)
                .where(Delivery.address == notifier.people.blind_index("email", address))
                .values(status=status, lease_owner="predecessor", lease_until=later)
                .execution_options(synchronize_session=False)
            )
    async with running(notifier.delivery):
        assert await until(lambda: _all_final(notifier, notice.id), timeout=30)
    assert await statuses(notifier, notice.id) == {"inflight@example.net": "unconfirmed", "claimed@example.net": "sent"}
    assert sink.handler.by_recipient() == {"claimed@example.net": 1}
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        assert (await session.get(Notice, notice.id)).status == "sent"  # type: ignore[union-attr]
    await engine.dispose()
    await notifier.engine.dispose()


async def test_the_upgrade_puts_open_alerts_ahead_of_data_subject_mail(tmp_path: Path) -> None:
    async with fresh_postgres_database("lease_up") as url:
        await runner.upgrade(url, "notifier", "10a0da92c90e")  # before leases and priority
        engine = create_engine(url)
        async with engine.begin() as connection:
            for kind, status in (("internal", "pending"), ("internal", "sent"), ("data_subject", "pending")):
                notice = uuid.uuid4()
                await connection.exec_driver_sql(
                    "INSERT INTO notices (id, incident_id, reference, kind, variant, language, channel, status,"
                    " current, subject, body, obligations, context, facts_changed_since_edit, approvals, total,"
                    " sent, failed, unconfirmed, updated_at, created_at) VALUES ($1, $2, 'PI-1', $3, 'v', 'en',"
                    " 'email', 'sending', true, 's', 'b', '[]', '{}', false, '{}', 1, 0, 0, 0, now(), now())",
                    (notice, uuid.uuid4(), kind),
                )
                await connection.exec_driver_sql(
                    "INSERT INTO deliveries (notice_id, channel, address, name, language, status, attempts,"
                    " next_attempt_at, message_id) VALUES ($1, 'email', $2, '', 'en', $3, 0, now(), '<m@x>')",
                    (notice, f"{kind}.{status}@example.com", status),
                )
        await engine.dispose()
        await runner.upgrade(url, "notifier", "9d41b6e2c7a3")  # before recipients were sealed
        engine = create_engine(url)
        async with engine.connect() as connection:
            rows = dict((await connection.exec_driver_sql("SELECT address, priority FROM deliveries")).all())
        await engine.dispose()
    # leases: an open alert of unknown risk 2, the rest 5; then people before tools: 2 * 2 + 1, notices 10
    assert rows == {
        "internal.pending@example.com": 5,
        "internal.sent@example.com": 10,
        "data_subject.pending@example.com": 10,
    }


async def test_a_notice_that_cannot_be_composed_holds_up_no_other(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    notifier = Notifier(database, settings_for(database, sink, tmp_path, NOTIFIER_MAX_ATTEMPTS=2))
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    await notifier.apply(
        lambda s: issuing.approve(
            s, incident_id, approval(notice.id, [("broken@example.net", "", "en")]), "x", people=notifier.people
        )
    )
    async with notifier.sessions() as session, session.begin():  # its template now lacks what it needs
        await session.execute(update(Notice).where(Notice.id == notice.id).values(context={}))
    await notifier.apply(
        lambda s: alerts.record_alert(s, incident_id, alert("high", 1), "https://d", "x", people=notifier.people)
    )
    await notifier.deliver_all()
    assert sorted(sink.handler.by_recipient()) == [f"high.1.{i}@example.com" for i in range(3)]
    (row,) = await notifier.deliveries(notice.id)
    assert row.status == "failed" and row.attempts == 2 and "could not be composed" in (row.last_error or "")
    await notifier.engine.dispose()


async def test_a_sent_mail_whose_outcome_waits_keeps_its_lease(
    database: str, sink: MailSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the outcomes' commit held back longer than two leases of 1 s (a slow or busy database): the mails
    # went, their `sent` is not written yet, and another instance's sweep must not take them for abandoned
    monkeypatch.setattr(ledger, "OUTCOME_LINGER_SECONDS", 2.5)
    sender = Notifier(database, settings_for(database, sink, tmp_path, **SHORT_LEASE))
    watcher = Notifier(database, settings_for(database, sink, tmp_path, **SHORT_LEASE))
    incident_id = await reported_and_assessed(sender)
    notice = (await sender.notices(incident_id))[("data_subject", "subjects", "en")]
    people = [(f"w{i}@example.net", "", "en") for i in range(5)]
    await sender.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x", people=sender.people)
    )
    async with running(sender.delivery):
        sender.delivery.wake()
        assert await until(lambda: _count_at_least(sink, len(people)), timeout=10)
        for _ in range(8):  # 2 s of another instance's sweeps while the outcomes wait
            assert await watcher.delivery.recover() == 0
            await asyncio.sleep(0.25)
        assert await until(lambda: _all_final(sender, notice.id), timeout=10)
    assert set((await statuses(sender, notice.id)).values()) == {"sent"}
    for notifier in (sender, watcher):
        await notifier.engine.dispose()


async def test_a_renewal_skips_a_row_another_transaction_holds_instead_of_waiting(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    # the instance's outcomes' commit may hold a row whose lease the marks' commit renews: waiting for it
    # there, with other rows locked, could deadlock; the renewal skips it (it comes again next round)
    notifier = Notifier(database, settings_for(database, sink, tmp_path))
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    people = [("a@example.net", "", "en"), ("b@example.net", "", "en")]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x", people=notifier.people)
    )
    ids = sorted(row.id for row in await notifier.deliveries(notice.id))
    before = utcnow() + timedelta(seconds=5)
    async with notifier.sessions() as session, session.begin():
        await session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(lease_owner="me", lease_until=before))
    later = utcnow() + timedelta(minutes=5)
    async with notifier.engine.connect() as holder, notifier.engine.connect() as renewer:
        await holder.begin()
        await holder.execute(select(Delivery.id).where(Delivery.id == ids[0]).with_for_update())
        await renewer.begin()
        await asyncio.wait_for(leases.renew(renewer, "me", ids, later), timeout=5)  # did not wait on the lock
        await renewer.commit()
        await holder.rollback()
    async with notifier.sessions() as session:
        until_ = dict(
            (await session.execute(select(Delivery.id, Delivery.lease_until).where(Delivery.id.in_(ids)))).all()
        )
    assert until_[ids[0]] == before and until_[ids[1]] == later
    await notifier.engine.dispose()


async def twelve_alerts_due(
    database: str, sink: MailSink, tmp_path: Path, *, defer: float, data_delay: float
) -> tuple[Notifier, uuid.UUID]:
    """An instance claiming 4 rows at a time over one slow SMTP session, and 12 people to alert."""
    settings = settings_for(
        database,
        sink,
        tmp_path,
        NOTIFIER_CLAIM_BATCH=4,
        NOTIFIER_SMTP_CONNECTIONS=1,
        NOTIFIER_DRAFTING_DEFER_SECONDS=defer,
    )
    notifier = Notifier(database, settings)
    incident_id = await reported_and_assessed(notifier)
    sink.handler.data_delay = data_delay  # a slow relay: the alerts stay due for a while
    await notifier.apply(
        lambda s: alerts.record_alert(
            s, incident_id, alert("high", 1, people=12), "https://d", "x", people=notifier.people
        )
    )
    return notifier, incident_id


async def test_drafting_waits_while_internal_alerts_are_due_that_delivery_has_not_got_to(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    """`alerts_first` (the drafting lane's `before_round`): it holds while the last claim was full of internal
    alerts and returns once a claim finds less than it asked for; data-subject mail holds nothing back."""
    notifier, incident_id = await twelve_alerts_due(database, sink, tmp_path, defer=60, data_delay=0.3)
    subjects = (await notifier.notices(incident_id))[("data_subject", "subjects", "ja")]
    service = notifier.delivery
    assert not service.alerts_behind
    async with running(service):
        assert await until(lambda: _true(service.alerts_behind), timeout=30)
        drafting = asyncio.create_task(service.alerts_first())
        await asyncio.sleep(0.5)
        assert not drafting.done(), "drafting went on while alerts were due"
        sink.handler.data_delay = 0.0
        await asyncio.wait_for(drafting, 30)  # the alerts went: it returns (long before its 60 s limit)
        assert not service.alerts_behind
        assert await until(lambda: _count_at_least(sink, 12), timeout=30)

        # data-subject mail is not an internal alert: a full claim of it holds nothing back
        sink.handler.data_delay = 0.3
        people = [(f"s{i:03d}@example.net", f"S {i}", "ja") for i in range(12)]
        await notifier.apply(
            lambda s: issuing.approve(s, incident_id, approval(subjects.id, people), "x", people=notifier.people)
        )
        service.wake()
        assert await until(lambda: _count_at_least(sink, 13), timeout=30)
        assert not service.alerts_behind
        await asyncio.wait_for(service.alerts_first(), 1)
    assert not service.alerts_behind  # a stopped loop holds nothing back
    await notifier.engine.dispose()


async def test_drafting_never_waits_longer_than_its_limit(database: str, sink: MailSink, tmp_path: Path) -> None:
    notifier, _ = await twelve_alerts_due(database, sink, tmp_path, defer=0.2, data_delay=1.0)
    waited: list[float] = []
    notifier.delivery.on_deferred = waited.append  # pidesk_drafting_deferred_seconds
    async with running(notifier.delivery) as service:
        assert await until(lambda: _true(service.alerts_behind), timeout=30)
        await asyncio.wait_for(service.alerts_first(), 30)  # returns after its limit, the alerts still due
        assert service.alerts_behind
        assert len(waited) == 1 and waited[0] > 0
        sink.handler.data_delay = 0.0
    await notifier.engine.dispose()


async def _true(value: bool) -> bool:
    return value
