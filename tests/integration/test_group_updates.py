"""Group updates on PostgreSQL and SQLite, with the clock in the test's hand: the first growth after a
quiet window is told at once, growth within a window is folded into one update at its end, each person
told once per update, and the fold survives a restart (it is a timer row)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.orm import EscalationTimer
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_incident_update, record_reported_incident
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.services.escalation.service.timers import fire_next_timer
from pidesk.shared.db.engine import session_factory
from tests.support.alert_groups import (
    AWARE,
    dlp_alert,
    escalation_sessions,
    grouped,
    minutes,
    outbox_events,
    webhook_incident,
)

RULES = RoutingRules(load_policy(), load_directory())
T0 = AWARE
APPI_DUTIES = {"appi.ppc_preliminary_report", "appi.ppc_final_report", "appi.notify_individuals"}


@pytest.fixture(params=["postgresql", "sqlite"])
async def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with escalation_sessions(request.param, tmp_path) as made:
        yield made


class Group:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions, self.id, self.n = sessions, uuid.uuid4(), 0

    async def open(self) -> None:
        async with self.sessions() as session, session.begin():
            event = webhook_incident(9, [dlp_alert("g-0", "place-0", at=T0, email=400)], at=T0)
            await record_reported_incident(IncidentRepository(session), RULES, incident_id=self.id, event=event, now=T0)

    async def grows(self, at: datetime, count: int = 10) -> None:
        self.n += 1
        event = grouped(9, [dlp_alert(f"g-{self.n}", f"place-{self.n}", at=at, email=count)])
        async with self.sessions() as session, session.begin():
            assert await record_incident_update(
                IncidentRepository(session), RULES, incident_id=self.id, event=event, now=at
            )

    async def updates(self) -> list[dict[str, Any]]:
        events = await outbox_events(self.sessions, "pidesk.escalation.requested")
        return [e["payload"] for e in events if e["payload"]["reason"] == "group_update"]

    async def pending(self) -> list[datetime]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(EscalationTimer.due_at).where(
                    EscalationTimer.kind == "group_update", EscalationTimer.fired_at.is_(None)
                )
            )
            return list(rows.all())


async def fire_due(sessions: async_sessionmaker[AsyncSession], at: datetime) -> list[tuple[str, str | None]]:
    fired = []
    while (timer := await fire_next_timer(sessions, RULES, now=at)) is not None:
        fired.append((timer.kind, timer.outcome))
    return fired


def by_moment(updates: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    moments: dict[str, list[dict[str, Any]]] = {}
    for update in updates:
        moments.setdefault(update["requested_at"], []).append(update)
    return moments


async def test_growth_is_told_at_once_then_folded_to_one_update_per_five_minutes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = Group(sessions)
    await group.open()

    await group.grows(T0 + minutes(1), count=100)  # the first growth: told at once
    told = await group.updates()
    assert told and {u["group"]["new_alerts"] for u in told} == {1}
    assert {(u["group"]["since"], u["group"]["total_alerts"], u["group"]["affected_count"]) for u in told} == {
        ("2026-11-20T01:15:00Z", 2, 500)
    }
    first_people = [p["email"] for u in told for p in u["recipients"]]
    assert len(first_people) == len(set(first_people)) > 0, "each person once"

    await group.grows(T0 + minutes(2), count=550)  # within the window: folded (and past APPI's 1,000)
    await group.grows(T0 + minutes(3))
    assert len(await group.updates()) == len(told), "nothing more before the window ends"
    assert await group.pending() == [T0 + minutes(6)]
    assert await fire_due(sessions, T0 + minutes(6) - timedelta(seconds=1)) == []

    assert await fire_due(sessions, T0 + minutes(6)) == [("group_update", "sent")]
    moments = by_moment(await group.updates())
    assert len(moments) == 2
    folded = moments[max(moments)]
    assert {u["group"]["new_alerts"] for u in folded} == {2} and {u["group"]["total_alerts"] for u in folded} == {4}
    assert {u["group"]["affected_count"] for u in folded} == {1060}
    assert set(folded[0]["group"]["new_obligations"]) >= APPI_DUTIES
    people = Counter(p["email"] for u in folded for p in u["recipients"])
    assert set(people.values()) == {1}
    assert {u["target"] for u in folded} >= {u["target"] for u in told}, "everyone told so far"

    await group.grows(T0 + minutes(7))  # the next window starts at the last update
    assert await group.pending() == [T0 + minutes(11)]

    # a restart: another process (engine) fires the folded update; it is a row, nothing is lost
    engine_sessions = session_factory(sessions.kw["bind"])
    assert await fire_due(engine_sessions, T0 + minutes(11)) == [("group_update", "sent")]
    assert await fire_due(engine_sessions, T0 + minutes(12)) == []
    moments = by_moment(await group.updates())
    assert len(moments) == 3 and {u["group"]["new_alerts"] for u in moments[max(moments)]} == {1}

    await group.grows(T0 + minutes(30))  # after a quiet window: at once again
    moments = by_moment(await group.updates())
    assert len(moments) == 4 and await group.pending() == []
    latest = moments[max(moments)]
    assert {u["group"]["since"] for u in latest} == {"2026-11-20T01:26:00Z"}


async def test_growth_that_changes_nothing_of_the_facts_still_tells_and_a_closed_incident_tells_no_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group = Group(sessions)
    await group.open()
    await group.grows(T0 + minutes(1), count=0)
    assert {u["group"]["new_alerts"] for u in await group.updates()} == {1}
    async with sessions() as session, session.begin():
        incident = await IncidentRepository(session).get(group.id)
        assert incident is not None
        incident.closed_at, incident.status = T0 + minutes(2), "closed"
    before = len(await group.updates())
    await group.grows(T0 + minutes(20))
    assert len(await group.updates()) == before and await group.pending() == []
