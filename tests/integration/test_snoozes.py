"""Snoozes applied while incidents are recorded, on PostgreSQL and SQLite: a snoozed rule raises nothing
(no routing, no escalation.requested, no timers) until it expires; a statutory obligation overrides it;
a snoozed group is opened and routed when it crosses a threshold or an alert joins that no snooze
covers; growth made of snoozed alerts mails no one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.orm import Incident
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_incident_update, record_reported_incident
from pidesk.shared.events import IncidentReported, IncidentUpdated
from tests.integration.test_alert_groups import RULES
from tests.support.alert_groups import AWARE, dlp_alert, escalation_sessions, grouped, minutes, webhook_incident
from tests.support.snoozes import alert_marks, escalations, snooze, timers
from tests.unit.factories import reported_incident

T0 = AWARE


@pytest.fixture(params=["postgresql", "sqlite"])
async def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with escalation_sessions(request.param, tmp_path) as made:
        yield made


async def report(sessions: async_sessionmaker[AsyncSession], event: IncidentReported) -> uuid.UUID:
    incident_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        assert await record_reported_incident(
            IncidentRepository(session), RULES, incident_id=incident_id, event=event, now=event.received_at
        )
    return incident_id


async def update(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID, event: IncidentUpdated) -> None:
    async with sessions() as session, session.begin():
        assert await record_incident_update(
            IncidentRepository(session), RULES, incident_id=incident_id, event=event, now=event.updated_at
        )


async def incident(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> Incident:
    async with sessions() as session:
        found = await session.get(Incident, incident_id)
        assert found is not None
        return found


def notes(found: Incident, kind: str) -> list[dict[str, object]]:
    return [e.detail for e in found.timeline if e.kind == kind]


async def test_a_snoozed_rule_raises_nothing_until_it_expires(sessions: async_sessionmaker[AsyncSession]) -> None:
    staging = await snooze(sessions, at=T0 - minutes(1), hours=2, rule="DLP-rule-*", asset="s3://staging-*")
    quiet = await report(sessions, webhook_incident(1, [dlp_alert("q1", "s3://staging-a", email=10)]))
    found = await incident(sessions, quiet)
    assert (found.status, found.snooze_state, found.matched_snooze_id) == ("snoozed", "snoozed", staging)
    assert found.risk_level == "medium" and found.assessment is not None, "assessed: listed with its risk"
    assert found.routes == [] and found.acknowledged_at is None
    assert await escalations(sessions, quiet) == [] and await timers(sessions, quiet) == []
    assert notes(found, "snoozed")[0]["snooze_id"] == staging
    assert notes(found, "snoozed")[0]["reason"] == "migration of the staging buckets"

    # more alerts it covers join the group: stored and counted, still nothing told
    await update(sessions, quiet, grouped(1, [dlp_alert("q2", "s3://staging-b", at=T0 + minutes(30), email=20)]))
    found = await incident(sessions, quiet)
    assert found.status == "snoozed" and found.alert_count == 2 and found.facts["affected_count"] == 30
    assert await escalations(sessions, quiet) == [] and await timers(sessions, quiet) == []
    assert await alert_marks(sessions, quiet) == {"q1": staging, "q2": staging}

    # once it has expired, the same rule opens an incident as usual
    at = T0 + minutes(125)
    later = await report(sessions, webhook_incident(2, [dlp_alert("q3", "s3://staging-c", at=at, email=10)], at=at))
    found = await incident(sessions, later)
    assert (found.status, found.matched_snooze_id, found.snooze_state) == ("open", None, None)
    assert found.routes and [e["reason"] for e in await escalations(sessions, later)].count("routed") >= 1
    assert "ack_deadline" in await timers(sessions, later)
    assert await alert_marks(sessions, later) == {"q3": None}
    # and what it silenced while it ran stays silenced (the desk judged it noise)
    assert (await incident(sessions, quiet)).status == "snoozed"


async def test_a_snooze_never_hides_a_statutory_obligation(sessions: async_sessionmaker[AsyncSession]) -> None:
    everything = await snooze(sessions, at=T0 - minutes(1), rule="dlp-rule-7")
    numbers = await report(
        sessions,
        webhook_incident(
            3,
            [dlp_alert("n1", "fileserver:hr", categories=("my_number",), my_number=101)],
            data_categories=["my_number"],
        ),
    )
    crowd = await report(sessions, webhook_incident(4, [dlp_alert("c1", "s3://exports", email=1200)]))
    for incident_id, trigger, duty in (
        (numbers, "mynumber.over_100", "mynumber.ppc_preliminary_report"),
        (crowd, "appi.over_1000", "appi.ppc_preliminary_report"),
    ):
        found = await incident(sessions, incident_id)
        assert (found.status, found.snooze_state, found.matched_snooze_id) == ("open", "overridden", everything)
        assert trigger in found.assessment["legal_triggers"]  # type: ignore[index]
        assert found.routes and await escalations(sessions, incident_id)
        assert {"ack_deadline", "obligation_reminder"} <= set(await timers(sessions, incident_id))
        overridden = notes(found, "snooze_overridden")
        assert len(overridden) == 1 and duty in overridden[0]["obligations"]  # type: ignore[operator]
        assert "internal.report_to_desk" not in overridden[0]["obligations"]  # type: ignore[operator]
        assert not notes(found, "snoozed")
    assert await alert_marks(sessions, numbers) == {"n1": everything}

    # a report from a person has no alerts: never snoozed
    person = await report(sessions, reported_incident(5, at=T0))
    found = await incident(sessions, person)
    assert (found.status, found.matched_snooze_id) == ("open", None) and found.routes


async def test_a_snoozed_group_crossing_appi_1000_is_opened_and_routed_then(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    rule = await snooze(sessions, at=T0 - minutes(1), rule="dlp-rule-7")
    group = await report(sessions, webhook_incident(6, [dlp_alert("g1", "s3://a", email=400)]))
    await update(sessions, group, grouped(6, [dlp_alert("g2", "s3://b", at=T0 + minutes(5), email=580)]))
    found = await incident(sessions, group)
    assert found.status == "snoozed" and found.facts["affected_count"] == 980
    assert await escalations(sessions, group) == [] and await timers(sessions, group) == []

    await update(sessions, group, grouped(6, [dlp_alert("g3", "s3://c", at=T0 + minutes(10), email=260)]))
    found = await incident(sessions, group)
    assert found.facts["affected_count"] == 1240
    assert (found.status, found.snooze_state, found.matched_snooze_id) == ("open", "overridden", rule)
    told = await escalations(sessions, group)
    assert told and {e["reason"] for e in told} == {"routed"}
    assert {"ack_deadline", "obligation_reminder"} <= set(await timers(sessions, group))
    overridden = notes(found, "snooze_overridden")
    assert len(overridden) == 1 and "appi.ppc_preliminary_report" in overridden[0]["obligations"]  # type: ignore[operator]
    assert await alert_marks(sessions, group) == {"g1": rule, "g2": rule, "g3": rule}


async def test_an_alert_no_snooze_covers_opens_a_snoozed_group(sessions: async_sessionmaker[AsyncSession]) -> None:
    staging = await snooze(sessions, at=T0 - minutes(1), hours=1, asset="s3://staging-*")
    mixed = await report(sessions, webhook_incident(7, [dlp_alert("j1", "s3://staging-a", email=5)]))
    assert (await incident(sessions, mixed)).status == "snoozed"
    await update(sessions, mixed, grouped(7, [dlp_alert("j2", "s3://prod-a", at=T0 + minutes(5), email=5)]))
    found = await incident(sessions, mixed)
    assert (found.status, found.snooze_state, found.matched_snooze_id) == ("open", "opened", staging)
    assert found.routes and {e["reason"] for e in await escalations(sessions, mixed)} == {"routed"}
    assert "ack_deadline" in await timers(sessions, mixed)
    woken = notes(found, "unsnoozed")
    assert woken == [{"why": "alert", "snooze_id": staging, "alert": {"source": "generic", "alert_id": "j2"}}]
    assert await alert_marks(sessions, mixed) == {"j1": staging, "j2": None}

    # an alert that arrives after the snooze expired is covered by nothing either
    late = await report(sessions, webhook_incident(8, [dlp_alert("k1", "s3://staging-b", email=5)]))
    assert (await incident(sessions, late)).status == "snoozed"
    after = T0 + minutes(61)
    await update(sessions, late, grouped(8, [dlp_alert("k2", "s3://staging-b", at=after, email=5)]))
    found = await incident(sessions, late)
    assert (found.status, found.snooze_state) == ("open", "opened") and found.routes


async def test_growth_made_of_snoozed_alerts_mails_no_one(sessions: async_sessionmaker[AsyncSession]) -> None:
    known = await report(sessions, webhook_incident(9, [dlp_alert("o1", "s3://staging-a", email=5)]))
    routed = len(await escalations(sessions, known))
    assert routed and (await incident(sessions, known)).status == "open"
    staging = await snooze(sessions, at=T0 + minutes(1), asset="s3://staging-*")

    # an open incident stays open, but alerts the snooze covers tell no one
    await update(sessions, known, grouped(9, [dlp_alert("o2", "s3://staging-b", at=T0 + minutes(2), email=5)]))
    found = await incident(sessions, known)
    assert found.status == "open" and found.alert_count == 2 and found.matched_snooze_id is None
    assert len(await escalations(sessions, known)) == routed
    assert await alert_marks(sessions, known) == {"o1": None, "o2": staging}

    # an alert it does not cover is told, with the growth since the last time
    await update(sessions, known, grouped(9, [dlp_alert("o3", "s3://prod", at=T0 + minutes(3), email=5)]))
    updates = [e for e in await escalations(sessions, known) if e["reason"] == "group_update"]
    assert updates and {e["group"]["new_alerts"] for e in updates} == {2}  # type: ignore[index]
