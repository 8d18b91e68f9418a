"""Correlation of webhook alerts on PostgreSQL: a storm folds into one incident per group, the
window slides, caps and the desk's close open a linked incident, a merge redirects the group, two
intake processes never split a group, and every alert reaches escalation exactly once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.migrations import runner
from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.orm import AlertGroup, OutboxMessage, Report
from pidesk.services.intake.adapters.references import ReferenceNumbers
from pidesk.services.intake.adapters.repository import IntakeUnitOfWork
from pidesk.services.intake.domain.correlation import CorrelationPolicy
from pidesk.services.intake.service.alerts import AlertReporter, receive_alert, submission_for
from pidesk.services.intake.service.correlation import AlertCorrelator
from pidesk.services.intake.service.groups import close_groups, merge_groups
from pidesk.services.intake.service.reports import ReportAccepted
from pidesk.services.intake.webhooks.model import VendorAlert
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import Envelope
from pidesk.shared.vocabulary import DataCategory, IncidentKind, ReportSource
from tests.support.apps import intake_app
from tests.support.infra import fresh_postgres_database
from tests.support.webhooks import fixture_bytes, signed

CIPHER = FieldCipher("k1:" + "A" * 43 + "=")
REPORTER = AlertReporter("dlp@example.com", "Information Security", "Head office", "JP")
PURVIEW = ReportSource.MS_PURVIEW
T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@dataclass
class Intake:
    """One intake process's correlator on a shared database."""

    correlator: AlertCorrelator
    sessions: async_sessionmaker[AsyncSession]
    numbers: ReferenceNumbers
    task: asyncio.Task[None]

    async def alert(self, alert_id: str, *, rule: str = "Card numbers", at: datetime = T0, **kw: Any) -> ReportAccepted:
        alert = VendorAlert(
            alert_id=alert_id,
            incident_kind=IncidentKind.MISDELIVERY,
            data_categories=kw.pop("categories", [DataCategory.CREDIT_CARD]),
            aware_at=at,
            title="DLP policy match",
            summary="Outgoing mail matched a DLP rule",
            rule=rule,
            asset=kw.pop("asset", f"user{alert_id}@example.co.jp"),
            detections=kw.pop("detections", {"Credit Card Number": 3}),
            affected_count=kw.pop("affected_count", 3),
        )
        submission = submission_for(alert, "Microsoft Purview", REPORTER)
        uow = IntakeUnitOfWork(self.sessions, self.numbers)
        return await receive_alert(
            PURVIEW, alert, submission, uow=uow, cipher=CIPHER, clock=lambda: at, correlator=self.correlator
        )


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with fresh_postgres_database("correlation") as url:
        await runner.upgrade(url, "intake")
        yield url


@pytest.fixture
async def start(database: str) -> AsyncIterator[Callable[..., Intake]]:
    started: list[tuple[Intake, Any]] = []

    def make(**policy: Any) -> Intake:
        engine = create_engine(database)
        sessions = session_factory(engine)
        numbers = ReferenceNumbers(engine)
        correlator = AlertCorrelator(
            sessions, numbers, CIPHER, CorrelationPolicy.model_validate(policy), after_commit=lambda: None
        )
        correlator.running = True  # submit() before the task's first turn is fine: run() drains the queue
        intake = Intake(correlator, sessions, numbers, asyncio.create_task(correlator.run()))
        started.append((intake, engine))
        return intake

    yield make
    for intake, engine in started:
        intake.task.cancel()
        await asyncio.gather(intake.task, return_exceptions=True)
        await engine.dispose()


async def events(intake: Intake) -> list[Envelope]:
    async with intake.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [Envelope.model_validate_json(row.value) for row in rows]


async def count(intake: Intake, model: type) -> int:
    async with intake.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def alert_ids(envelopes: list[Envelope], incident_id: uuid.UUID) -> list[str]:
    return [a["alert_id"] for e in envelopes if e.incident_id == incident_id for a in e.payload.get("alerts", [])]


async def test_a_storm_folds_into_one_incident_per_rule_and_every_alert_reaches_escalation_once(
    start: Callable[..., Intake],
) -> None:
    intake = start()
    storm = [intake.alert(f"a{n}", rule="Card numbers", at=T0 + timedelta(seconds=n)) for n in range(300)]
    other = [intake.alert(f"b{n}", rule="My Number", at=T0 + timedelta(seconds=n)) for n in range(100)]
    accepted = await asyncio.gather(*storm, *other)

    assert await count(intake, Report) == 2, "two rules, two incidents"
    assert len({a.incident_id for a in accepted[:300]}) == 1 and len({a.incident_id for a in accepted[300:]}) == 1
    assert sum(a.created for a in accepted) == 2 and sum(a.grouped for a in accepted) == 398
    assert intake.correlator.batches_written < 400, "alerts that arrive together share a transaction"
    async with intake.sessions() as session:
        groups = {g.key_values["rule"]: g.alert_count for g in await session.scalars(select(AlertGroup))}
    assert groups == {"card numbers": 300, "my number": 100}
    envelopes = await events(intake)
    cards = accepted[0].incident_id
    assert sorted(alert_ids(envelopes, cards)) == sorted(f"a{n}" for n in range(300)), "each alert once"
    reported = [e for e in envelopes if e.event_type == "pidesk.incident.reported"]
    assert len(reported) == 2
    assert all(e.payload["reason"] == "alerts_grouped" for e in envelopes if e.event_type == "pidesk.incident.updated")
    assert len(envelopes) < 300, "one event per group per batch, not one per alert"


async def test_a_repeated_alert_is_the_known_incident_and_is_not_grouped_again(start: Callable[..., Intake]) -> None:
    intake = start()
    first = await intake.alert("a1")
    joined = await intake.alert("a2", at=T0 + timedelta(minutes=1))
    again = await intake.alert("a2", at=T0 + timedelta(minutes=2))
    assert first.created and joined.grouped and joined.incident_id == first.incident_id
    assert not again.created and not again.grouped and again.incident_id == first.incident_id
    assert alert_ids(await events(intake), first.incident_id) == ["a1", "a2"]


async def test_the_window_slides_and_a_quiet_group_ends(start: Callable[..., Intake]) -> None:
    intake = start(window_minutes=15)
    first = await intake.alert("a1")
    # each alert within 15 minutes of the last keeps the group open, well past 15 minutes in all
    for n in range(1, 5):
        later = await intake.alert(f"a{n + 1}", at=T0 + timedelta(minutes=14 * n))
        assert later.incident_id == first.incident_id
    quiet = await intake.alert("a9", at=T0 + timedelta(minutes=14 * 4 + 16))
    assert quiet.created and quiet.incident_id != first.incident_id
    reported = next(e for e in await events(intake) if e.incident_id == quiet.incident_id)
    assert reported.payload["follows_incident_id"] is None, "a new episode, not a continuation"


async def test_caps_and_a_closed_incident_open_a_linked_incident(start: Callable[..., Intake]) -> None:
    intake = start(max_alerts=3, max_span_hours=1, window_minutes=120)
    first = await intake.alert("a1")
    await intake.alert("a2", at=T0 + timedelta(minutes=1))
    await intake.alert("a3", at=T0 + timedelta(minutes=2))
    full = await intake.alert("a4", at=T0 + timedelta(minutes=3))
    assert full.created and full.incident_id != first.incident_id

    async with intake.sessions() as session, session.begin():
        assert await close_groups(session, full.incident_id, T0 + timedelta(minutes=4)) == 1
    after_close = await intake.alert("a5", at=T0 + timedelta(minutes=5))
    assert after_close.created and after_close.incident_id not in {first.incident_id, full.incident_id}

    old = await intake.alert("a6", at=T0 + timedelta(minutes=5, seconds=30))
    assert old.incident_id == after_close.incident_id
    span = await intake.alert("a7", at=T0 + timedelta(minutes=66))  # within the window, past the span cap
    assert span.created
    follows = {
        e.incident_id: e.payload["follows_incident_id"]
        for e in await events(intake)
        if e.event_type == "pidesk.incident.reported"
    }
    assert follows[full.incident_id] == str(first.incident_id)
    assert follows[after_close.incident_id] == str(full.incident_id)
    assert follows[span.incident_id] == str(after_close.incident_id)


async def test_a_merged_group_feeds_the_surviving_incident(start: Callable[..., Intake]) -> None:
    intake = start()
    cards = await intake.alert("a1", rule="Card numbers")
    numbers = await intake.alert("b1", rule="My Number")
    async with intake.sessions() as session, session.begin():
        assert await merge_groups(session, numbers.incident_id, cards.incident_id) == 1
    later = await intake.alert("b2", rule="My Number", at=T0 + timedelta(minutes=1))
    assert later.incident_id == cards.incident_id and later.reference == cards.reference and later.grouped


async def test_alerts_without_any_key_or_from_an_ungrouped_source_stand_alone(start: Callable[..., Intake]) -> None:
    intake = start(sources={"ms-purview": {"keys": ["actor"]}})  # Purview alerts here name no actor
    one = await intake.alert("a1")
    two = await intake.alert("a2")
    assert intake.correlator.batches_written == 0, "no key: the alerts never reached the correlator"
    assert one.incident_id != two.incident_id


def test_reports_from_people_cannot_be_grouped_by_policy() -> None:
    with pytest.raises(ValueError, match="never grouped"):
        CorrelationPolicy.model_validate({"sources": {"api": {"keys": ["rule"]}}})
    assert not CorrelationPolicy().grouping(ReportSource.FORM).enabled


async def test_two_intake_processes_never_split_a_group(start: Callable[..., Intake]) -> None:
    one, two = start(), start()
    accepted = await asyncio.gather(
        *(
            (one if n % 2 else two).alert(f"a{n}", at=T0 + timedelta(milliseconds=n), asset=f"m{n}@example.co.jp")
            for n in range(200)
        )
    )
    assert len({a.incident_id for a in accepted}) == 1
    assert sum(a.created for a in accepted) == 1
    assert await count(one, Report) == 1
    assert sorted(alert_ids(await events(one), accepted[0].incident_id)) == sorted(f"a{n}" for n in range(200))


async def test_a_vendor_storm_over_http_answers_202_then_200_grouped(tmp_path: Path) -> None:
    record = json.loads(fixture_bytes("ms-purview", "dlp_rule_match_single.json"))
    rule = record["PolicyDetails"][0]["Rules"][0]

    def delivery(n: int, rule_name: str) -> bytes:
        copy = json.loads(json.dumps(record))
        copy["IncidentId"] = copy["Id"] = str(uuid.UUID(int=n))
        copy["UserId"] = f"sender{n}@contoso.co.jp"
        copy["PolicyDetails"][0]["Rules"][0]["RuleName"] = rule_name
        return json.dumps(copy).encode()

    assert rule["RuleName"], "the fixture names its rule"
    async with intake_app(tmp_path, "corr_http", webhook_secrets={"ms-purview": "s3cret"}) as (client, _url):
        answers = []
        for n, rule_name in enumerate(["Card numbers"] * 5 + ["My Number"]):
            body = delivery(n + 1, rule_name)
            answers.append(
                await client.post("/v1/webhooks/ms-purview", content=body, headers=signed("ms-purview", "s3cret", body))
            )
        repeat = delivery(2, "Card numbers")
        again = await client.post(
            "/v1/webhooks/ms-purview", content=repeat, headers=signed("ms-purview", "s3cret", repeat)
        )
    assert [a.status_code for a in answers] == [202, 200, 200, 200, 200, 202]
    bodies = [a.json() for a in answers]
    assert len({b["incident_id"] for b in bodies[:5]}) == 1 and bodies[5]["incident_id"] != bodies[0]["incident_id"]
    assert [b.get("grouped", False) for b in bodies] == [False, True, True, True, True, False]
    assert again.status_code == 200 and "grouped" not in again.json(), "a repeated alert is the known incident"
    assert again.json()["incident_id"] == bodies[0]["incident_id"]
