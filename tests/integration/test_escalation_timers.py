"""Durable escalation timers on PostgreSQL: tiers, acknowledgement, restarts and two instances."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import EscalationTimer, Incident, OutboxMessage
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.services.escalation.service.routing import RoutingRules, schedule
from pidesk.services.escalation.service.timers import TimerScheduler, fire_next_timer
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import IncidentReported, ReporterRef
from tests.support.infra import fresh_postgres_database

RULES = RoutingRules(load_policy(), load_directory())


def reported(aware_at: datetime, n: int = 0) -> IncidentReported:
    return IncidentReported(
        reference=f"PI-2026-{n:06d}",
        source="api",
        reporter=ReporterRef(
            name="A", email="a@example.co.jp", division="Retail Sales", entity="Example Holdings", entity_country="JP"
        ),
        incident_kind="misdelivery",
        aware_at=aware_at,
        received_at=aware_at,
        data_categories=["name"],
        affected_count=10,
        subject_regions={"JP": 10},
    )


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with fresh_postgres_database("timers") as url:
        await runner.upgrade(url, "escalation")
        yield url


async def new_incident(sessions: async_sessionmaker[AsyncSession], n: int = 0) -> uuid.UUID:
    incident_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        # aware now, so no obligation reminder is due yet: only the acknowledgement clock runs
        await record_reported_incident(
            IncidentRepository(session), RULES, incident_id=incident_id, event=reported(datetime.now(UTC), n)
        )
    return incident_id


async def routes_of(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> list[tuple[str, int, str]]:
    async with sessions() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        return [(r.target, r.step, r.reason) for r in incident.routes]


async def test_an_unacknowledged_incident_climbs_the_chain_again_and_again_until_acknowledged(database: str) -> None:
    engine = create_engine(database)
    sessions = session_factory(engine)
    incident_id = await new_incident(sessions)
    initial = await routes_of(sessions, incident_id)
    assert initial == [
        ("security_contact_desk", 1, "routed"),
        ("division_manager", 1, "routed"),
        ("promotion_bureau", 1, "routed"),
    ]  # risk medium: 4 hours to acknowledge

    now = datetime.now(UTC)
    assert await fire_next_timer(sessions, RULES, now=now + timedelta(hours=3)) is None, "not due before 4 h"
    outcomes = {}
    for hours in (4, 8, 12):
        at = now + timedelta(hours=hours, minutes=1)
        outcomes[hours] = []
        while (fired := await fire_next_timer(sessions, RULES, now=at)) is not None:
            outcomes[hours].append(fired.outcome)
    assert outcomes == {
        4: ["escalated:pi_administrator"],
        8: ["escalated:officer_in_charge"],
        # halfway to its 24-hour deadline the desk report is still open: the PI administrator is reminded
        12: ["reminded:pi_administrator", "escalated:officer_in_charge"],
    }
    assert (await routes_of(sessions, incident_id))[3:] == [
        ("pi_administrator", 2, "escalated"),
        ("officer_in_charge", 3, "escalated"),
        ("pi_administrator", 3, "obligation_reminder"),
        ("officer_in_charge", 4, "escalated"),
    ]

    async with sessions() as session, session.begin():  # someone acknowledges
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        incident.acknowledged_at, incident.acknowledged_by = now + timedelta(hours=13), "desk:alice"
        await schedule(IncidentRepository(session), incident, RULES, now=now + timedelta(hours=13))
    assert await fire_next_timer(sessions, RULES, now=now + timedelta(hours=30)) is None
    assert len(await routes_of(sessions, incident_id)) == 7
    await engine.dispose()


async def test_a_scheduler_restart_neither_drops_nor_doubles_a_pending_escalation(database: str) -> None:
    engine = create_engine(database)
    incident_id = await new_incident(session_factory(engine))
    await engine.dispose()
    later = datetime.now(UTC) + timedelta(hours=4, minutes=1)

    for _run in range(2):  # the same moment, seen by a first process and by its restart
        engine = create_engine(database)
        scheduler = TimerScheduler(session_factory(engine), RULES, interval=0.05, clock=lambda: later)
        task = asyncio.create_task(scheduler.run())
        await asyncio.sleep(0.5)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()

    engine = create_engine(database)
    routes = await routes_of(session_factory(engine), incident_id)
    await engine.dispose()
    assert [r for r in routes if r[2] == "escalated"] == [("pi_administrator", 2, "escalated")]


async def test_two_scheduler_instances_fire_each_timer_exactly_once(database: str) -> None:
    engine = create_engine(database)
    sessions = session_factory(engine)
    incidents = [await new_incident(sessions, n) for n in range(25)]
    later = datetime.now(UTC) + timedelta(hours=4, minutes=1)
    async with sessions() as session:
        due = await session.scalar(
            select(func.count()).select_from(EscalationTimer).where(EscalationTimer.due_at <= later)
        )
    engines = [create_engine(database) for _ in range(2)]
    schedulers = [TimerScheduler(session_factory(e), RULES, interval=0.01, clock=lambda: later) for e in engines]
    tasks = [asyncio.create_task(s.run()) for s in schedulers]
    await asyncio.sleep(3)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for e in engines:
        await e.dispose()

    async with sessions() as session:
        fired = await session.scalar(
            select(func.count()).select_from(EscalationTimer).where(EscalationTimer.fired_at.is_not(None))
        )
        events = [json.loads(v) for v in (await session.scalars(select(OutboxMessage.value))).all()]
    await engine.dispose()
    escalations = [
        e for e in events if e["event_type"] == "pidesk.escalation.requested" and e["payload"]["reason"] == "escalated"
    ]
    assert due == len(incidents) and fired == due
    assert sorted(e["incident_id"] for e in escalations) == sorted(str(i) for i in incidents), "one each, no double"
