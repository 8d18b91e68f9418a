"""One report end to end: intake API → Kafka → escalation stores it once → desk API shows it."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from pidesk.services.escalation.adapters.orm import Incident, ProcessedEvent, TimelineEntry
from pidesk.services.intake.adapters.orm import OutboxMessage
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.apps import service_stack
from tests.support.kafka import produce
from tests.support.services import ServiceProcess, pidesk_cli
from tests.unit.factories import report_body

FREE_TEXT = "FREE-TEXT-MARKER 山田様のカード番号を誤送信"


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[dict[str, object]]:
    async with service_stack(tmp_path, ("intake", "escalation")) as stack:
        yield stack


async def poll(client: httpx.AsyncClient, url: str, headers: dict[str, str], timeout: float = 30.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(url, headers=headers)
        if response.status_code != 404 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.2)


async def escalation_counts(url: str, incident_id: uuid.UUID, event_id: uuid.UUID) -> tuple[int, int, int]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        incidents = await session.scalar(select(func.count()).select_from(Incident).where(Incident.id == incident_id))
        timeline = await session.scalar(
            select(func.count()).select_from(TimelineEntry).where(TimelineEntry.incident_id == incident_id)
        )
        processed = await session.scalar(
            select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.event_id == event_id)
        )
    await engine.dispose()
    return int(incidents or 0), int(timeline or 0), int(processed or 0)


async def test_a_report_reaches_the_desk_exactly_once(system) -> None:  # type: ignore[no-untyped-def]
    intake: ServiceProcess = system["intake"]
    escalation: ServiceProcess = system["escalation"]
    token = pidesk_cli("token", "issue", "--role", "desk_operator", "--name", "e2e-operator", env=system["env"])
    auth = {"Authorization": f"Bearer {token}"}

    async with httpx.AsyncClient(timeout=10) as client:
        posted = await client.post(f"{intake.url}/v1/reports", json=report_body(description=FREE_TEXT))
        assert posted.status_code == 202
        incident_id = posted.json()["incident_id"]
        detail_url = f"{escalation.url}/v1/incidents/{incident_id}"

        shown = await poll(client, detail_url, auth)
        assert shown.status_code == 200, shown.text
        incident = shown.json()
        assert incident["reference"] == posted.json()["reference"]
        assert incident["status"] == "open"
        assert incident["report"]["source"] == "api"
        assert incident["report"]["incident_kind"] == "misdelivery"
        assert incident["report"]["data_categories"] == ["name", "credit_card"]
        assert incident["report"]["affected_count"] == 12
        assert incident["report"]["subject_regions"] == {"JP": 12}
        kinds = [e["kind"] for e in incident["timeline"]]
        assert kinds[:7] == ["reported", "assessed"] + ["notified"] * 5
        routed = [(r["target"], r["step"]) for r in incident["routes"] if r["reason"] == "routed"]
        assert routed == [
            ("security_contact_desk", 1),
            ("division_manager", 1),
            ("promotion_bureau", 1),
            ("pi_administrator", 1),
            ("officer_in_charge", 1),
        ]  # very high risk: all at step 1
        first = incident["routes"][0]
        assert first["acknowledged_at"] is None and first["ack_due_at"] is not None
        assessment = incident["assessment"]  # the contract's own example: misdelivery of names and cards
        assert assessment["risk_level"] == "very_high" and assessment["severity_score"] == 4.25
        assert assessment["enisa"] == {"dpc": 4, "ei": 1.0, "cb": 0.25}
        # and the Privacy Mark report of a Japanese entity (docs/rules.md §2b)
        assert assessment["legal_triggers"] == ["appi.financial_misuse", "pmark.incident", "pmark.preliminary"]
        obligations = {o["code"]: o for o in incident["obligations"]}
        assert obligations["appi.ppc_preliminary_report"]["due_at"] == "2026-11-25T01:15:00+00:00"
        assert obligations["appi.ppc_preliminary_report"]["status"] == "pending"
        assert obligations["appi.ppc_preliminary_report"]["basis"].startswith("APPI Art. 26(1)")
        assert FREE_TEXT not in shown.text

        assert (await client.get(detail_url)).status_code == 401
        assert (await client.get(detail_url, headers={"Authorization": "Bearer forged"})).status_code == 401
        missing = await client.get(f"{escalation.url}/v1/incidents/{uuid.uuid4()}", headers=auth)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"

        # deliver the very same event again, as a relay restarted before marking it would
        engine = create_engine(system["intake_db"])
        async with session_factory(engine)() as session:
            row = (await session.scalars(select(OutboxMessage))).one()
        await engine.dispose()
        assert row.published_at is not None
        await produce(topics.INCIDENT_REPORTED, row.value.encode(), key=row.message_key.encode())
        deadline = time.monotonic() + 20
        while (
            "pidesk_events_duplicate_total" not in (metrics := (await client.get(f"{escalation.url}/metrics")).text)
            or f'pidesk_events_duplicate_total{{topic="{topics.INCIDENT_REPORTED}"}} 1.0' not in metrics
        ):
            assert time.monotonic() < deadline, "the redelivered event was never seen"
            await asyncio.sleep(0.2)

    event_id = uuid.UUID(json.loads(row.value)["event_id"])
    incidents, timeline, processed = await escalation_counts(system["escalation_db"], uuid.UUID(incident_id), event_id)
    assert (incidents, processed) == (1, 1)
    assert timeline >= 7  # reported, assessed, five routes, and reminders of the overdue duties
    for service in (intake, escalation):
        assert FREE_TEXT not in service.log_text(), f"{service.service} logged the report's free text"
        assert "FREE-TEXT-MARKER" not in service.log_text()
