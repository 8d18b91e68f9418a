"""Internal alert mail, paced (issue 11, "less noise, nothing hidden"), on PostgreSQL and a real SMTP server.

One mail per person per incident per step (two roles, reminders due together); group updates at most one
per person and incident per window, folded; the per-address rate limit, with what it held named in the
next mail; the daily digest; risk first, held rows included. Time is the delivery's own clock, moved by
the tests: nothing sleeps for minutes.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import OutboxMessage as EscalationOutbox
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.services.escalation.service.timers import fire_next_timer
from pidesk.services.notifier.adapters.orm import Delivery, Notice
from pidesk.services.notifier.bootstrap import build_app
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.domain.pacing import Pacing
from pidesk.services.notifier.service import alert_batches, alerts, mailings
from pidesk.services.notifier.service.delivery import DeliveryService
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import (
    EscalationRequested,
    GroupProgress,
    IncidentReported,
    ObligationRef,
    Recipient,
    ReporterRef,
)
from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import Role
from tests.integration.test_escalation_timers import RULES
from tests.integration.test_notice_delivery_service import Notifier
from tests.support.infra import fresh_postgres_database, kafka_bootstrap
from tests.support.mail import MailSink, Received

T0 = datetime(2026, 12, 1, 1, 10, tzinfo=UTC)  # 10:10 JST
DESK = "https://desk.example/desk"
SECRET = "alert-pacing-test-secret-0123456789abcdef"
NAOKO = Recipient(name="山本 直子", email="Naoko.Yamamoto@example.com", language="ja")
LEE = Recipient(name="Min-jun Lee", email="minjun.lee@example.com", language="en")
KEN = Recipient(name="Ken Sasaki", email="ken.sasaki@example.com", language="en")


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


class PacedNotifier(Notifier):
    """A notifier whose delivery runs on `clock`; `restart()` is a new instance on the same database."""

    def __init__(self, url: str, settings: NotifierSettings, clock: Clock) -> None:
        super().__init__(url, settings)
        self.clock = clock
        self.restart()

    def restart(self) -> None:
        self.delivery = DeliveryService(self.engine, self.sessions, self.settings, clock=self.clock)

    async def record(self, incident_id: uuid.UUID, *events: EscalationRequested) -> None:
        """As the consumer records each event (one transaction each)."""
        pacing = self.settings.pacing
        for event in events:
            await self.apply(
                lambda s, e=event: alerts.record_alert(s, incident_id, e, DESK, "x.test", pacing, people=self.people)
            )

    async def record_batch(self, requests: list[tuple[uuid.UUID, EscalationRequested]]) -> None:
        """As the consumer records a batch of events (one transaction)."""
        pacing = self.settings.pacing
        await self.apply(lambda s: alert_batches.record_alerts(s, requests, DESK, "x.test", pacing, people=self.people))

    async def rows(self, address: str) -> list[Delivery]:
        async with self.sessions() as session:
            statement = (
                select(Delivery)
                .where(Delivery.address == self.people.blind_index("email", address))
                .order_by(Delivery.id)
            )
            return list((await session.scalars(statement)).all())


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as running:
        yield running


def settings_for(url: str, sink: MailSink, tmp_path: Path, **extra: Any) -> NotifierSettings:
    values: dict[str, Any] = {"NOTIFIER_SMTP_PORT": sink.port, "NOTIFIER_RETRY_BASE_SECONDS": 0.01, **extra}
    return NotifierSettings(
        env="test",
        var_dir=tmp_path,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
        NOTIFIER_DATABASE_URL=url,
        token_secret=SECRET,
        **values,
    )


@contextlib.asynccontextmanager
async def paced(kind: str, sink: MailSink, tmp_path: Path, **extra: Any) -> AsyncIterator[PacedNotifier]:
    @contextlib.asynccontextmanager
    async def database() -> AsyncIterator[str]:
        if kind == "sqlite":  # the embedded default of `pidesk up`
            yield f"sqlite+aiosqlite:///{tmp_path / 'notifier.db'}"
            return
        async with fresh_postgres_database("pacing") as url:
            yield url

    async with database() as url:
        await runner.upgrade(url, "notifier")
        notifier = PacedNotifier(url, settings_for(url, sink, tmp_path, **extra), Clock(T0))
        try:
            yield notifier
        finally:
            await notifier.engine.dispose()


def request(
    reference: str,
    *people: Recipient,
    target: str = "promotion_bureau",
    step: int = 1,
    reason: str = "routed",
    risk: str = "medium",
    at: datetime = T0,
    **extra: Any,
) -> EscalationRequested:
    return EscalationRequested(
        reference=reference,
        target=target,
        step=step,
        reason=reason,
        risk_level=risk,
        recipients=list(people),
        ack_due_at=at + timedelta(hours=4) if reason != "group_update" else None,
        requested_at=at,
        **extra,
    )


def subject(message: Received) -> str:
    return str(message.message["Subject"])


# --- one mail per person per incident per step ------------------------------------------------------------


async def test_two_overdue_obligations_are_one_reminder_and_one_mail_listing_both(
    sink: MailSink, tmp_path: Path
) -> None:
    """Escalation's reminder timer emits one event for every obligation due together; the notifier mails it once."""
    now = datetime.now(UTC)
    aware = now - timedelta(days=10)  # the desk report and the PPC preliminary report are both overdue
    report = IncidentReported(
        reference="PI-2026-000777",
        source="api",
        reporter=ReporterRef(
            name="A", email="a@example.co.jp", division="Retail Sales", entity="Example Holdings", entity_country="JP"
        ),
        incident_kind="misdelivery",
        aware_at=aware,
        received_at=aware,
        data_categories=["name", "credit_card"],
        affected_count=12,
        subject_regions={"JP": 12},
    )
    incident_id = uuid.uuid4()
    async with fresh_postgres_database("remind") as url:
        await runner.upgrade(url, "escalation")
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            await record_reported_incident(IncidentRepository(session), RULES, incident_id=incident_id, event=report)
        fired = []
        while (timer := await fire_next_timer(sessions, RULES, now=now)) is not None:
            fired.append(timer.outcome)
        async with sessions() as session:
            values = (await session.scalars(select(EscalationOutbox.value).order_by(EscalationOutbox.id))).all()
        await engine.dispose()
    events = [json.loads(v) for v in values]
    reminders = [
        EscalationRequested.model_validate(e["payload"])
        for e in events
        if e["event_type"] == "pidesk.escalation.requested" and e["payload"]["reason"] == "obligation_reminder"
    ]
    assert fired == ["reminded:pi_administrator"]  # the other overdue duty's timer went with it
    (reminder,) = reminders
    assert [o.code for o in reminder.obligations] == [
        "internal.report_to_desk",
        "appi.ppc_preliminary_report",
        "pmark.preliminary_report",  # a Japanese entity holds the Privacy Mark by default (docs/rules.md §2b)
    ]
    assert reminder.obligation_code == "internal.report_to_desk"  # the first, as before the list

    async with paced("postgresql", sink, tmp_path) as notifier:
        notifier.clock.at = now
        await notifier.record(incident_id, reminder)
        await notifier.deliver_all()
        await notifier.record(incident_id, reminder)  # the same event again (a redelivery under a new id)
        await notifier.deliver_all()
    (mail,) = sink.handler.to("ken.sasaki@example-holdings.example.com")
    assert subject(mail) == (
        "[PI-2026-000777] 期限の近い義務3件: 窓口への社内報告、個人情報保護委員会への速報、審査機関への事故報告（速報）"
    )  # the PI administrator of the example directory reads Japanese
    assert "個人情報事故窓口への社内報告" in mail.text() and "個人情報保護委員会への報告（速報）" in mail.text()
    assert mail.text().count("期限超過") == 3
    assert len(sink.handler.messages) == 1


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
@pytest.mark.parametrize("batched", [False, True], ids=["one at a time", "a consumer batch"])
async def test_two_roles_of_one_person_at_one_step_are_one_mail_naming_both(
    sink: MailSink, tmp_path: Path, kind: str, batched: bool
) -> None:
    incident_id = uuid.uuid4()
    naoko_again = Recipient(name="山本 直子", email="naoko.yamamoto@EXAMPLE.com", language="ja")  # another case
    bureau = request("PI-2026-000500", NAOKO, LEE, target="promotion_bureau", risk="high")
    admin = request("PI-2026-000500", naoko_again, target="pi_administrator", risk="high")
    async with paced(kind, sink, tmp_path) as notifier:
        if batched:
            await notifier.record_batch([(incident_id, bureau), (incident_id, admin)])
        else:
            await notifier.record(incident_id, bureau, admin)
        await notifier.deliver_all()
        # the same events again, and an escalation at the next step: nothing twice, the next step its own mail
        await notifier.record(incident_id, bureau, admin)
        await notifier.record(incident_id, request("PI-2026-000500", NAOKO, step=2, reason="escalated", risk="high"))
        await notifier.deliver_all()
        rows = await notifier.rows(NAOKO.email)
        notices = await notifier.notices(incident_id)

    naoko = sink.handler.to(NAOKO.email.lower())
    assert len(naoko) == 2, [subject(m) for m in naoko]  # step 1 (both roles) and step 2
    assert "個人情報保護推進部、個人情報保護管理者" in subject(naoko[0])
    assert "個人情報保護推進部、個人情報保護管理者（第1段階）" in naoko[0].text()
    assert len(sink.handler.to(LEE.email)) == 1
    # each role's alert keeps its own row, sent, the second carried by the first's mail
    assert [row.status for row in rows] == ["sent", "sent", "sent"]
    first, second, _ = rows
    assert first.carried_by is None and second.carried_by == first.id and str(first.id) in (second.note or "")
    step1 = [n for n in notices.values() if n.variant.endswith("step1")]
    assert len(step1) == 3 and all(n.status == "sent" and n.sent == n.total for n in step1)


async def test_reminders_of_one_step_recorded_apart_are_one_mail(sink: MailSink, tmp_path: Path) -> None:
    incident_id = uuid.uuid4()
    due = [
        ObligationRef(code=code, due_at=T0 + timedelta(hours=h), status="pending", basis="")
        for code, h in (("appi.ppc_preliminary_report", -1), ("gdpr.sa_notification", 12))
    ]
    reminders = [  # as escalation sent them before a reminder listed its obligations: one per obligation
        request(
            "PI-2026-000600",
            KEN,
            target="pi_administrator",
            step=2,
            reason="obligation_reminder",
            obligation_code=o.code,
            nearest_obligation=due[0],
        )
        for o in due
    ]
    async with paced("postgresql", sink, tmp_path) as notifier:
        await notifier.record(incident_id, *reminders)
        await notifier.deliver_all()
    (mail,) = sink.handler.to(KEN.email)
    assert subject(mail) == "[PI-2026-000600] 2 obligations due: APPI PPC preliminary report, GDPR SA notification"


# --- group updates ---------------------------------------------------------------------------------------------


async def test_five_group_updates_in_five_minutes_are_one_mail_now_and_one_folded_when_the_window_ends(
    sink: MailSink, tmp_path: Path
) -> None:
    incident_id = uuid.uuid4()
    total, events = 100, []
    for minute in range(5):
        at = T0 + timedelta(minutes=minute)
        grown = GroupProgress(
            since=at - timedelta(minutes=1),
            new_alerts=10,
            total_alerts=total + 10 * (minute + 1),
            affected_count=1000 + 60 * minute,
            new_obligations=["appi.ppc_preliminary_report"] if minute == 3 else [],
        )
        events.append(request("PI-2026-000700", NAOKO, LEE, reason="group_update", risk="low", at=at, group=grown))
    async with paced("postgresql", sink, tmp_path) as notifier:
        for minute, event in enumerate(events):
            notifier.clock.at = T0 + timedelta(minutes=minute, seconds=5)
            await notifier.record(incident_id, event)
            await notifier.deliver_all()
        assert len(sink.handler.to(LEE.email)) == 1  # the first at once, the rest wait for the window
        waiting = [r for r in await notifier.rows(LEE.email) if r.status == "pending"]
        assert len(waiting) == 4 and {r.hold for r in waiting} == {"group_window"}
        assert {r.next_attempt_at for r in waiting} == {T0 + timedelta(seconds=5, minutes=5)}
        assert "folded into the next group update" in (waiting[0].note or "")

        notifier.restart()  # the notifier restarts: what waits is in the database
        notifier.clock.at = T0 + timedelta(minutes=5, seconds=4)
        assert await notifier.deliver_all() == 0  # not before the window ends
        notifier.clock.at = T0 + timedelta(minutes=5, seconds=6)
        await notifier.deliver_all()
        rows = await notifier.rows(LEE.email)
    english, japanese = sink.handler.to(LEE.email), sink.handler.to(NAOKO.email.lower())
    assert len(english) == len(japanese) == 2
    assert subject(english[0]) == "[PI-2026-000700] 10 more alerts, 110 in all"
    assert subject(english[1]) == "[PI-2026-000700] 40 more alerts, 150 in all"
    assert (
        "40 more alerts since 10:10 JST, 150 in all; count now 1,240 people; APPI PPC preliminary report now required."
        in english[1].text()
    )
    assert "アラートが40件追加され、計150件になりました" in japanese[1].text()
    assert [r.status for r in rows] == ["sent"] * 5 and sum(r.carried_by is None for r in rows) == 2


# --- rate limit ----------------------------------------------------------------------------------------------


async def test_the_rate_limit_holds_mails_and_the_next_mail_names_what_it_held(sink: MailSink, tmp_path: Path) -> None:
    incidents = {n: uuid.uuid4() for n in range(1, 8)}
    async with paced("postgresql", sink, tmp_path, NOTIFIER_ALERT_MAILS_PER_HOUR=3) as notifier:
        for n in range(1, 6):  # five incidents in a minute: three mails, two held
            await notifier.record(incidents[n], request(f"PI-2026-00012{n}", KEN))
        await notifier.deliver_all()
        assert len(sink.handler.to(KEN.email)) == 3
        held = [r for r in await notifier.rows(KEN.email) if r.status == "pending"]
        assert [r.hold for r in held] == ["rate_limit", "rate_limit"]
        assert all("held back by the rate limit (3 alert mails an hour)" in (r.note or "") for r in held)
        assert {r.next_attempt_at for r in held} == {T0 + timedelta(hours=1)}

        # every alert stays visible: the held one is listed with its counts, its row says why
        transport = httpx.ASGITransport(app=build_app(notifier.settings))
        token = issue_token(SECRET, name="auditor", role=Role.AUDITOR, audience="notifier")
        async with httpx.AsyncClient(transport=transport, base_url="http://n") as client:
            headers = {"Authorization": f"Bearer {token}"}
            (listed,) = (
                await client.get("/v1/notices", params={"incident_id": str(incidents[5])}, headers=headers)
            ).json()
            assert listed["kind"] == "internal" and listed["status"] == "sending"
            counts = {"total": 1, "sent": 0, "failed": 0, "unconfirmed": 0, "pending": 1}
            assert listed["recipients"] == counts and listed["held"] == 1
            (row,) = (await client.get(f"/v1/notices/{listed['notice_id']}/recipients", headers=headers)).json()[
                "items"
            ]
            assert row["status"] == "pending" and row["hold"] == "rate_limit" and "rate limit" in row["note"]

        # a very_high first routing is never held, and names what was
        notifier.clock.advance(minutes=10)
        await notifier.record(incidents[6], request("PI-2026-000126", KEN, risk="very_high", at=notifier.clock.at))
        await notifier.deliver_all()
        urgent = sink.handler.to(KEN.email)[-1]
        assert "PI-2026-000126" in subject(urgent) and len(sink.handler.to(KEN.email)) == 4
        line = "**2 alerts held back since 10:10 JST by the rate limit: PI-2026-000124, PI-2026-000125** — see the desk"
        assert urgent.text().startswith(f"Dear Ken Sasaki,\n\n{line}")
        carrier = (await notifier.rows(KEN.email))[-1]
        assert all(r.status == "sent" and r.carried_by == carrier.id for r in (await notifier.rows(KEN.email))[3:5])

        # held again, and no further alert comes: the held one goes on its own once a slot frees
        notifier.clock.advance(minutes=10)
        await notifier.record(incidents[7], request("PI-2026-000127", KEN, at=notifier.clock.at))
        await notifier.deliver_all()
        assert len(sink.handler.to(KEN.email)) == 4
        notifier.clock.at = T0 + timedelta(hours=1, seconds=1)
        await notifier.deliver_all()
        rows = await notifier.rows(KEN.email)
    last = sink.handler.to(KEN.email)[-1]
    assert len(sink.handler.to(KEN.email)) == 5
    assert subject(last) == "[pidesk] 1 alert held back by the rate limit" and "PI-2026-000127" in last.text()
    assert [r.status for r in rows] == ["sent"] * 7  # nothing dropped


async def test_the_slot_that_frees_is_counted_from_the_persons_latest_mails(sink: MailSink, tmp_path: Path) -> None:
    """Only the hour's `per_hour` latest mails are read (a person mailed thousands of times an hour costs
    no more): the slot frees an hour after the oldest of them, not after the hour's first mail."""
    incidents = {n: uuid.uuid4() for n in range(1, 6)}
    async with paced("postgresql", sink, tmp_path, NOTIFIER_ALERT_MAILS_PER_HOUR=3) as notifier:
        for n in range(1, 4):  # three mails ten minutes apart: the hour's three
            await notifier.record(incidents[n], request(f"PI-2026-00013{n}", KEN, at=notifier.clock.at))
            await notifier.deliver_all()
            notifier.clock.advance(minutes=10)
        urgent = request("PI-2026-000134", KEN, risk="very_high", at=notifier.clock.at)  # never held: a fourth
        await notifier.record(incidents[4], urgent)
        await notifier.deliver_all()
        notifier.clock.advance(minutes=10)
        await notifier.record(incidents[5], request("PI-2026-000135", KEN, at=notifier.clock.at))
        await notifier.deliver_all()
        assert len(sink.handler.to(KEN.email)) == 4
        (held,) = [r for r in await notifier.rows(KEN.email) if r.status == "pending"]
    # the three latest went at +10, +20 and +30 min: a slot frees an hour after +10
    assert held.hold == "rate_limit" and held.next_attempt_at == T0 + timedelta(minutes=70)


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
async def test_the_rate_limit_counts_each_persons_latest_own_mails_of_the_hour(
    sink: MailSink, tmp_path: Path, kind: str
) -> None:
    """What the rate limit reads: per person the `per_hour` latest mails of the hour that went as mails of their
    own; not the rows that rode in them (a storm folded into few mails leaves thousands), nor older mails."""
    now = T0
    own = [("ann", timedelta(minutes=m), "sent") for m in (50, 40, 30, 20, 10)]
    own += [("ann", timedelta(hours=2), "sent"), ("ann", timedelta(hours=3), "sent")]
    own += [("ben", timedelta(minutes=5), "sent"), ("ben", timedelta(minutes=1), "unconfirmed")]
    riders = [(who, timedelta(minutes=1 + i % 50), "sent") for i in range(40) for who in ("ann", "ben")]
    async with paced(kind, sink, tmp_path) as notifier, notifier.sessions() as session, session.begin():

        async def mailed_rows(rows: list[tuple[str, timedelta, str]], carriers: dict[str, int]) -> list[Delivery]:
            notices = [_notice() for _ in rows]
            session.add_all(notices)
            await session.flush()
            added = [
                Delivery(
                    notice_id=notice.id,
                    channel="email",
                    address=address,
                    address_sealed="x",
                    language="en",
                    status=status,
                    next_attempt_at=now,
                    message_id=f"<{notice.id}@x>",
                    mail_key=f"{notice.incident_id}/1/escalated",
                    sent_at=now - ago if status == "sent" else None,
                    carried_by=carriers.get(address),
                )
                for notice, (address, ago, status) in zip(notices, rows, strict=True)
            ]
            session.add_all(added)
            await session.flush()
            return added

        first = await mailed_rows(own, {})
        await mailed_rows(riders, {"ann": first[0].id, "ben": first[7].id})
        mailed = await mailings._mailed(await session.connection(), ["ann", "ben", "cat"], now, [], Pacing(3), [])
    assert sorted(when for _, when in mailed["ann"]) == [now - timedelta(minutes=m) for m in (30, 20, 10)]
    assert [when for _, when in mailed["ben"]] == [now - timedelta(minutes=5)]
    assert set(mailed) == {"ann", "ben"}


def _notice() -> Notice:
    kind, status, text = "internal", "sent", "s"
    return Notice(
        id=uuid.uuid4(),
        incident_id=uuid.uuid4(),
        reference="PI-2026-000901",
        kind=kind,
        variant="v",
        language="en",
        channel="email",
        status=status,
        subject=text,
        body=text,
    )


# --- daily digest --------------------------------------------------------------------------------------------


async def test_a_digest_person_gets_one_digest_a_day_and_urgent_alerts_at_once(sink: MailSink, tmp_path: Path) -> None:
    yumi = Recipient(name="伊藤 由美", email="yumi.ito@example.com", language="ja", digest="daily")
    soon = ObligationRef(code="appi.ppc_preliminary_report", due_at=T0 - timedelta(hours=1), status="pending", basis="")
    later = ObligationRef(code="appi.ppc_final_report", due_at=T0 + timedelta(days=20), status="pending", basis="")
    growth = GroupProgress(since=T0 - timedelta(minutes=5), new_alerts=4, total_alerts=9)
    plan = {
        "PI-2026-000301": request("PI-2026-000301", yumi, KEN, risk="low"),
        "PI-2026-000302": request("PI-2026-000302", yumi, KEN, step=2, reason="escalated"),
        "PI-2026-000303": request("PI-2026-000303", yumi, KEN, reason="group_update", risk="low", group=growth),
        "PI-2026-000304": request(
            "PI-2026-000304",
            yumi,
            KEN,
            reason="obligation_reminder",
            risk="high",
            obligations=[later],
            obligation_code=later.code,
        ),
        "PI-2026-000305": request("PI-2026-000305", yumi, KEN, risk="very_high"),
        "PI-2026-000306": request(
            "PI-2026-000306",
            yumi,
            KEN,
            reason="obligation_reminder",
            risk="medium",
            obligations=[soon],
            obligation_code=soon.code,
        ),
    }
    async with paced("postgresql", sink, tmp_path) as notifier:
        for event in plan.values():
            await notifier.record(uuid.uuid4(), event)
        await notifier.deliver_all()
        at_once = [next(ref for ref in plan if ref in subject(m)) for m in sink.handler.to(yumi.email)]
        assert sorted(at_once) == ["PI-2026-000305", "PI-2026-000306"]  # very_high; overdue statutory duty
        waiting = [r for r in await notifier.rows(yumi.email) if r.status == "pending"]
        digest_at = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 09:00 JST the next morning
        assert len(waiting) == 4 and {(r.hold, r.next_attempt_at) for r in waiting} == {("digest", digest_at)}
        assert "daily digest at 2026-12-02 09:00 JST" in (waiting[0].note or "")
        assert len(sink.handler.to(KEN.email)) == 6  # who takes no digest is told of each at once

        notifier.clock.at = digest_at - timedelta(seconds=1)
        assert await notifier.deliver_all() == 0
        notifier.clock.at = digest_at + timedelta(seconds=1)
        await notifier.deliver_all()
        rows = await notifier.rows(yumi.email)
    mails = sink.handler.to(yumi.email)
    assert len(mails) == 3
    digest = mails[-1]
    assert subject(digest) == "[pidesk] 日次ダイジェスト: インシデント4件・通知4件"
    for reference in ("PI-2026-000301", "PI-2026-000302", "PI-2026-000303", "PI-2026-000304"):
        assert reference in digest.text()
    assert [r.status for r in rows] == ["sent"] * 6


# --- risk first ----------------------------------------------------------------------------------------------


async def test_a_very_high_alert_goes_before_queued_low_ones_and_held_ones(sink: MailSink, tmp_path: Path) -> None:
    settings = {"NOTIFIER_ALERT_MAILS_PER_HOUR": 1, "NOTIFIER_SMTP_CONNECTIONS": 1, "NOTIFIER_CLAIM_BATCH": 8}
    async with paced("postgresql", sink, tmp_path, **settings) as notifier:
        for n in range(6):  # Ken: one mail, then five held for an hour
            await notifier.record(uuid.uuid4(), request(f"PI-2026-00080{n}", KEN, risk="low"))
        await notifier.deliver_all()
        assert len(sink.handler.to(KEN.email)) == 1
        queued = [Recipient(name=f"P{n}", email=f"p{n:02d}@example.com") for n in range(20)]
        for n, person in enumerate(queued):  # low alerts to others, older than what comes next
            await notifier.record(uuid.uuid4(), request(f"PI-2026-0009{n:02d}", person, risk="low"))
        notifier.clock.at = T0 + timedelta(hours=1, minutes=1)  # Ken's held ones are due too
        await notifier.record(uuid.uuid4(), request("PI-2026-000999", LEE, risk="very_high", at=notifier.clock.at))
        before = sink.handler.count()
        await notifier.deliver_all()
    order = [m.recipients[0] for m in sink.handler.messages[before:]]
    assert order[0] == LEE.email, order[:3]
    assert sorted(order[1:]) == sorted([KEN.email, *(p.email for p in queued)])
    assert "5 alerts held back" in subject(sink.handler.to(KEN.email)[-1])


async def test_at_one_risk_a_persons_report_goes_before_a_storm_of_tool_alerts(sink: MailSink, tmp_path: Path) -> None:
    settings = {"NOTIFIER_ALERT_MAILS_PER_HOUR": 0, "NOTIFIER_SMTP_CONNECTIONS": 1, "NOTIFIER_CLAIM_BATCH": 8}
    async with paced("postgresql", sink, tmp_path, **settings) as notifier:
        storm = [Recipient(name=f"P{n}", email=f"s{n:02d}@example.com") for n in range(20)]
        for n, person in enumerate(storm):  # very-high-risk DLP alerts, older than the report
            tool = request(f"PI-2026-0007{n:02d}", person, risk="very_high", source="ms-purview")
            await notifier.record(uuid.uuid4(), tool)
        notifier.clock.at = T0 + timedelta(seconds=5)
        await notifier.record(
            uuid.uuid4(), request("PI-2026-000999", LEE, risk="very_high", source="form", at=notifier.clock.at)
        )
        await notifier.deliver_all()
    order = [m.recipients[0] for m in sink.handler.messages]
    assert order[0] == LEE.email, order[:3]
    assert sorted(order[1:]) == sorted(p.email for p in storm)
