"""Grouped DLP alerts on PostgreSQL and SQLite: each stored once, the count following the group, a
threshold crossed re-assessing with the reason on the timeline, and a closed group's successor linked."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.orm import AssessmentRecord, Incident, IncidentAlert, OutboxMessage
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.entrypoints.views import incident_detail
from pidesk.services.escalation.service.incidents import record_incident_update, record_reported_incident
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.shared import topics
from pidesk.shared.events import Envelope, IncidentAssessed, IncidentReported, IncidentUpdated
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
APPI_DUTIES = {"appi.ppc_preliminary_report", "appi.ppc_final_report", "appi.notify_individuals"}


@pytest.fixture(params=["postgresql", "sqlite"])
async def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with escalation_sessions(request.param, tmp_path) as made:
        yield made


async def report(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID, event: IncidentReported) -> None:
    async with sessions() as session, session.begin():
        assert await record_reported_incident(
            IncidentRepository(session), RULES, incident_id=incident_id, event=event, now=event.received_at
        )


async def update(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID, event: IncidentUpdated) -> None:
    async with sessions() as session, session.begin():
        assert await record_incident_update(
            IncidentRepository(session), RULES, incident_id=incident_id, event=event, now=event.updated_at
        )


async def state(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> tuple[Incident, list[str]]:
    """The incident and the reasons of its assessments, in order."""
    async with sessions() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        reasons = (
            await session.scalars(
                select(AssessmentRecord.reason)
                .where(AssessmentRecord.incident_id == incident_id)
                .order_by(AssessmentRecord.version)
            )
        ).all()
        return incident, list(reasons)


async def assessed_events(sessions: async_sessionmaker[AsyncSession], incident_id: uuid.UUID) -> list[IncidentAssessed]:
    """The incident's incident.assessed events in the outbox, in order."""
    async with sessions() as session:
        values = await session.scalars(
            select(OutboxMessage.value)
            .where(OutboxMessage.topic == topics.INCIDENT_ASSESSED, OutboxMessage.message_key == str(incident_id))
            .order_by(OutboxMessage.id)
        )
        return [IncidentAssessed.model_validate(Envelope.from_bytes(v.encode()).payload) for v in values]


async def test_alerts_are_stored_once_and_the_count_follows_the_group_across_appi_1000(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    incident_id = uuid.uuid4()
    first = dlp_alert("a1", "s3://bucket-a", email=400)
    await report(sessions, incident_id, webhook_incident(1, [first], affected_count=400))
    incident, reasons = await state(sessions, incident_id)
    assert (incident.alert_count, incident.facts["affected_count"], reasons) == (1, 400, ["reported"])

    # a second place joins (and the first alert comes again with it): 400 + 580
    second = grouped(1, [dlp_alert("a2", "s3://bucket-b", at=AWARE + minutes(1), email=580), first])
    await update(sessions, incident_id, second)
    # the same update delivered again (intake retried, with a new event id): nothing new
    await update(sessions, incident_id, second.model_copy(update={"updated_at": AWARE + minutes(2)}))
    incident, reasons = await state(sessions, incident_id)
    assert incident.alert_count == 2 and incident.facts["affected_count"] == 980
    assert reasons == ["reported", "alerts_grouped"]
    assert not {o.code for o in incident.obligations} & APPI_DUTIES, "980 people: not more than 1,000"

    # a third place: 1,240 people, more than APPI's 1,000
    third = dlp_alert("a3", "sharepoint:finance", at=AWARE + minutes(3), categories=("phone",), phone=260)
    await update(sessions, incident_id, grouped(1, [third]))
    incident, reasons = await state(sessions, incident_id)
    assert incident.facts["affected_count"] == 1240 and incident.facts["data_categories"] == ["email", "phone"]
    assert reasons == ["reported", "alerts_grouped", "alerts_grouped"]
    assert "appi.over_1000" in incident.assessment["legal_triggers"]
    assert {o.code for o in incident.obligations if o.status == "pending"} >= APPI_DUTIES
    notes = [e.detail for e in incident.timeline if e.kind == "alerts_grouped"]
    assert notes[-1]["summary"] == "1 alert grouped, 3 in all; count 980 -> 1,240; data added: phone"
    assessed = [e.detail for e in incident.timeline if e.kind == "assessed"][-1]
    assert set(assessed["changes"]["obligations_added"]) >= APPI_DUTIES
    # the notices are drafted from the group's facts: incident.assessed carries them to the notifier
    told = (await assessed_events(sessions, incident_id))[-1]
    assert told.facts == {
        "data_categories": ["email", "phone"],
        "affected_count": 1240,
        "subject_regions": {},  # the alerts name no region: none is made up
    }

    # a smaller count at a place already counted: stored and counted, the facts unchanged, no re-assessment
    await update(sessions, incident_id, grouped(1, [dlp_alert("a4", "sharepoint:finance", phone=100)]))
    incident, reasons = await state(sessions, incident_id)
    assert incident.alert_count == 4 and incident.facts["affected_count"] == 1240
    assert len(reasons) == 3
    assert incident_detail(incident)["alerts"] == {"count": 4, "last_alert_at": third.received_at.isoformat()}

    assert set(await stored_alerts(sessions)) == {"a1", "a2", "a3", "a4"}


async def test_an_alert_with_no_count_makes_the_group_unknown_and_my_number_over_100_counts(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    incident_id = uuid.uuid4()
    numbers = dlp_alert("m1", "fileserver:hr", categories=("my_number",), my_number=60)
    await report(sessions, incident_id, webhook_incident(2, [numbers], data_categories=["my_number"]))
    incident, _ = await state(sessions, incident_id)
    assert "mynumber.over_100" not in incident.assessment["legal_triggers"]
    await update(sessions, incident_id, grouped(2, [dlp_alert("m2", "fileserver:payroll", my_number=41)]))
    incident, _ = await state(sessions, incident_id)
    assert incident.facts["affected_count"] == 101
    assert "mynumber.over_100" in incident.assessment["legal_triggers"]
    await update(sessions, incident_id, grouped(2, [dlp_alert("m3", "laptop:42")]))  # says no count at all
    incident, _ = await state(sessions, incident_id)
    assert incident.facts["affected_count"] is None


async def test_a_closed_groups_successor_is_linked_both_ways(sessions: async_sessionmaker[AsyncSession]) -> None:
    closed, successor, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await report(sessions, closed, webhook_incident(3, [dlp_alert("c1", "repo:web", email=5)]))
    await report(sessions, successor, webhook_incident(4, [dlp_alert("c2", "repo:web", email=5)], follows=closed))
    await report(sessions, stranger, webhook_incident(5, [dlp_alert("c3", "repo:api", email=5)], follows=uuid.uuid4()))
    before, _ = await state(sessions, closed)
    after, _ = await state(sessions, successor)
    assert [e.detail for e in before.timeline if e.kind == "followed_by"] == [
        {"incident_id": str(successor), "reference": "PI-2026-000004"}
    ]
    assert [e.detail for e in after.timeline if e.kind == "follows"] == [
        {"incident_id": str(closed), "reference": "PI-2026-000003"}
    ]
    assert incident_detail(after)["follows_incident_id"] == str(closed)
    unknown, _ = await state(sessions, stranger)  # the previous one is not known here: only its own note
    assert [e.kind for e in unknown.timeline].count("follows") == 1


async def test_alerts_already_owned_stay_with_their_owner(sessions: async_sessionmaker[AsyncSession]) -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    shared = dlp_alert("s1", "bucket", email=7)
    await report(sessions, owner, webhook_incident(6, [shared]))
    await report(sessions, other, webhook_incident(7, [shared, dlp_alert("s2", "bucket-2", email=3)]))
    await update(sessions, other, grouped(7, [shared]))
    assert await stored_alerts(sessions) == {"s1": owner, "s2": other}
    incident, reasons = await state(sessions, other)
    assert incident.alert_count == 1 and incident.facts["affected_count"] == 3 and reasons == ["reported"]


async def test_a_vendor_update_of_its_own_alert_is_an_update_and_refreshes_the_stored_alert(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    incident_id = uuid.uuid4()
    first = dlp_alert("v1", "repo:x", email=5)
    await report(sessions, incident_id, webhook_incident(8, [first]))
    resolved = IncidentUpdated(
        reference="PI-2026-000008",
        source="generic",
        source_alert_id="v1",
        reason="vendor_update",
        changes={},
        vendor_state="resolved",
        updated_at=AWARE + minutes(5),
        updated_by="webhook:generic",
        alerts=[first.model_copy(update={"vendor_state": "resolved"})],
    )
    await update(sessions, incident_id, resolved)
    incident, reasons = await state(sessions, incident_id)
    kinds = [e.kind for e in incident.timeline]
    assert "updated" in kinds and "alerts_grouped" not in kinds and reasons == ["reported"]
    async with sessions() as session:
        assert await session.scalar(select(IncidentAlert.vendor_state)) == "resolved"
    # the vendor finds more records behind the same alert: the count follows
    more = first.model_copy(update={"detections": {"email": 1500}})
    await update(sessions, incident_id, resolved.model_copy(update={"alerts": [more], "vendor_state": None}))
    incident, reasons = await state(sessions, incident_id)
    assert incident.facts["affected_count"] == 1500 and reasons == ["reported", "vendor_update"]
    note = [e.detail for e in incident.timeline if e.kind == "alerts_grouped"][-1]
    assert note["summary"] == "1 alert updated by the vendor, 1 in all; count 5 -> 1,500"


async def test_quiet_growth_folds_into_one_timeline_note_per_five_minutes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A storm's batches that change no fact add one note per FOLD_WINDOW, not one per batch; a batch that
    changes a fact gets its own note, and the next quiet batches a new one."""
    incident_id = uuid.uuid4()
    await report(sessions, incident_id, webhook_incident(7, [dlp_alert("q0", "site:q", email=50)], affected_count=50))
    for n in range(1, 4):  # three quiet batches, a minute apart: the same place, smaller counts
        alerts = [dlp_alert(f"q{n}-{i}", "site:q", at=AWARE + minutes(n), email=10) for i in range(3)]
        await update(sessions, incident_id, grouped(7, alerts))
    incident, _ = await state(sessions, incident_id)
    kinds = [e.kind for e in incident.timeline if e.kind in ("alerts_grouped", "group_update")]
    # the first growth is told at once (a group update on the timeline); the next batches fold into one note
    assert kinds == ["alerts_grouped", "group_update", "alerts_grouped"]
    notes = [e.detail for e in incident.timeline if e.kind == "alerts_grouped"]
    assert [(n["new_alerts"], n.get("batches", 1)) for n in notes] == [(3, 1), (6, 2)]
    assert notes[1]["summary"].startswith("6 alerts grouped, 10 in all (2 batches since ")

    bigger = dlp_alert("q-big", "site:q", at=AWARE + minutes(4), email=400)  # changes the count: its own note
    await update(sessions, incident_id, grouped(7, [bigger]))
    later = dlp_alert("q-late", "site:q", at=AWARE + minutes(5), email=10)  # quiet again: a new note
    await update(sessions, incident_id, grouped(7, [later]))
    much_later = dlp_alert("q-later", "site:q", at=AWARE + minutes(11), email=10)  # past the window: a new note
    await update(sessions, incident_id, grouped(7, [much_later]))
    incident, _ = await state(sessions, incident_id)
    notes = [e.detail for e in incident.timeline if e.kind == "alerts_grouped"]
    assert [(n["new_alerts"], n.get("batches", 1), bool(n["changes"])) for n in notes] == [
        (3, 1, False),
        (6, 2, False),
        (1, 1, True),
        (1, 1, False),
        (1, 1, False),
    ]
