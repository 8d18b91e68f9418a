"""A consumer batch of reported incidents, written with multi-row inserts, on PostgreSQL and SQLite:
the same incidents, assessments, routes, timers, events and snoozes as one at a time through the ORM."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.orm import (
    AssessmentRecord,
    EscalationTimer,
    Incident,
    IncidentAlert,
    OutboxMessage,
)
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.entrypoints.views import incident_detail
from pidesk.services.escalation.service.incidents import record_reported_incident, record_reported_incidents
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.services.escalation.service.timers import fire_next_timer
from pidesk.shared.events import IncidentReported
from tests.support.alert_groups import dlp_alert, escalation_sessions, webhook_incident
from tests.support.snoozes import alert_marks, escalations, snooze, timers
from tests.unit.factories import reported_incident

AWARE = datetime(2026, 11, 20, 1, 15, tzinfo=UTC)
RULES = RoutingRules(load_policy(), load_directory())


def reported(n: int, **facts: Any) -> IncidentReported:
    defaults = {"data_categories": ["name", "credit_card"], "affected_count": 12, "subject_regions": {"JP": 12}}
    return reported_incident(n, at=AWARE, **{**defaults, **facts})


# very high, medium, EU and US duties, an unknown count: every kind of route, obligation and timer
EVENTS = [
    reported(1),
    reported(2, data_categories=["name"], affected_count=10, subject_regions={"JP": 10}),
    reported(3, affected_count=1500, subject_regions={"JP": 1200, "EU": 300}, contact_info_available=False),
    reported(4, data_categories=["ssn"], affected_count=None, subject_regions={"US-CA": 5}),
]


@pytest.fixture(params=["postgresql", "sqlite"])
async def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with escalation_sessions(request.param, tmp_path) as made:
        yield made


def comparable(detail: dict[str, Any]) -> str:
    """The desk's view of an incident without what differs between two recordings (ids, clock)."""
    text = json.dumps({k: v for k, v in detail.items() if k not in ("incident_id", "reference")}, sort_keys=True)
    for entry in detail["timeline"]:
        text = text.replace(entry["at"], "T")
    for route in detail["routes"]:
        text = text.replace(route["notified_at"], "T").replace(route["ack_due_at"] or "-", "T")
    return text


async def snapshot(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> dict[str, Any]:
    async with sessions() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        timers = (
            await session.scalars(
                select(EscalationTimer).where(EscalationTimer.incident_id == incident_id).order_by(EscalationTimer.id)
            )
        ).all()
        events = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.message_key == str(incident_id)).order_by(OutboxMessage.id)
            )
        ).all()
        assessments = (
            await session.scalars(select(AssessmentRecord).where(AssessmentRecord.incident_id == incident_id))
        ).all()
        return {
            "detail": comparable(incident_detail(incident)),
            "timers": [(t.kind, t.obligation_code, t.fired_at) for t in timers],
            "events": [(e.topic, json.loads(e.value)["payload"].get("target")) for e in events],
            "assessments": [(a.version, a.reason, a.risk_level, a.summary, a.obligations) for a in assessments],
        }


async def test_a_batch_records_what_one_at_a_time_records(sessions: async_sessionmaker[AsyncSession]) -> None:
    single = [uuid.uuid4() for _ in EVENTS]
    batched = [uuid.uuid4() for _ in EVENTS]
    for incident_id, event in zip(single, EVENTS, strict=True):
        async with sessions() as session, session.begin():
            assert await record_reported_incident(
                IncidentRepository(session), RULES, incident_id=incident_id, event=event
            )
    async with sessions() as session, session.begin():
        opened = await record_reported_incidents(session, RULES, list(zip(batched, EVENTS, strict=True)))
    assert opened == len(EVENTS)

    for one, many in zip(single, batched, strict=True):
        expected, got = await snapshot(sessions, one), await snapshot(sessions, many)
        assert got == expected
        assert got["timers"] and got["events"][0][0] == "pidesk.incident.assessed.v1"

    # the batch's incidents behave like any other afterwards: their timers fire
    async with sessions() as session:
        due = await session.scalar(
            select(EscalationTimer.due_at).where(
                EscalationTimer.incident_id == batched[0], EscalationTimer.kind == "ack_deadline"
            )
        )
    assert due is not None
    outcomes = []
    for _ in range(100):
        fired = await fire_next_timer(sessions, RULES, now=due)
        if fired is None:
            break
        if fired.incident_id == batched[0]:
            outcomes.append(fired.outcome)
    assert "escalated:officer_in_charge" in outcomes  # all were told at step 1: the officer again


async def test_a_batch_skips_incidents_already_known_and_repeats_within_itself(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    known, new = uuid.uuid4(), uuid.uuid4()
    async with sessions() as session, session.begin():
        await record_reported_incident(IncidentRepository(session), RULES, incident_id=known, event=EVENTS[0])
    async with sessions() as session, session.begin():
        opened = await record_reported_incidents(
            session, RULES, [(known, EVENTS[0]), (new, EVENTS[1]), (new, EVENTS[1])]
        )
    assert opened == 1
    async with sessions() as session:
        counts = {
            incident_id: len(
                (
                    await session.scalars(select(AssessmentRecord).where(AssessmentRecord.incident_id == incident_id))
                ).all()
            )
            for incident_id in (known, new)
        }
    assert counts == {known: 1, new: 1}


def grouped_events(tag: str, ids: list[uuid.UUID]) -> list[IncidentReported]:
    """Webhook incidents with their alerts: a duplicate within an event, an alert another incident of
    the same batch owns already, an unknown count, and a successor of a closed group."""
    return [
        webhook_incident(
            21,
            [
                dlp_alert(f"{tag}-1", "s3://a", email=700),
                dlp_alert(f"{tag}-2", "s3://b", email=400),
                dlp_alert(f"{tag}-1", "s3://a", email=700),
            ],
        ),
        webhook_incident(22, [dlp_alert(f"{tag}-3", None, categories=("my_number",))], data_categories=["name"]),
        webhook_incident(23, [dlp_alert(f"{tag}-2", "s3://b", email=400), dlp_alert(f"{tag}-4", "x", email=9)]),
        webhook_incident(24, [dlp_alert(f"{tag}-5", "s3://a", email=3)], follows=ids[0]),
    ]


async def alert_rows(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        rows = (
            await session.scalars(
                select(IncidentAlert).where(IncidentAlert.incident_id == incident_id).order_by(IncidentAlert.id)
            )
        ).all()
    fields = ("source", "asset", "rule", "actor", "detections", "data_categories", "affected_count", "vendor_state")
    return [(r.alert_id.split("-", 1)[1], r.received_at, *(getattr(r, f) for f in fields)) for r in rows]


async def record_both(
    sessions: async_sessionmaker[AsyncSession],
    count: int,
    events: Callable[[str, list[uuid.UUID]], list[IncidentReported]],
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """The same `count` incidents recorded one at a time (`events("one", ids)`) and as one batch
    (`events("many", ids)`): the ids of each, in order."""
    single = [uuid.uuid4() for _ in range(count)]
    batched = [uuid.uuid4() for _ in range(count)]
    for incident_id, event in zip(single, events("one", single), strict=True):
        async with sessions() as session, session.begin():
            assert await record_reported_incident(
                IncidentRepository(session), RULES, incident_id=incident_id, event=event
            )
    async with sessions() as session, session.begin():
        assert await record_reported_incidents(
            session, RULES, list(zip(batched, events("many", batched), strict=True))
        ) == len(batched)
    return single, batched


async def test_a_batch_stores_grouped_alerts_as_one_at_a_time_does(sessions: async_sessionmaker[AsyncSession]) -> None:
    single, batched = await record_both(sessions, 4, grouped_events)

    def same(detail: str, ids: list[uuid.UUID], tag: str) -> str:
        for n, incident_id in enumerate(ids):
            detail = detail.replace(str(incident_id), f"incident-{n}")
        return detail.replace(f'"{tag}-', '"tag-')

    for one, many in zip(single, batched, strict=True):
        expected, got = await snapshot(sessions, one), await snapshot(sessions, many)
        assert same(got.pop("detail"), batched, "many") == same(expected.pop("detail"), single, "one")
        assert got == expected
        assert await alert_rows(sessions, many) == await alert_rows(sessions, one)
    counts = [len(await alert_rows(sessions, i)) for i in batched]
    assert counts == [2, 1, 1, 1], "each alert once: the duplicate and the alert owned already are not stored"
    async with sessions() as session:
        incidents = [await session.get(Incident, i) for i in batched]
    assert [i.facts["affected_count"] for i in incidents if i] == [1100, None, 9, 3]
    assert [i.alert_count for i in incidents if i] == counts
    first = next(e for e in incidents[0].timeline if e.kind == "followed_by")  # type: ignore[union-attr]
    assert first.detail == {"incident_id": str(batched[3]), "reference": "PI-2026-000024"}


def snoozable_events(tag: str, at: datetime) -> list[IncidentReported]:
    """Under a snooze of rule dlp-rule-7 on s3://*: one snoozed, one over APPI's 1,000 (overridden), one
    with an alert the snooze does not cover, and a report from a person."""
    return [
        webhook_incident(31, [dlp_alert(f"{tag}-1", "s3://a", at=at, email=5)], at=at),
        webhook_incident(32, [dlp_alert(f"{tag}-2", "s3://b", at=at, email=1200)], at=at),
        webhook_incident(
            33, [dlp_alert(f"{tag}-3", "s3://c", at=at, email=5), dlp_alert(f"{tag}-4", "site:x", at=at)], at=at
        ),
        reported_incident(34, at=at),
    ]


async def test_a_batch_snoozes_as_one_at_a_time_does(sessions: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    rule = await snooze(sessions, at=now - timedelta(minutes=1), rule="dlp-rule-7", asset="s3://*")
    single, batched = await record_both(sessions, 4, lambda tag, _ids: snoozable_events(tag, now))

    for one, many in zip(single, batched, strict=True):
        expected, got = await snapshot(sessions, one), await snapshot(sessions, many)
        assert got.pop("detail").replace("many-", "tag-") == expected.pop("detail").replace("one-", "tag-")
        assert got == expected
        marks = {k.split("-")[1]: v for k, v in (await alert_marks(sessions, many)).items()}
        assert marks == {k.split("-")[1]: v for k, v in (await alert_marks(sessions, one)).items()}
    async with sessions() as session:
        incidents = [await session.get(Incident, i) for i in batched]
    assert [(i.status, i.snooze_state, i.matched_snooze_id) for i in incidents if i] == [
        ("snoozed", "snoozed", rule),
        ("open", "overridden", rule),
        ("open", None, None),
        ("open", None, None),
    ]
    assert await escalations(sessions, batched[0]) == [] and await timers(sessions, batched[0]) == []
    assert await escalations(sessions, batched[1]) and await escalations(sessions, batched[2])
    assert await alert_marks(sessions, batched[2]) == {"many-3": rule, "many-4": None}
