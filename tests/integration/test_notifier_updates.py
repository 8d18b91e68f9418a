"""The notifier and `incident.updated` on PostgreSQL: an update that changes no fact (alerts grouped, a
close, a merge) re-drafts nothing and never waits for its incident; one that changes facts still does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import distinct, event, func, select

from pidesk.migrations import runner
from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.entrypoints.kafka_handlers import kafka_batch_handlers, kafka_handlers
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import IncidentAssessed, IncidentReported, IncidentUpdated, ObligationRef, ReporterRef
from tests.support.infra import fresh_postgres_database, kafka_bootstrap


def update(**changes: object) -> IncidentUpdated:
    return IncidentUpdated(
        reference="PI-2026-000001",
        source="ms-purview",
        reason="alerts_grouped" if not changes else "vendor_update",
        changes=changes,
        updated_at=datetime.now(UTC),
        updated_by="webhook:ms-purview",
    )


async def test_an_update_without_changes_is_nothing_to_the_notifier(tmp_path: Path) -> None:
    async with fresh_postgres_database("notifier_upd") as url:
        await runner.upgrade(url, "notifier")
        settings = NotifierSettings(
            env="test", var_dir=tmp_path, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(), NOTIFIER_DATABASE_URL=url
        )
        handle = kafka_handlers(settings)[topics.INCIDENT_UPDATED]
        engine = create_engine(url)
        unknown = uuid.uuid4()
        try:
            async with session_factory(engine)() as session, session.begin():
                grouped = update()
                await handle(session, grouped.envelope(incident_id=unknown, producer="intake"), grouped)
            with pytest.raises(LookupError):  # new facts for an incident not here yet: retried
                async with session_factory(engine)() as session, session.begin():
                    changed = update(affected_count=1200)
                    await handle(session, changed.envelope(incident_id=unknown, producer="intake"), changed)
        finally:
            await engine.dispose()


async def test_a_batch_of_facts_and_assessments_looks_its_incidents_up_once(tmp_path: Path) -> None:
    async with fresh_postgres_database("notifier_batch") as url:
        await runner.upgrade(url, "notifier")
        settings = NotifierSettings(
            env="test", var_dir=tmp_path, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(), NOTIFIER_DATABASE_URL=url
        )
        batch_handlers = kafka_batch_handlers(settings)
        engine = create_engine(url)
        lookups: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "FROM incidents" in statement:
                lookups.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        incidents = [uuid.uuid4() for _ in range(4)]
        now = datetime.now(UTC)
        try:
            batches = [(topics.INCIDENT_REPORTED, reported(now)), (topics.INCIDENT_ASSESSED, assessed(now))]
            for topic, payload in batches:
                lookups.clear()
                events = [(payload.envelope(incident_id=i, producer="escalation"), payload) for i in incidents]
                async with session_factory(engine)() as session, session.begin():
                    await batch_handlers[topic](session, events)
                assert len(lookups) == 1, f"{topic}: {len(lookups)} look-ups for {len(incidents)} incidents"
            async with session_factory(engine)() as session:
                drafted = await session.scalar(
                    select(func.count(distinct(Notice.incident_id))).where(Notice.incident_id.in_(incidents))
                )
            assert drafted == len(incidents)  # every incident of the batch got its drafts
        finally:
            await engine.dispose()


def reported(now: datetime) -> IncidentReported:
    return IncidentReported(
        reference="PI-2026-000002",
        source="api",
        reporter=ReporterRef(
            name="A", email="a@example.co.jp", division="Sales", entity="Example Holdings", entity_country="JP"
        ),
        incident_kind="misdelivery",
        aware_at=now - timedelta(hours=2),
        received_at=now - timedelta(hours=1),
        data_categories=["name", "credit_card"],
        affected_count=3,
        subject_regions={"JP": 3},
    )


def assessed(now: datetime) -> IncidentAssessed:
    return IncidentAssessed(
        reference="PI-2026-000002",
        version=1,
        reason="reported",
        risk_level="very_high",
        severity_score=4.25,
        enisa={"dpc": 4, "ei": 1.0, "cb": 0.25},
        legal_triggers=["appi.financial_misuse"],
        obligations=[
            ObligationRef(
                code="appi.notify_individuals", due_at=now + timedelta(days=3), status="pending", basis="APPI"
            )
        ],
        assessed_at=now,
    )
