"""A consumer batch of notice events (drafts per kind and language, an issue per alert sent) recorded by
escalation with one read of the batch's notices, on PostgreSQL and SQLite: the same rows as one at a time."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.orm import NoticeRecord
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.entrypoints.kafka_handlers import kafka_batch_handlers, kafka_handlers
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.shared import topics
from pidesk.shared.events import Envelope, EventPayload, NoticeDrafted, NoticeIssued, RecipientCounts
from tests.support.alert_groups import escalation_sessions

RULES = RoutingRules(load_policy(), load_directory())
AT = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
INCIDENT = uuid.uuid4()
DRAFT, ALERT = uuid.uuid4(), uuid.uuid4()


@pytest.fixture(params=["postgresql", "sqlite"])
async def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with escalation_sessions(request.param, tmp_path) as made:
        yield made


def drafted(subject: str, minutes: int) -> NoticeDrafted:
    return NoticeDrafted(
        notice_id=DRAFT,
        reference="PI-2026-000900",
        kind="data_subject",
        variant="subjects",
        language="ja",
        channel="email",
        status="drafted",
        current=True,
        subject=subject,
        obligations=["appi.notify_individuals"],
        drafted_at=AT + timedelta(minutes=minutes),
    )


def issued(sent: int) -> NoticeIssued:
    return NoticeIssued(
        notice_id=ALERT,
        reference="PI-2026-000900",
        kind="internal",
        variant="security_contact_desk",
        language="ja",
        channel="email",
        status="sent",
        recipients=RecipientCounts(total=2, sent=sent, failed=0),
        obligations=[],
        issued_at=AT,
    )


def events() -> dict[str, list[tuple[Envelope, EventPayload]]]:
    """Per topic, in order: a draft, its re-draft in the same batch, and two issues of one alert."""
    made: dict[str, list[tuple[Envelope, EventPayload]]] = {}
    for payload in (drafted("first", 0), drafted("again", 1), issued(1), issued(2)):
        envelope = payload.envelope(incident_id=INCIDENT, producer="notifier")
        made.setdefault(envelope.topic, []).append((envelope, payload))
    return made


async def notices(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with sessions() as session:
        rows = (await session.scalars(select(NoticeRecord).order_by(NoticeRecord.kind))).all()
        return [{"kind": r.kind, "status": r.status, "subject": r.subject, "recipients": r.recipients} for r in rows]


async def test_a_batch_of_notice_events_records_what_one_at_a_time_does(tmp_path: Path) -> None:
    recorded = []
    for batched in (False, True):
        async with escalation_sessions("postgresql", tmp_path / str(batched)) as sessions:
            for topic in (topics.NOTICE_DRAFTED, topics.NOTICE_ISSUED):
                async with sessions() as session, session.begin():
                    if batched:
                        await kafka_batch_handlers(RULES)[topic](session, events()[topic])
                    else:
                        for envelope, payload in events()[topic]:
                            await kafka_handlers(RULES)[topic](session, envelope, payload)
            recorded.append(await notices(sessions))
    one_at_a_time, as_a_batch = recorded
    assert as_a_batch == one_at_a_time
    assert [n["subject"] for n in as_a_batch if n["kind"] == "data_subject"] == ["again"]
    assert [n["recipients"]["sent"] for n in as_a_batch if n["kind"] == "internal"] == [2]


async def test_notice_events_are_recorded_as_a_batch(sessions: async_sessionmaker[AsyncSession]) -> None:
    handlers = kafka_batch_handlers(RULES)
    assert {topics.NOTICE_DRAFTED, topics.NOTICE_ISSUED} <= handlers.keys()
    async with sessions() as session, session.begin():
        await handlers[topics.NOTICE_DRAFTED](session, events()[topics.NOTICE_DRAFTED])
        await handlers[topics.NOTICE_ISSUED](session, events()[topics.NOTICE_ISSUED])
    assert len(await notices(sessions)) == 2
