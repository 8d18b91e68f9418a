"""Escalation's assessment on PostgreSQL: every assessment kept, what changed recorded, done stays done."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import AssessmentRecord, Incident, OutboxMessage
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_incident_update, record_reported_incident
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import IncidentReported, IncidentUpdated, ReporterRef
from tests.support.infra import fresh_postgres_database

AWARE = datetime(2026, 11, 20, 1, 15, tzinfo=UTC)
RULES = RoutingRules(load_policy(), load_directory())


def reported() -> IncidentReported:
    return IncidentReported(
        reference="PI-2026-000777",
        source="api",
        reporter=ReporterRef(name="A", email="a@example.co.jp", division="Sales", entity="HQ", entity_country="JP"),
        incident_kind="misdelivery",
        aware_at=AWARE,
        received_at=AWARE,
        data_categories=["name"],
        affected_count=10,
        subject_regions={"JP": 10},
    )


def update(**changes: object) -> IncidentUpdated:
    return IncidentUpdated(
        reference="PI-2026-000777",
        source="api",
        reason="facts_added",
        changes=changes,
        updated_at=datetime.now(UTC),
        updated_by="desk:alice",
    )


async def test_reassessment_history_and_obligation_states() -> None:
    incident_id = uuid.uuid4()
    async with fresh_postgres_database("reassess") as url:
        await runner.upgrade(url, "escalation")
        engine = create_engine(url)
        sessions = session_factory(engine)

        async with sessions() as session, session.begin():
            assert await record_reported_incident(
                IncidentRepository(session), RULES, incident_id=incident_id, event=reported()
            )
        async with sessions() as session, session.begin():
            incident = await session.get(Incident, incident_id)
            assert incident is not None and incident.risk_level == "medium"
            assert {o.code for o in incident.obligations} == {
                "internal.report_to_desk",
                "internal.recurrence_prevention",
                "pmark.final_report",  # an entity in Japan holds the Privacy Mark until the directory says not
            }
            next(o for o in incident.obligations if o.code == "internal.report_to_desk").status = "done"

        async with sessions() as session, session.begin():  # more people than APPI's threshold
            await record_incident_update(
                IncidentRepository(session),
                RULES,
                incident_id=incident_id,
                event=update(affected_count=1500, subject_regions={"JP": 1500}),
            )
        async with sessions() as session, session.begin():  # then: recovered before anyone saw it
            await record_incident_update(
                IncidentRepository(session), RULES, incident_id=incident_id, event=update(recovered_before_access=True)
            )

        async with sessions() as session:
            incident = await session.get(Incident, incident_id)
            history = (await session.scalars(select(AssessmentRecord).order_by(AssessmentRecord.version))).all()
            events = [json.loads(r.value) for r in (await session.scalars(select(OutboxMessage))).all()]
        await engine.dispose()

    assert [h.version for h in history] == [1, 2, 3]
    assert [h.risk_level for h in history] == ["medium", "high", "low"]
    assert history[1].changes["risk_level"] == {"from": "medium", "to": "high"}
    assert history[1].changes["legal_triggers_added"] == ["appi.over_1000", "pmark.preliminary"]
    assert set(history[1].changes["obligations_added"]) == {
        "appi.ppc_preliminary_report",
        "appi.ppc_final_report",
        "appi.notify_individuals",
        "pmark.preliminary_report",
    }
    # the Privacy Mark report ignores "recovered before access" (docs/rules.md §2b): only APPI's are withdrawn
    assert set(history[2].changes["obligations_withdrawn"]) == set(history[1].changes["obligations_added"]) - {
        "pmark.preliminary_report"
    }
    states = {o.code: o.status for o in incident.obligations}
    assert states["internal.report_to_desk"] == "done", "done stays done through re-assessments"
    assert states["appi.ppc_preliminary_report"] == "withdrawn"
    assert [e["payload"]["version"] for e in events if e["event_type"] == "pidesk.incident.assessed"] == [1, 2, 3]
    kinds = [entry.kind for entry in sorted(incident.timeline, key=lambda entry: entry.id)]
    assert [k for k in kinds if k != "notified"] == [
        "reported",
        "assessed",
        "updated",
        "assessed",
        "updated",
        "assessed",
    ]
    # medium: the desk, the division manager and the promotion bureau; high adds the PI administrator
    assert [(r.target, r.reason) for r in incident.routes] == [
        ("security_contact_desk", "routed"),
        ("division_manager", "routed"),
        ("promotion_bureau", "routed"),
        ("pi_administrator", "routed"),
    ]
    assert kinds.count("notified") == 4
    requested = [e["payload"]["target"] for e in events if e["event_type"] == "pidesk.escalation.requested"]
    assert requested == [r.target for r in incident.routes]
