"""The desk API on PostgreSQL for the duties its actions date or open: `/close` with a pending CAC incident
summary (dated 30 days after the close), and `lgpd.anpd_communication` filed as partial (opens the ANPD
supplement, 20 Brazilian working days later, which a re-assessment keeps and the close waits for)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pidesk.services.escalation.adapters.orm import EscalationTimer
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.domain.workdays import working_days_after
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.services.escalation.service.timers import fire_next_timer
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.vocabulary import Role
from tests.integration.test_desk_api import RULES, SECRET, Desk, token
from tests.support.apps import escalation_app
from tests.unit.factories import reported_incident

ADMIN = token(Role.PI_ADMINISTRATOR)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with escalation_app(tmp_path, "closing", SECRET) as (client, url):
        yield Desk(client, url)


async def incident_at(desk: Desk, entity: str, country: str, **facts: Any) -> str:
    """An incident reported by `entity` in `country` (the directory's company there), recorded as reported."""
    incident_id, now = uuid.uuid4(), datetime.now(UTC) - timedelta(minutes=1)
    event = reported_incident(1, at=now, entity=entity, **facts)
    event = event.model_copy(update={"reporter": event.reporter.model_copy(update={"entity_country": country})})
    engine = create_engine(desk.url)
    async with session_factory(engine)() as session, session.begin():
        await record_reported_incident(IncidentRepository(session), RULES, incident_id=incident_id, event=event)
    await engine.dispose()
    return str(incident_id)


async def done(desk: Desk, incident_id: str, code: str, **body: Any) -> dict[str, Any]:
    response = await desk.client.post(
        f"/v1/incidents/{incident_id}/obligations/{code}/done", headers=ADMIN, **({"json": body} if body else {})
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def obligation(detail: dict[str, Any], code: str) -> dict[str, Any]:
    return next(o for o in detail["obligations"] if o["code"] == code)


async def test_the_close_dates_the_cac_summary_thirty_days_after_it(desk: Desk) -> None:
    incident_id = await incident_at(
        desk,
        "Example China",
        "CN",
        incident_kind="unauthorized_access",
        affected_count=1_000_000,
        subject_regions={"CN": 1_000_000},
    )
    close = f"/v1/incidents/{incident_id}/close"
    refused = await desk.client.post(close, headers=ADMIN)
    assert refused.status_code == 409
    pending = {d["code"] for d in refused.json()["error"]["details"]}
    assert "cn_cac.incident_report" in pending and "cn_cac.incident_summary" not in pending
    for code in pending:
        await done(desk, incident_id, code)
    closed = await desk.client.post(close, headers=ADMIN)
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["status"] == "closed"
    (entry,) = [e for e in body["timeline"] if e["kind"] == "closed"]
    summary = obligation(body, "cn_cac.incident_summary")
    assert summary["status"] == "pending"  # due after the close: the desk files it later
    assert datetime.fromisoformat(summary["due_at"]) == datetime.fromisoformat(entry["at"]) + timedelta(days=30)
    (rescheduled,) = entry["detail"]["obligations_rescheduled"]
    assert rescheduled["code"] == "cn_cac.incident_summary" and "CAC Measures Art. 8" in rescheduled["reason"]
    assert any("cn_cac.incident_summary:" in line for line in body["assessment"]["explanation"])
    filed = await done(desk, incident_id, "cn_cac.incident_summary")  # filed once written, after the close
    assert obligation(filed, "cn_cac.incident_summary")["status"] == "done"


async def summary_reminders(desk: Desk, incident_id: str) -> list[EscalationTimer]:
    engine = create_engine(desk.url)
    async with session_factory(engine)() as session:
        timers = await session.scalars(
            select(EscalationTimer).where(
                EscalationTimer.incident_id == uuid.UUID(incident_id),
                EscalationTimer.obligation_code == "cn_cac.incident_summary",
            )
        )
        found = list(timers.all())
    await engine.dispose()
    return found


async def test_the_summary_reminds_the_desk_after_the_close_not_before(desk: Desk) -> None:
    incident_id = await incident_at(
        desk, "Example China", "CN", affected_count=1_000_000, subject_regions={"CN": 1_000_000}
    )
    assert await summary_reminders(desk, incident_id) == []  # the placeholder is no deadline: no reminder
    refused = await desk.client.post(f"/v1/incidents/{incident_id}/close", headers=ADMIN)
    for detail in refused.json()["error"]["details"]:
        await done(desk, incident_id, detail["code"])
    closed = await desk.client.post(f"/v1/incidents/{incident_id}/close", headers=ADMIN)
    due = datetime.fromisoformat(obligation(closed.json(), "cn_cac.incident_summary")["due_at"])
    (reminder,) = [t for t in await summary_reminders(desk, incident_id) if t.fired_at is None]
    assert reminder.due_at == due - timedelta(hours=24)  # the policy's lead before the close's due time
    engine = create_engine(desk.url)
    sessions = session_factory(engine)
    fired = [t async for t in _fire_all(sessions, at=reminder.due_at)]
    await engine.dispose()
    outcomes = {t.obligation_code: t.outcome for t in fired}
    assert (outcomes.get("cn_cac.incident_summary") or "").startswith("reminded:"), outcomes


async def _fire_all(sessions: Any, *, at: datetime) -> AsyncIterator[EscalationTimer]:
    while (timer := await fire_next_timer(sessions, RULES, now=at)) is not None:
        yield timer


async def test_a_partial_anpd_communication_opens_the_supplement(desk: Desk) -> None:
    incident_id = await incident_at(desk, "Example Brasil", "BR", data_categories=["name", "credit_card"])
    other = await desk.client.post(
        f"/v1/incidents/{incident_id}/obligations/lgpd.notify_data_subjects/done", headers=ADMIN, json={"partial": True}
    )
    assert other.status_code == 422  # only the ANPD communication may be partial
    body = await done(desk, incident_id, "lgpd.anpd_communication", partial=True)
    communication = obligation(body, "lgpd.anpd_communication")
    supplement = obligation(body, "lgpd.anpd_supplement")
    filed_at = datetime.fromisoformat(communication["done_at"])
    assert supplement["status"] == "pending" and supplement["basis"].startswith("Res. CD/ANPD 15/2024")
    assert datetime.fromisoformat(supplement["due_at"]) == working_days_after(filed_at, 20)
    opened = [e for e in body["timeline"] if e["kind"] == "obligation_opened"]
    assert [e["detail"]["code"] for e in opened] == ["lgpd.anpd_supplement"]
    again = await done(desk, incident_id, "lgpd.anpd_communication", partial=True)
    assert len([e for e in again["timeline"] if e["kind"] == "obligation_opened"]) == 1  # opened once

    reassessed = await desk.client.post(
        f"/v1/incidents/{incident_id}/facts", headers=ADMIN, json={"affected_count": 20}
    )
    assert reassessed.status_code == 200, reassessed.text
    assert obligation(reassessed.json(), "lgpd.anpd_supplement")["status"] == "pending"  # not withdrawn
    refused = await desk.client.post(f"/v1/incidents/{incident_id}/close", headers=ADMIN)
    assert refused.status_code == 409
    assert "lgpd.anpd_supplement" in {d["code"] for d in refused.json()["error"]["details"]}


async def test_a_complete_anpd_communication_opens_no_supplement(desk: Desk) -> None:
    incident_id = await incident_at(desk, "Example Brasil", "BR", data_categories=["name", "credit_card"])
    body = await done(desk, incident_id, "lgpd.anpd_communication")
    assert "lgpd.anpd_supplement" not in {o["code"] for o in body["obligations"]}
