"""The rules version on PostgreSQL: every stored assessment names the rules in force at the incident's
awareness time; a re-assessment of an old incident keeps them, and a change of version is recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import AssessmentRecord, Incident, OutboxMessage
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_incident_update, record_reported_incident
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import Envelope, IncidentAssessed, IncidentReported, IncidentUpdated, ReporterRef
from tests.support.infra import fresh_postgres_database

BEFORE_V2 = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)
AFTER_V2 = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)
RULES = RoutingRules(load_policy(), load_directory())


def reported() -> IncidentReported:
    return IncidentReported(
        reference="PI-2025-000901",
        source="api",
        reporter=ReporterRef(name="A", email="a@example.co.jp", division="Sales", entity="HQ", entity_country="JP"),
        incident_kind="misdelivery",
        aware_at=BEFORE_V2,
        received_at=BEFORE_V2,
        data_categories=["name", "credit_card"],
        affected_count=20,
        subject_regions={"JP": 10, "GB": 10},
    )


def update(**changes: object) -> IncidentUpdated:
    return IncidentUpdated(
        reference="PI-2025-000901",
        source="api",
        reason="facts_added",
        changes=changes,
        updated_at=datetime.now(UTC),
        updated_by="desk:alice",
    )


async def test_stored_assessments_keep_the_rules_in_force_at_t0() -> None:
    incident_id = uuid.uuid4()
    async with fresh_postgres_database("rulesversion") as url:
        await runner.upgrade(url, "escalation")
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            assert await record_reported_incident(
                IncidentRepository(session), RULES, incident_id=incident_id, event=reported()
            )
        async with sessions() as session, session.begin():  # a re-assessment today of a 2025 incident
            await record_incident_update(
                IncidentRepository(session), RULES, incident_id=incident_id, event=update(affected_count=30)
            )
        async with sessions() as session, session.begin():  # the desk corrects the awareness time
            await record_incident_update(
                IncidentRepository(session),
                RULES,
                incident_id=incident_id,
                event=update(aware_at=AFTER_V2.isoformat()),
            )
        async with sessions() as session:
            incident = await session.get(Incident, incident_id)
            history = (await session.scalars(select(AssessmentRecord).order_by(AssessmentRecord.version))).all()
            told = (
                await session.scalars(
                    select(OutboxMessage.value)
                    .where(OutboxMessage.topic == topics.INCIDENT_ASSESSED)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        await engine.dispose()

    # incident.assessed tells the other services which rules applied, too
    assessed = [IncidentAssessed.model_validate(Envelope.from_bytes(v.encode()).payload) for v in told]
    assert [a.rules_version for a in assessed] == ["rules-v1", "rules-v1", "rules-v2"]

    assert [h.summary["rules_version"] for h in history] == ["rules-v1", "rules-v1", "rules-v2"]
    assert history[0].summary["rules_label"] == "rules v1 (2022-04-01)"
    assert history[0].summary["explanation"][0].startswith("rules v1 (2022-04-01)")
    # v1 has no UK GDPR and no Privacy Mark: not applied to the old incident, even when re-assessed
    for old in history[:2]:
        assert not {o["code"] for o in old.obligations} & {"ukgdpr.ico_notification", "pmark.final_report"}
    assert "rules_version" not in history[1].changes
    assert history[2].changes["rules_version"] == {"from": "rules-v1", "to": "rules-v2"}
    assert {"ukgdpr.ico_notification", "pmark.final_report"} <= set(history[2].changes["obligations_added"])
    assert incident is not None and incident.assessment["rules_version"] == "rules-v2"
    timeline = [e.detail for e in incident.timeline if e.kind == "assessed"]
    assert [d["rules_version"] for d in sorted(timeline, key=lambda d: d["version"])] == [
        "rules-v1",
        "rules-v1",
        "rules-v2",
    ]
