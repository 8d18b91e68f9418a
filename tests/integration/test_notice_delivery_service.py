"""The notifier's drafting, approval and delivery on PostgreSQL, a real SMTP server and a real chat webhook."""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.notifier.adapters.orm import Delivery, Notice, OutboxMessage
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.service import alert_batches, alerts, drafting, issuing
from pidesk.services.notifier.service.delivery import DeliveryService
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import (
    EscalationRequested,
    IncidentAssessed,
    IncidentReported,
    NoticeRecipient,
    NoticeRequested,
    ObligationRef,
    Recipient,
    ReporterRef,
)
from tests.support.infra import free_port, fresh_postgres_database, kafka_bootstrap
from tests.support.mail import MailSink

NOW = datetime.now(UTC)


class ChatHook:
    """A webhook endpoint answering from a script of status codes, recording what it was sent."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.bodies = statuses, []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
                self.send_response(hook.statuses.pop(0) if len(hook.statuses) > 1 else hook.statuses[0])
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as running:
        yield running


class Notifier:
    def __init__(self, url: str, settings: NotifierSettings) -> None:
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)
        self.settings = settings
        self.delivery = DeliveryService(self.engine, self.sessions, settings)
        self.people = settings.recipient_cipher()

    async def apply(self, action: Any) -> None:
        async with self.sessions() as session, session.begin():
            await action(session)

    async def deliver_all(self, limit: int = 200) -> int:
        return await self.delivery.deliver_due(limit)

    async def notices(self, incident_id: uuid.UUID) -> dict[tuple[str, str, str], Notice]:
        async with self.sessions() as session:
            rows = (await session.scalars(select(Notice).where(Notice.incident_id == incident_id))).all()
            return {(n.kind, n.variant, n.language): n for n in rows}

    async def deliveries(self, notice_id: uuid.UUID) -> list[Delivery]:
        """The notice's rows, each recipient's address and name opened (as the notices API shows them)."""
        async with self.sessions() as session:
            statement = select(Delivery).where(Delivery.notice_id == notice_id).order_by(Delivery.id)
            rows = list((await session.scalars(statement)).all())
        for row in rows:
            index = row.address
            row.address = self.people.address(row.address_sealed, notice_id=row.notice_id, index=index)
            row.name = self.people.name(row.name, notice_id=row.notice_id, index=index)
        return rows

    async def issued(self) -> list[dict[str, Any]]:
        async with self.sessions() as session:
            values = (await session.scalars(select(OutboxMessage.value).order_by(OutboxMessage.id))).all()
        events = [json.loads(v) for v in values]
        return [e["payload"] for e in events if e["event_type"] == "pidesk.notice.issued"]


@contextlib.asynccontextmanager
async def database(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    if kind == "sqlite":  # the embedded default of `pidesk up`
        yield f"sqlite+aiosqlite:///{tmp_path / 'notifier.db'}"
        return
    async with fresh_postgres_database("notify") as url:
        yield url


def notifier_settings(url: str, smtp_port: int, tmp_path: Path) -> NotifierSettings:
    """The notifier on `url`, mailing the SMTP server on `smtp_port`, retrying quickly."""
    return NotifierSettings(
        env="test",
        var_dir=tmp_path,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
        NOTIFIER_DATABASE_URL=url,
        NOTIFIER_SMTP_PORT=smtp_port,
        NOTIFIER_RETRY_BASE_SECONDS=0.01,
        NOTIFIER_MAX_ATTEMPTS=3,
    )


@pytest.fixture(params=["postgresql", "sqlite"])
async def notifier(request: pytest.FixtureRequest, tmp_path: Path, sink: MailSink) -> AsyncIterator[Notifier]:
    async with database(request.param, tmp_path) as url:
        await runner.upgrade(url, "notifier")
        service = Notifier(url, notifier_settings(url, sink.port, tmp_path))
        yield service
        await service.engine.dispose()


def assessment(version: int, codes: tuple[str, ...]) -> IncidentAssessed:
    return IncidentAssessed(
        reference="PI-2026-000042",
        version=version,
        reason="reported",
        risk_level="very_high",
        severity_score=4.25,
        enisa={"dpc": 4, "ei": 1.0, "cb": 0.25},
        legal_triggers=["appi.financial_misuse"],
        obligations=[
            ObligationRef(code=c, due_at=NOW + timedelta(days=3), status="pending", basis="APPI Art. 26") for c in codes
        ],
        assessed_at=NOW,
    )


async def reported_and_assessed(notifier: Notifier, *, assessed_first: bool = False) -> uuid.UUID:
    incident_id = uuid.uuid4()
    reported = IncidentReported(
        reference="PI-2026-000042",
        source="api",
        reporter=ReporterRef(
            name="A", email="a@example.co.jp", division="Sales", entity="Example Holdings", entity_country="JP"
        ),
        incident_kind="misdelivery",
        aware_at=NOW - timedelta(hours=2),
        received_at=NOW - timedelta(hours=1),
        data_categories=["name", "credit_card"],
        affected_count=3,
        subject_regions={"JP": 3},
    )
    assessed = assessment(1, ("appi.ppc_preliminary_report", "appi.notify_individuals"))
    contact = notifier.settings.contact
    steps = [
        lambda s: drafting.record_reported(s, incident_id, reported, contact),
        lambda s: drafting.record_assessed(s, incident_id, assessed, contact),
    ]
    for step in reversed(steps) if assessed_first else steps:
        await notifier.apply(step)
    return incident_id


def approval(notice_id: uuid.UUID, people: list[tuple[str, str, str]], batch: int = 1, batches: int = 1) -> Any:
    event = NoticeRequested(
        notice_id=notice_id,
        reference="PI-2026-000042",
        approved_by="bureau",
        approved_at=NOW,
        batch=batch,
        batches=batches,
        total_recipients=len(people) * batches,
        recipients=[NoticeRecipient(email=e, name=n, language=lang) for e, n, lang in people],
    )
    return event


async def test_nothing_leaves_before_approval_and_each_person_gets_their_language(
    notifier: Notifier, sink: MailSink
) -> None:
    incident_id = await reported_and_assessed(notifier)
    drafts = await notifier.notices(incident_id)
    assert set(drafts) == {
        ("data_subject", "subjects", "ja"),
        ("data_subject", "subjects", "en"),
        ("regulator_draft", "ppc", "ja"),
        ("regulator_draft", "ppc", "en"),
    }
    assert await notifier.deliver_all() == 0 and sink.handler.count() == 0  # drafts only: nothing is due

    notice = drafts[("data_subject", "subjects", "ja")]
    people = [("Taro@Example.net", "山田 太郎", "ja"), ("jane@example.net", "Jane Doe", "en")]
    # two batches announced: nothing is issued until both have arrived
    await notifier.apply(
        lambda s: issuing.approve(
            s, incident_id, approval(notice.id, people[:1], 1, 2), "x.test", people=notifier.people
        )
    )
    assert await notifier.deliver_all() == 1 and await notifier.issued() == []
    await notifier.apply(
        lambda s: issuing.approve(
            s, incident_id, approval(notice.id, people[1:], 2, 2), "x.test", people=notifier.people
        )
    )
    assert await notifier.deliver_all() == 1
    japanese, english = sink.handler.to("taro@example.net"), sink.handler.to("jane@example.net")
    assert len(japanese) == len(english) == 1
    assert "お知らせ" in str(japanese[0].message["Subject"]) and "山田 太郎 様" in japanese[0].text()
    assert "Notice of Data Breach" in str(english[0].message["Subject"]) and "Dear Jane Doe" in english[0].text()
    (issued,) = await notifier.issued()
    assert issued["status"] == "sent" and issued["recipients"] == {"total": 2, "sent": 2, "failed": 0, "unconfirmed": 0}

    # the same approval delivered again, or the same person approved again: still one message each
    await notifier.apply(
        lambda s: issuing.approve(
            s, incident_id, approval(notice.id, people[:1], 1, 2), "x.test", people=notifier.people
        )
    )
    assert await notifier.deliver_all() == 0 and len(sink.handler.to("taro@example.net")) == 1


async def test_the_desks_wording_is_what_goes_out_and_a_later_assessment_leaves_it(
    notifier: Notifier, sink: MailSink
) -> None:
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    text = "# Notice of Data Breach\n\nOn 20 November an e-mail with your card number went to another customer.\n"
    await notifier.apply(
        lambda s: drafting.edit_draft(s, notice.id, "Important: your card details", text, "bureau", NOW)
    )
    await notifier.apply(
        lambda s: issuing.approve(
            s, incident_id, approval(notice.id, [("a@example.net", "Ann Lee", "en")]), "x", people=notifier.people
        )
    )
    assert await notifier.deliver_all() == 1
    (message,) = sink.handler.to("a@example.net")
    assert message.message["Subject"] == "Important: your card details"
    assert message.text().startswith("Dear Ann Lee,\n\n# Notice of Data Breach")
    with pytest.raises(drafting.DraftLocked):
        await notifier.apply(lambda s: drafting.edit_draft(s, notice.id, None, "changed", "bureau", NOW))


async def test_smtp_refusals_and_an_unreachable_server(notifier: Notifier, sink: MailSink) -> None:
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "ja")]
    sink.handler.temporary["busy@example.net"] = 10  # more 451s than attempts allowed
    sink.handler.permanent.add("gone@example.net")
    people = [("busy@example.net", "", "ja"), ("gone@example.net", "", "ja"), ("ok@example.net", "", "ja")]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x", people=notifier.people)
    )
    for _ in range(50):
        await notifier.deliver_all()
        rows = {r.address: r for r in await notifier.deliveries(notice.id)}
        if all(r.status not in ("pending", "sending") for r in rows.values()):
            break
        await _sleep(0.05)
    assert rows["ok@example.net"].status == "sent"
    assert rows["gone@example.net"].status == "failed" and rows["gone@example.net"].last_error.startswith("550")
    busy = rows["busy@example.net"]
    assert busy.status == "failed" and busy.attempts == 3 and "gave up after 3 attempts: 451" in busy.last_error
    (issued,) = await notifier.issued()
    assert issued["recipients"] == {"total": 3, "sent": 1, "failed": 2, "unconfirmed": 0}

    # nobody listening: nothing was sent, so the attempt is retried later, never recorded in doubt
    notifier.settings.smtp_port = free_port()
    await notifier.apply(
        lambda s: issuing.approve(
            s, incident_id, approval(notice.id, [("new@example.net", "", "ja")]), "x", people=notifier.people
        )
    )
    await notifier.deliver_all(limit=1)
    (row,) = [r for r in await notifier.deliveries(notice.id) if r.address == "new@example.net"]
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > NOW


@pytest.mark.parametrize("batched", [False, True], ids=["one at a time", "a consumer batch"])
async def test_internal_alerts_go_at_once_by_mail_and_chat_once_per_step(
    notifier: Notifier, sink: MailSink, batched: bool
) -> None:
    flaky, broken = ChatHook([500, 200]), ChatHook([404])
    incident_id = uuid.uuid4()

    def request(step: int, webhook: str) -> EscalationRequested:
        return EscalationRequested(
            reference="PI-2026-000042",
            target="promotion_bureau",
            step=step,
            reason="routed" if step == 1 else "escalated",
            risk_level="high",
            recipients=[
                Recipient(name="山本 直子", email="naoko@example.com", language="ja", chat_webhook=webhook),
                Recipient(name="Min-jun Lee", email="minjun@example.com", language="en", chat_webhook=webhook),
            ],
            ack_due_at=NOW + timedelta(hours=1),
            requested_at=NOW,
        )

    requests = [request(1, flaky.url), request(1, flaky.url), request(2, broken.url)]  # step 1 twice
    if batched:  # all three in one batch: the repeat goes through the one-at-a-time path after it
        batch = [(incident_id, r) for r in requests]
        await notifier.apply(lambda s: alert_batches.record_alerts(s, batch, "https://d", "x", people=notifier.people))
    for r in requests if not batched else []:
        await notifier.apply(
            lambda s, r=r: alerts.record_alert(s, incident_id, r, "https://d", "x", people=notifier.people)
        )
    for _ in range(40):
        await notifier.deliver_all()
        if len(flaky.bodies) >= 2 and broken.bodies:
            break
        await _sleep(0.05)
    assert len(sink.handler.to("naoko@example.com")) == 2  # step 1 and step 2
    first = sink.handler.to("naoko@example.com")[0]
    assert "PI-2026-000042" in str(first.message["Subject"]) and "https://d/incidents/" in first.text()
    assert "needs you" in sink.handler.to("minjun@example.com")[0].text()
    assert len(flaky.bodies) == 2 and "PI-2026-000042" in flaky.bodies[-1]["text"]  # 500, then retried
    notices = await notifier.notices(incident_id)
    step2 = [n for (kind, variant, _), n in notices.items() if variant.endswith("step2")]
    chat_rows = [r for n in step2 for r in await notifier.deliveries(n.id) if r.channel == "chat"]
    assert [r.status for r in chat_rows] == ["failed"] and chat_rows[0].last_error == "HTTP 404"


@pytest.mark.parametrize("batched", [False, True], ids=["one at a time", "a consumer batch"])
async def test_a_person_listed_twice_in_a_role_gets_one_alert_and_the_notice_completes(
    notifier: Notifier, sink: MailSink, batched: bool
) -> None:
    incident_id = uuid.uuid4()
    twice = [Recipient(name="山本 直子", email=e, language="ja") for e in ("naoko@example.com", "Naoko@Example.com")]
    request = EscalationRequested(
        reference="PI-2026-000043",
        target="contact_desk",
        step=1,
        reason="routed",
        risk_level="high",
        recipients=[*twice, Recipient(name="Min-jun Lee", email="minjun@example.com", language="ja")],
        ack_due_at=NOW + timedelta(hours=1),
        requested_at=NOW,
    )
    if batched:
        batch = [(incident_id, request)]
        await notifier.apply(lambda s: alert_batches.record_alerts(s, batch, "https://d", "x", people=notifier.people))
    else:
        await notifier.apply(
            lambda s: alerts.record_alert(s, incident_id, request, "https://d", "x", people=notifier.people)
        )
    (notice,) = (await notifier.notices(incident_id)).values()
    assert notice.total == 2 and len(await notifier.deliveries(notice.id)) == 2
    for _ in range(40):
        await notifier.deliver_all()
        (notice,) = (await notifier.notices(incident_id)).values()
        if notice.status != "sending":
            break
        await _sleep(0.05)
    assert len(sink.handler.to("naoko@example.com")) == 1
    assert notice.status == "sent" and notice.sent == 2, (notice.status, notice.sent)


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_an_assessment_ahead_of_its_report_is_kept_and_drafted_when_the_facts_arrive(notifier: Notifier) -> None:
    incident_id = await reported_and_assessed(notifier, assessed_first=True)
    drafts = await notifier.notices(incident_id)
    assert len(drafts) == 4 and "Example Holdings" in drafts[("data_subject", "subjects", "ja")].subject


async def test_a_new_assessment_redrafts_withdraws_and_keeps_the_desks_wording(notifier: Notifier) -> None:
    incident_id = await reported_and_assessed(notifier)
    english = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    await notifier.apply(lambda s: drafting.edit_draft(s, english.id, None, "Our own words.", "bureau", NOW))
    contact = notifier.settings.contact
    await notifier.apply(
        lambda s: drafting.record_assessed(s, incident_id, assessment(2, ("appi.notify_individuals",)), contact)
    )
    drafts = await notifier.notices(incident_id)
    assert not drafts[("regulator_draft", "ppc", "ja")].current  # no longer called for
    edited = drafts[("data_subject", "subjects", "en")]
    assert edited.body == "Our own words.\n" and edited.facts_changed_since_edit  # kept, and flagged
    await notifier.apply(
        lambda s: drafting.record_assessed(s, incident_id, assessment(1, ("appi.ppc_preliminary_report",)), contact)
    )
    assert not (await notifier.notices(incident_id))[("regulator_draft", "ppc", "ja")].current  # older: ignored
