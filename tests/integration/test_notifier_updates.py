"""The notifier and `incident.updated` on PostgreSQL: an update that changes no fact (alerts grouped, a
close, a merge) re-drafts nothing and never waits for its incident; one that changes facts still does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pidesk.migrations import runner
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.entrypoints.kafka_handlers import kafka_handlers
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import IncidentUpdated
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
