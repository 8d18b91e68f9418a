"""Issue 12, items 1 and 14: one bad recipient never stops the mail. An address with a control character or
one the SMTP client cannot encode is that recipient's failure (recorded with the reason, never claimed first
again), non-ASCII addresses go with SMTPUTF8 when the server offers it, a stale notice cache cannot break a
claim, and /readyz answers 503 while the delivery loop is crash-looping."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.notifier.adapters import mail
from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.bootstrap import build_app
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.service import issuing
from pidesk.services.notifier.service.delivery import DeliveryService
from tests.integration.test_notice_delivery_service import (
    Notifier,
    approval,
    notifier,
    notifier_settings,
    reported_and_assessed,
)
from tests.support.infra import fresh_postgres_database, kafka_bootstrap
from tests.support.mail import MailSink

__all__ = ["notifier"]  # the fixture

POISON = "a\u000bb@example.com"
INJECTION = "x@example.com\r\nRCPT TO:<evil@example.net>"
UTF8 = ["jöhn@example.de", "山田@例え.jp"]


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink(smtputf8=True) as running:
        yield running


async def settle(notifier: Notifier, notice_id: uuid.UUID) -> dict[str, str]:
    """Deliver until no row is pending; every row's status by address."""
    for _ in range(40):
        await notifier.deliver_all()
        rows = await notifier.deliveries(notice_id)
        if all(r.status not in ("pending", "sending") for r in rows):
            break
        await asyncio.sleep(0.05)
    return {r.address: r.status for r in rows}


async def test_a_bad_address_fails_alone_and_utf8_addresses_go(notifier: Notifier, sink: MailSink) -> None:
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    people = [(POISON, "", "en"), (INJECTION, "", "en"), *((a, "", "en") for a in UTF8), ("ok@example.net", "", "en")]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x.test", people=notifier.people)
    )
    statuses = await settle(notifier, notice.id)
    assert statuses == {
        POISON: "failed",
        INJECTION.lower(): "failed",
        UTF8[0]: "sent",
        UTF8[1]: "sent",
        "ok@example.net": "sent",
    }
    reasons = {r.address: r.last_error for r in await notifier.deliveries(notice.id)}
    assert "control character" in reasons[POISON] and "control character" in reasons[INJECTION.lower()]
    assert "evil@example.net" not in sink.handler.by_recipient()  # nothing injected into the RCPT command
    for address in [*UTF8, "ok@example.net"]:
        (received,) = sink.handler.to(address)
        assert address in str(received.message["To"])
    (issued,) = await notifier.issued()
    assert issued["recipients"] == {"total": 5, "sent": 3, "failed": 2, "unconfirmed": 0}


async def test_without_smtputf8_a_non_ascii_address_fails_and_the_rest_go(tmp_path: Path) -> None:
    with MailSink() as plain:
        async with fresh_postgres_database("notify") as url:
            await runner.upgrade(url, "notifier")
            service = Notifier(url, notifier_settings(url, plain.port, tmp_path))
            try:
                incident_id = await reported_and_assessed(service)
                notice = (await service.notices(incident_id))[("data_subject", "subjects", "ja")]
                people = [(UTF8[1], "", "ja"), ("ok@example.net", "", "ja")]
                await service.apply(
                    lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x", people=service.people)
                )
                assert await settle(service, notice.id) == {UTF8[1]: "failed", "ok@example.net": "sent"}
                (row,) = [r for r in await service.deliveries(notice.id) if r.address == UTF8[1]]
                assert "SMTPUTF8" in row.last_error
            finally:
                await service.engine.dispose()


async def test_an_unexpected_error_is_the_recipients_and_the_row_is_not_claimed_first_forever(
    notifier: Notifier, sink: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    people = [("boom@example.net", "", "en"), ("ok@example.net", "", "en")]
    original = mail.MailConnection.prepare

    async def exploding(self: mail.MailConnection, recipient: str) -> mail.Outcome | None:
        if recipient == "boom@example.net":
            raise RuntimeError("a surprise of this recipient")
        return await original(self, recipient)

    monkeypatch.setattr(mail.MailConnection, "prepare", exploding)
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x.test", people=notifier.people)
    )
    statuses = await settle(notifier, notice.id)
    assert statuses == {"boom@example.net": "failed", "ok@example.net": "sent"}
    (boom,) = [r for r in await notifier.deliveries(notice.id) if r.address == "boom@example.net"]
    assert boom.attempts == notifier.settings.max_attempts and "RuntimeError" in boom.last_error


async def test_a_stale_notice_in_the_cache_does_not_break_claiming(notifier: Notifier, sink: MailSink) -> None:
    incident_id = await reported_and_assessed(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    async with notifier.sessions() as session:  # an instance expired and then detached (a rolled-back claim)
        stale = (await session.scalars(select(Notice).where(Notice.id == notice.id))).one()
        session.expire(stale)
        session.expunge(stale)
    notifier.delivery.wording._notices[notice.id] = (time.monotonic() + 3600, stale)
    people = [("ok@example.net", "", "en")]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(notice.id, people), "x.test", people=notifier.people)
    )
    assert await settle(notifier, notice.id) == {"ok@example.net": "sent"}


async def test_readyz_is_503_while_the_delivery_loop_crash_loops(tmp_path: Path, sink: MailSink) -> None:
    async with fresh_postgres_database("notify") as url:
        await runner.upgrade(url, "notifier")
        settings = NotifierSettings(
            env="test",
            var_dir=tmp_path,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            NOTIFIER_DATABASE_URL=url,
            NOTIFIER_SMTP_PORT=sink.port,
        )
        app = build_app(settings)
        delivery: DeliveryService = app.state.delivery
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifier") as client:
            assert (await client.get("/readyz")).status_code == 200

            async def broken(everyone: bool = False) -> int:
                raise RuntimeError("the loop cannot start")

            delivery.recover = broken  # type: ignore[method-assign]
            for _ in range(2):  # what the supervisor sees: crash, restart a second later, crash
                with pytest.raises(RuntimeError):
                    await delivery.run()
            answer = await client.get("/readyz")
            assert answer.status_code == 503, answer.text
            (detail,) = answer.json()["error"]["details"]
            assert detail["check"] == "delivery" and "crashed 2 time(s)" in detail["status"]
        await app.state.runtime.engine.dispose()
