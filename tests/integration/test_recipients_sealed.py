"""Issue 12, item 13: the notifier keeps no recipient's address or name in clear, in any table, on PostgreSQL.

Alerts and a notice's recipients are recorded, mail goes to a real SMTP server, and then every text column
of every notifier table is searched for each address and name: none is found, while every person got
their mail, by name, once (the same address twice in another case is one delivery). An upgrade of a
database holding clear rows seals them, and the mail still goes.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.pool import NullPool

from pidesk.migrations import runner
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.service import alert_batches, alerts, drafting, issuing
from pidesk.shared.db.engine import create_engine
from pidesk.shared.events import AlertRecord, EscalationRequested, IncidentReported, Recipient, ReporterRef
from tests.integration.test_notice_delivery_service import NOW, ChatHook, Notifier, approval, assessment
from tests.support.infra import fresh_postgres_database, kafka_bootstrap
from tests.support.mail import MailSink, RecordingHandler

KEYRING = "k1:" + base64.b64encode(bytes(range(32))).decode()
NAOKO = ("Naoko.Yamamoto@Example.com", "山本 直子")
KEN = ("ken.sato@example.com", "Ken Sato")
ANN = ("Ann.Lee@Example.net", "Ann Lee")
REFUSED = ("gone.person@example.net", "Gone Person")  # the server's refusal quotes the address
REPORTER = ("Taro Suzuki", "taro.suzuki@example.co.jp")
ACTOR = "hanako.tanaka@example.co.jp"  # the user a DLP alert names
SECRET_PATH = "T0ABCDEF/B0GHIJKL/XyZsEcReTtOkEn"


class QuotingRefusals(RecordingHandler):
    """Refuses `permanent` addresses as many servers do: quoting the address in the reply."""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd calls handle_<VERB>
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.permanent:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        return await super().handle_RCPT(server, session, envelope, address, options)


@pytest.fixture
def sink() -> Iterator[MailSink]:
    running = MailSink()
    running.handler = running.controller.handler = QuotingRefusals()
    with running:
        running.handler.permanent.add(REFUSED[0])
        yield running


def settings_for(url: str, sink: MailSink, tmp_path: Path) -> NotifierSettings:
    return NotifierSettings(
        env="test",
        var_dir=tmp_path,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
        NOTIFIER_DATABASE_URL=url,
        NOTIFIER_SMTP_PORT=sink.port,
        NOTIFIER_ENCRYPTION_KEYS=SecretStr(KEYRING),
    )


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with fresh_postgres_database("sealed") as url:
        yield url


async def clear_in_tables(url: str, needles: list[str]) -> list[str]:
    """Each (table.column, needle) where a needle appears in a text, varchar or JSON value (JSON's escapes too)."""
    forms = {n: {n.lower(), json.dumps(n)[1:-1].lower()} for n in needles}
    engine = create_engine(url, poolclass=NullPool)
    found = []
    async with engine.connect() as connection:
        columns = (
            await connection.execute(
                sa.text(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
                    " AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
                )
            )
        ).all()
        assert {t for t, _ in columns} >= {"deliveries", "notices", "incidents", "audit_log", "outbox"}
        for table, column in columns:
            values = (await connection.execute(sa.text(f'SELECT "{column}"::text FROM "{table}"'))).scalars().all()
            for needle, spellings in forms.items():
                if any(s in (v or "").lower() for v in values for s in spellings):
                    found.append(f"{table}.{column}: {needle}")
    await engine.dispose()
    return found


def personal(webhook: str) -> list[str]:
    people = [NAOKO, KEN, ANN, REFUSED]
    return [
        *(a for a, _ in people),
        *(a.split("@")[0] for a, _ in people),
        *(n for _, n in people),
        *REPORTER,
        ACTOR,
        webhook,
        SECRET_PATH,
    ]


async def reported_with_alerts(notifier: Notifier) -> uuid.UUID:
    """An incident whose report names its reporter and whose DLP alert names a user, then assessed."""
    incident_id = uuid.uuid4()
    reporter = ReporterRef(
        name=REPORTER[0], email=REPORTER[1], division="Sales", entity="Example Holdings", entity_country="JP"
    )
    alert = AlertRecord(source="nightfall", alert_id="nf-1", received_at=NOW, aware_at=NOW, actor=ACTOR)
    reported = IncidentReported(
        reference="PI-2026-000042",
        source="nightfall",
        reporter=reporter,
        incident_kind="misdelivery",
        aware_at=NOW - timedelta(hours=2),
        received_at=NOW - timedelta(hours=1),
        data_categories=["name", "credit_card"],
        affected_count=3,
        subject_regions={"JP": 3},
        alerts=[alert],
    )
    assessed = assessment(1, ("appi.ppc_preliminary_report", "appi.notify_individuals"))
    contact = notifier.settings.contact
    await notifier.apply(lambda s: drafting.record_reported(s, incident_id, reported, contact))
    await notifier.apply(lambda s: drafting.record_assessed(s, incident_id, assessed, contact))
    return incident_id


def escalation(step: int, people: list[Recipient]) -> EscalationRequested:
    return EscalationRequested(
        reference="PI-2026-000042",
        target="promotion_bureau",
        step=step,
        reason="routed",
        risk_level="very_high",
        recipients=people,
        ack_due_at=NOW + timedelta(hours=1),
        requested_at=NOW,
    )


def greeted(sink: MailSink, address: str, name: str) -> bool:
    """Whether every mail `address` received greets the person by `name`."""
    mails = sink.handler.to(address)
    return bool(mails) and all(name in received.text() for received in mails)


async def test_no_address_or_name_in_clear_and_each_person_mailed_once(
    database: str, sink: MailSink, tmp_path: Path
) -> None:
    await runner.upgrade(database, "notifier")
    notifier = Notifier(database, settings_for(database, sink, tmp_path))
    hook = ChatHook([200])
    webhook = f"{hook.url}/{SECRET_PATH}"
    incident_id = await reported_with_alerts(notifier)
    naoko, naoko_again = (
        Recipient(name=NAOKO[1], email=NAOKO[0], language="ja", chat_webhook=webhook),
        Recipient(name=NAOKO[1], email=f" {NAOKO[0].lower()} ", language="ja"),
    )
    ken = Recipient(name=KEN[1], email=KEN[0], language="en")
    batch = [(incident_id, escalation(1, [naoko, naoko_again, ken]))]
    await notifier.apply(lambda s: alert_batches.record_alerts(s, batch, "https://d", "x", people=notifier.people))
    second = escalation(2, [ken, Recipient(name=KEN[1], email=KEN[0].upper(), language="en")])
    await notifier.apply(
        lambda s: alerts.record_alert(s, incident_id, second, "https://d", "x", people=notifier.people)
    )
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    people = [(ANN[0], ANN[1], "en"), (f"{ANN[0].upper()} ", ANN[1], "en"), (REFUSED[0], REFUSED[1], "en")]
    event = approval(notice.id, people)
    await notifier.apply(lambda s: issuing.approve(s, incident_id, event, "x", people=notifier.people))
    await notifier.apply(lambda s: issuing.approve(s, incident_id, event, "x", people=notifier.people))  # again

    await notifier.deliver_all()

    assert await clear_in_tables(database, personal(webhook)) == []
    received = sink.handler.by_recipient()
    assert received == {NAOKO[0].lower(): 1, KEN[0]: 2, ANN[0].lower(): 1}  # Ken: steps 1 and 2, once each
    assert greeted(sink, NAOKO[0].lower(), NAOKO[1]) and greeted(sink, ANN[0].lower(), ANN[1])
    assert len(hook.bodies) == 1
    rows = {r.address: r for r in await notifier.deliveries(notice.id)}
    assert set(rows) == {ANN[0].lower(), REFUSED[0]}  # opened with the key: one row per person
    assert rows[REFUSED[0]].status == "failed" and "Recipient address rejected" in (rows[REFUSED[0]].last_error or "")
    await notifier.engine.dispose()


async def test_the_upgrade_seals_the_rows_an_older_notifier_kept_in_clear(
    database: str, sink: MailSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFIER_ENCRYPTION_KEYS", KEYRING)  # `pidesk db upgrade` run with the notifier's keyring
    await runner.upgrade(database, "notifier")
    notifier = Notifier(database, settings_for(database, sink, tmp_path))
    incident_id = await reported_with_alerts(notifier)
    notice = (await notifier.notices(incident_id))[("data_subject", "subjects", "en")]
    event = approval(notice.id, [(ANN[0], ANN[1], "en"), (KEN[0], KEN[1], "en")])
    await notifier.apply(lambda s: issuing.approve(s, incident_id, event, "x", people=notifier.people))
    await runner.downgrade(database, "notifier", "9d41b6e2c7a3")  # as the notifier before this change kept them
    engine = create_engine(database, poolclass=NullPool)
    async with engine.begin() as connection:
        clear = (await connection.execute(sa.text("SELECT address, name FROM deliveries ORDER BY id"))).all()
        await connection.execute(
            sa.text("UPDATE incidents SET facts = CAST(:facts AS json) WHERE id = :id"),
            {"facts": json.dumps({"data_categories": ["name"], "alerts": [{"actor": ACTOR}]}), "id": incident_id},
        )
    await engine.dispose()
    assert [tuple(r) for r in clear] == [(ANN[0].lower(), ANN[1]), (KEN[0], KEN[1])]

    await runner.upgrade(database, "notifier")

    assert await clear_in_tables(database, personal("https://never.example")) == []
    await notifier.deliver_all()
    assert sink.handler.by_recipient() == {ANN[0].lower(): 1, KEN[0]: 1}
    assert greeted(sink, KEN[0], KEN[1])
    await notifier.engine.dispose()
