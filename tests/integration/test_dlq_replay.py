"""Issue 14 item 7: `pidesk dlq list|replay` on the real broker and PostgreSQL.

An event the consumer cannot apply yet (its dependency is missing) lands in the DLQ through the real
consumer path; once the cause is fixed, `replay --event-id` sends it through the idempotent path again:
applied exactly once, however often it is replayed, and each replay is in escalation's audit log.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk import cli
from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import AuditEntry
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import Envelope, EventPayload
from pidesk.shared.messaging.consumer import ConsumerHooks
from tests.support.consumer_app import HandlerFailure, create_schema, envelope, handled_counts, probe_consumer
from tests.support.infra import fresh_postgres_database, kafka_bootstrap
from tests.support.kafka import create_topics, produce, read_topic, unique_event_type

SECRET = "dlq-replay-test-secret-0123456789abcdef"


@dataclass
class Setting:
    sessions: async_sessionmaker[AsyncSession]  # the consumer's database
    audit_url: str  # escalation's database, where the command records what it did


@pytest.fixture
async def setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Setting]:
    async with fresh_postgres_database("dlq") as url, fresh_postgres_database("dlq_esc") as audit_url:
        await create_schema(url)
        await runner.upgrade(audit_url, "escalation")
        for name, value in {
            "PIDESK_ENV": "test",
            "PIDESK_VAR_DIR": str(tmp_path),
            "PIDESK_TOKEN_SECRET": SECRET,
            "ESCALATION_DATABASE_URL": audit_url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        }.items():
            monkeypatch.setenv(name, value)
        engine = create_engine(url)
        yield Setting(session_factory(engine), audit_url)
        await engine.dispose()


async def pidesk(*arguments: str) -> int:
    return await asyncio.to_thread(cli.main, list(arguments))


async def wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def cli_audit_entries(url: str) -> list[AuditEntry]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            statement = select(AuditEntry).where(AuditEntry.method == "CLI").order_by(AuditEntry.id)
            return list((await session.scalars(statement)).all())
    finally:
        await engine.dispose()


async def test_a_dead_lettered_event_replayed_after_its_fix_is_applied_once_however_often_replayed(
    setting: Setting, capsys: pytest.CaptureFixture[str]
) -> None:
    event_type = unique_event_type("dlq")
    topic, dlq = topics.topic_for(event_type, 1), topics.dead_letter_topic(topics.topic_for(event_type, 1))
    await create_topics(topic)
    waiting, good = envelope(event_type, 1), envelope(event_type, 2)
    missing = {waiting.event_id}  # the dependency `waiting` needs does not exist yet

    duplicates: list[uuid.UUID] = []
    consumer = probe_consumer(
        bootstrap=kafka_bootstrap(),
        sessions=setting.sessions,
        topic=topic,
        group=f"g-{uuid.uuid4().hex}",
        hooks=ConsumerHooks(duplicate=lambda e: duplicates.append(e.event_id)),
        max_attempts=2,
    )
    apply = consumer.handlers[topic]

    async def needs_its_dependency(session: AsyncSession, event: Envelope, payload: EventPayload) -> None:
        if event.event_id in missing:
            raise HandlerFailure("its dependency is missing")
        await apply(session, event, payload)

    consumer.handlers[topic] = needs_its_dependency
    key = str(waiting.incident_id).encode()
    await produce(topic, waiting.to_bytes(), good.to_bytes(), key=key)
    task = asyncio.create_task(consumer.run())
    try:
        await read_topic(dlq, expect=1)

        async def handled(event_id: uuid.UUID) -> bool:
            return event_id in await handled_counts(setting.sessions)

        await wait_for(lambda: handled(good.event_id))
        assert await handled_counts(setting.sessions) == {good.event_id: 1}

        # list: identifiers and the error, never the payload
        capsys.readouterr()
        assert await pidesk("dlq", "list", "--topic", topic, "--json") == 0
        listed = json.loads(capsys.readouterr().out)
        assert listed["topic"] == dlq and listed["total"] == 1 and listed["more"] == 0
        (message,) = listed["messages"]
        assert message["event_id"] == str(waiting.event_id) and message["event_type"] == event_type
        assert message["incident_id"] == str(waiting.incident_id) and message["consumer"] == "probe"
        assert "HandlerFailure: its dependency is missing" in message["error"] and message["attempts"] == 2
        assert "payload" not in message and "n=" not in json.dumps(message)
        assert await pidesk("dlq", "list", "--topic", dlq) == 0
        text = capsys.readouterr()
        assert str(waiting.event_id) in text.out and '"n"' not in text.out and "1 of 1 message(s)" in text.err

        # replay refuses to guess which events are meant
        assert await pidesk("dlq", "replay", "--topic", topic) == 2
        assert await pidesk("dlq", "replay", "--topic", topic, "--event-id", str(waiting.event_id), "--all") == 2
        assert await pidesk("dlq", "replay", "--topic", topic, "--event-id", str(uuid.uuid4())) == 2
        assert await pidesk("dlq", "replay", "--topic", topic, "--all", "--dry-run") == 0
        assert f"would replay {waiting.event_id}" in capsys.readouterr().out

        # replayed while still poison: back in the DLQ, a second copy
        assert await pidesk("dlq", "replay", "--topic", topic, "--event-id", str(waiting.event_id)) == 0
        assert len(await read_topic(dlq, expect=2)) == 2
        assert await handled_counts(setting.sessions) == {good.event_id: 1}

        # the cause fixed: replayed once more, it is applied
        missing.clear()
        assert await pidesk("dlq", "replay", "--topic", topic, "--event-id", str(waiting.event_id)) == 0
        await wait_for(lambda: handled(waiting.event_id))
        replays = [r for r in await read_topic(topic, expect=4) if r.value == waiting.to_bytes()]
        assert len(replays) == 3 and {r.key for r in replays} == {key}  # same key, same value, every time
        assert [dict(r.headers).get("pidesk-replay-of", b"").startswith(dlq.encode()) for r in replays] == [
            False,
            True,
            True,
        ]

        # replaying again (both DLQ copies: each event once) changes nothing: processed_events knows it
        capsys.readouterr()
        assert await pidesk("dlq", "replay", "--topic", dlq, "--all") == 0
        assert capsys.readouterr().out.count("replayed ") == 1

        async def seen_again() -> bool:
            return waiting.event_id in duplicates

        await wait_for(seen_again)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert await handled_counts(setting.sessions) == {waiting.event_id: 1, good.event_id: 1}

    entries = await cli_audit_entries(setting.audit_url)
    assert len(entries) == 3  # one per replayed event; the refusals and the dry run did nothing
    for entry in entries:
        assert entry.actor.startswith("cli:") and entry.status == 200 and entry.incident_id == waiting.incident_id
        assert f"pidesk dlq replay event {waiting.event_id} from {dlq} offset " in entry.path and topic in entry.path
