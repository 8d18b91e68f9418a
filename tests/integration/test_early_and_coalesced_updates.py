"""Escalation's update batches on PostgreSQL and SQLite: updates of one incident coalesced into one
re-assessment, and an update that arrives before its incident kept and applied when it is recorded
(through the consumer's batch handlers and its one-at-a-time handlers alike)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.orm import AssessmentRecord, EarlyUpdate, Incident
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.entrypoints.kafka_handlers import kafka_batch_handlers, kafka_handlers
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.services.escalation.service.updates import coalesce
from pidesk.shared import topics
from pidesk.shared.events import Envelope, EventPayload, IncidentUpdated
from tests.support.alert_groups import (
    AWARE,
    dlp_alert,
    escalation_sessions,
    grouped,
    minutes,
    stored_alerts,
    webhook_incident,
)

RULES = RoutingRules(load_policy(), load_directory())
BATCH = kafka_batch_handlers(RULES)
SINGLE = kafka_handlers(RULES)


@pytest.fixture(params=["postgresql", "sqlite"])
async def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with escalation_sessions(request.param, tmp_path) as made:
        yield made


def envelope(incident_id: uuid.UUID, payload: EventPayload) -> tuple[Envelope, EventPayload]:
    return payload.envelope(incident_id=incident_id, producer="intake"), payload


async def in_batch(
    sessions: async_sessionmaker[AsyncSession], topic: str, events: list[tuple[Envelope, EventPayload]]
) -> None:
    async with sessions() as session, session.begin():
        await BATCH[topic](session, events)


async def assessments(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> list[str]:
    async with sessions() as session:
        return list(
            (
                await session.scalars(
                    select(AssessmentRecord.reason)
                    .where(AssessmentRecord.incident_id == incident_id)
                    .order_by(AssessmentRecord.version)
                )
            ).all()
        )


def test_only_consecutive_pure_groupings_of_one_incident_are_joined() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    g = [grouped(1, [dlp_alert(f"g{n}", f"asset-{n}", at=AWARE + minutes(n))]) for n in range(4)]
    facts = IncidentUpdated(**{**g[0].model_dump(), "reason": "vendor_update", "changes": {"malicious": True}})
    events = [envelope(a, g[0]), envelope(b, g[1]), envelope(a, g[2]), envelope(a, facts), envelope(a, g[3])]
    out = coalesce(events)  # type: ignore[arg-type]
    assert [(e.incident_id, [x.alert_id for x in p.alerts], p.reason) for e, p in out] == [
        (a, ["g0", "g2"], "alerts_grouped"),
        (b, ["g1"], "alerts_grouped"),
        (a, ["g0"], "vendor_update"),
        (a, ["g3"], "alerts_grouped"),
    ]
    assert out[0][1].updated_at == AWARE + minutes(2)


async def test_a_storms_updates_re_assess_an_incident_once_per_batch(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    incident_id = uuid.uuid4()
    first = dlp_alert("a0", "mailbox-0", count=3)
    await in_batch(sessions, topics.INCIDENT_REPORTED, [envelope(incident_id, webhook_incident(1, [first]))])
    updates = [
        envelope(incident_id, grouped(1, [dlp_alert(f"a{n}", f"mailbox-{n}", count=30, at=AWARE + minutes(n / 60))]))
        for n in range(1, 51)
    ]
    await in_batch(sessions, topics.INCIDENT_UPDATED, updates)
    assert len(await stored_alerts(sessions)) == 51
    assert await assessments(sessions, incident_id) == ["reported", "alerts_grouped"], "once for fifty updates"
    async with sessions() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None and incident.alert_count == 51
        assert incident.facts["affected_count"] == 3 + 50 * 30


@pytest.mark.parametrize("path", ["batch", "single"])
async def test_an_update_before_its_incident_is_kept_and_applied_when_it_is_recorded(
    sessions: async_sessionmaker[AsyncSession], path: str
) -> None:
    incident_id = uuid.uuid4()
    early = envelope(incident_id, grouped(1, [dlp_alert("a1", "bucket-b", count=2_000, at=AWARE + minutes(1))]))
    if path == "batch":
        await in_batch(sessions, topics.INCIDENT_UPDATED, [early])
    else:
        async with sessions() as session, session.begin():
            await SINGLE[topics.INCIDENT_UPDATED](session, *early)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(EarlyUpdate)) == 1
    reported = envelope(incident_id, webhook_incident(1, [dlp_alert("a0", "bucket-a", count=5)]))
    if path == "batch":
        await in_batch(sessions, topics.INCIDENT_REPORTED, [reported])
    else:
        async with sessions() as session, session.begin():
            await SINGLE[topics.INCIDENT_REPORTED](session, *reported)
    assert set(await stored_alerts(sessions)) == {"a0", "a1"}
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(EarlyUpdate)) == 0
        incident = await session.get(Incident, incident_id)
        assert incident is not None and incident.facts["affected_count"] == 2_005
    assert await assessments(sessions, incident_id) == ["reported", "alerts_grouped"]
