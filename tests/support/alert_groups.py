"""Webhook incidents with grouped DLP alerts, as intake's correlation sends them, for escalation tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import IncidentAlert, OutboxMessage
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import AlertRecord, IncidentReported, IncidentUpdated, ReporterRef
from tests.support.infra import fresh_postgres_database

AWARE = datetime(2026, 11, 20, 1, 15, tzinfo=UTC)


def dlp_alert(
    alert_id: str,
    asset: str | None,
    *,
    at: datetime = AWARE,
    categories: tuple[str, ...] = ("email",),
    count: int | None = None,
    source: str = "generic",
    **detections: int,
) -> AlertRecord:
    return AlertRecord(
        source=source,
        alert_id=alert_id,
        received_at=at,
        aware_at=at,
        rule="dlp-rule-7",
        asset=asset,
        actor="svc-backup",
        detections=detections,
        data_categories=list(categories),
        affected_count=count,
        vendor_state="open",
    )


def webhook_incident(
    n: int, alerts: list[AlertRecord], *, at: datetime = AWARE, follows: uuid.UUID | None = None, **facts: Any
) -> IncidentReported:
    """An incident intake opened for a group of alerts (facts as the first alert gave them)."""
    values: dict[str, Any] = {
        "incident_kind": "misdelivery",
        "data_categories": ["email"],
        "affected_count": 10,
        "subject_regions": {},
        **facts,
    }
    return IncidentReported(
        reference=f"PI-2026-{n:06d}",
        source="generic",
        source_alert_id=alerts[0].alert_id if alerts else None,
        reporter=ReporterRef(
            name="Generic DLP (automated alert)",
            email="dlp-alerts@example.com",
            division="Information Security",
            entity="Example Holdings (JP)",
            entity_country="JP",
        ),
        aware_at=at,
        received_at=at,
        alerts=alerts,
        follows_incident_id=follows,
        **values,
    )


def grouped(n: int, alerts: list[AlertRecord], *, at: datetime | None = None) -> IncidentUpdated:
    """intake's `alerts_grouped` update: alerts that joined the group since its last event."""
    return IncidentUpdated(
        reference=f"PI-2026-{n:06d}",
        source="generic",
        source_alert_id=alerts[-1].alert_id,
        reason="alerts_grouped",
        changes={},
        updated_at=at or max(a.received_at for a in alerts),
        updated_by="webhook:generic",
        alerts=alerts,
    )


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@asynccontextmanager
async def escalation_sessions(kind: str, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A fresh, migrated escalation database: PostgreSQL, or an SQLite file."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'escalation.db'}"
        await runner.upgrade(url, "escalation")
        engine = create_engine(url)
        yield session_factory(engine)
        await engine.dispose()
        return
    async with fresh_postgres_database("alerts") as url:
        await runner.upgrade(url, "escalation")
        engine = create_engine(url)
        yield session_factory(engine)
        await engine.dispose()


async def stored_alerts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, uuid.UUID]:
    """Every stored alert id and the incident that owns it; fails if one is stored twice."""
    async with sessions() as session:
        rows = (await session.execute(select(IncidentAlert.alert_id, IncidentAlert.incident_id))).all()
        total = await session.scalar(select(func.count()).select_from(IncidentAlert))
    owners = {alert_id: incident_id for alert_id, incident_id in rows}
    assert total == len(owners), "an alert is stored more than once"
    return owners


async def outbox_events(sessions: async_sessionmaker[AsyncSession], event_type: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        values = (await session.scalars(select(OutboxMessage.value).order_by(OutboxMessage.id))).all()
    return [e for e in map(json.loads, values) if e["event_type"] == event_type]
