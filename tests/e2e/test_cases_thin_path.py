"""Issue 17 end to end on the real broker and PostgreSQL: a government request and a privacy complaint
from intake's API → Kafka → escalation records and routes them → the desk API shows them, each stored
once even when its event is delivered again; the free text never leaves intake and is never logged,
and a confidential request appears on no public page and in no log."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from pidesk.services.escalation.adapters.orm import GovernmentRequestRecord, PrivacyComplaintRecord, ProcessedEvent
from pidesk.services.intake.adapters.orm import OutboxMessage, ReceivedCase
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.apps import service_stack
from tests.support.kafka import produce
from tests.support.services import ServiceProcess, pidesk_cli

WORDS = "CASE-WORDS-MARKER 田中様の通信記録の提出を求める"
PERSON = "PERSON-MARKER Tanaka Taro"
SECRET_AUTHORITY = "GAG-MARKER Agency of Examples"
SUBMITTER = {
    "name": "Sato Hanako",
    "email": "sato@example.co.jp",
    "division": "Sales",
    "entity": "Head office",
    "entity_country": "JP",
}


def request_body(**fields: Any) -> dict[str, Any]:
    return {
        "submitted_by": SUBMITTER,
        "authority": "Federal Bureau of Examples",
        "authority_country": "US",
        "instrument": "court_order",
        "authority_reference": "FILE-123",
        "received_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "deadline_at": (datetime.now(UTC) + timedelta(days=14)).isoformat(),
        "data_categories": ["email", "communications_content"],
        "subject_regions": ["EU", "JP"],
        "people": [PERSON, "Yamada Hanako"],
        "assets": ["s3:crm-prod"],
        "summary": WORDS,
        **fields,
    }


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    async with service_stack(tmp_path, ("intake", "escalation")) as stack:
        yield stack


async def shown(client: httpx.AsyncClient, url: str, headers: dict[str, str], timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(url, headers=headers)
        if response.status_code != 404 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body
        await asyncio.sleep(0.2)


async def count(url: str, model: Any, case_id: str) -> int:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        found = await session.scalar(select(func.count()).select_from(model).where(model.id == uuid.UUID(case_id)))
    await engine.dispose()
    return int(found or 0)


async def test_a_request_and_a_complaint_reach_the_desk_once_and_their_words_stay_in_intake(system) -> None:  # type: ignore[no-untyped-def]
    intake: ServiceProcess = system["intake"]
    escalation: ServiceProcess = system["escalation"]
    env = system["env"]
    operator = {
        "Authorization": "Bearer " + pidesk_cli("token", "issue", "--role", "desk_operator", "--name", "op", env=env)
    }
    officer = {"Authorization": "Bearer " + pidesk_cli("token", "issue", "--role", "officer", "--name", "cho", env=env)}

    async with httpx.AsyncClient(timeout=10) as client:
        posted = await client.post(f"{intake.url}/v1/government-requests", json=request_body())
        assert posted.status_code == 202, posted.text
        request_id, reference = posted.json()["case_id"], posted.json()["reference"]
        assert reference.startswith("GR-") and WORDS not in posted.text
        request = await shown(client, f"{escalation.url}/v1/government-requests/{request_id}", operator)
        assert (request["reference"], request["status"], request["instrument"]) == (reference, "open", "court_order")
        assert (request["authority"], request["authority_country"], request["people_count"]) == (
            "Federal Bureau of Examples",
            "US",
            2,
        )
        assert [c["code"] for c in request["conflicts_of_law"]] == ["gdpr_art48"]
        assert [(r["step"], r["target"]) for r in request["routes"]] == [(1, "division_manager")]
        assert WORDS not in str(request) and PERSON not in str(request) and "FILE-123" not in str(request)

        complaint_body = {
            "submitted_by": {**SUBMITTER, "division": "Customer Support"},
            "complainant_kind": "individual",
            "complainant_name": PERSON,
            "complainant_contact": "tanaka@example.net",
            "request_kind": "gdpr_data_subject_request",
            "received_at": "2026-11-30T02:00:00Z",
            "data_categories": ["email"],
            "subject_regions": ["DE"],
            "alleges_leak": True,
            "summary": WORDS,
        }
        posted = await client.post(f"{intake.url}/v1/complaints", json=complaint_body)
        assert posted.status_code == 202, posted.text
        complaint_id = posted.json()["case_id"]
        assert posted.json()["reference"].startswith("PC-")
        complaint = await shown(client, f"{escalation.url}/v1/complaints/{complaint_id}", operator)
        assert complaint["clock"]["due_at"] == "2026-12-30T02:00:00+00:00"
        assert complaint["clock"]["extended_due_at"] == "2027-02-28T02:00:00+00:00"
        assert sorted(r["target"] for r in complaint["routes"]) == ["promotion_bureau", "security_contact_desk"]
        assert PERSON not in str(complaint) and "tanaka@example.net" not in str(complaint)

        # a request whose division manager let the deadline pass (4 h): escalation tells the PI administrator
        late = (datetime.now(UTC) - timedelta(hours=5)).isoformat()
        posted = await client.post(f"{intake.url}/v1/government-requests", json=request_body(received_at=late))
        late_id = posted.json()["case_id"]
        late_url = f"{escalation.url}/v1/government-requests/{late_id}"
        deadline = time.monotonic() + 30
        while True:
            routes = [(r["step"], r["target"], r["reason"]) for r in (await shown(client, late_url, officer))["routes"]]
            if len(routes) > 1 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        assert routes == [(1, "division_manager", "routed"), (2, "pi_administrator", "escalated")]

        # a confidential request: seen by the officer, by no public page, in no log
        posted = await client.post(
            f"{intake.url}/v1/government-requests",
            json=request_body(authority=SECRET_AUTHORITY, confidential=True, authority_country="JP"),
        )
        assert posted.status_code == 202
        hidden_id, hidden_reference = posted.json()["case_id"], posted.json()["reference"]
        hidden = await shown(client, f"{escalation.url}/v1/government-requests/{hidden_id}", officer)
        assert hidden["confidential"] and hidden["authority"] == SECRET_AUTHORITY
        assert (
            await client.get(f"{escalation.url}/v1/government-requests/{hidden_id}", headers=operator)
        ).status_code == 404
        listed = (await client.get(f"{escalation.url}/v1/government-requests", headers=operator)).json()
        assert [i["id"] for i in listed["items"]] == [request_id, late_id]  # newest first, the hidden one absent
        for page in (f"{intake.url}/report", f"{intake.url}/v1/reports/{hidden_id}", f"{escalation.url}/desk/login"):
            text = (await client.get(page)).text
            assert SECRET_AUTHORITY not in text and hidden_reference not in text

        # the same event again, as a relay restarted before marking it would: stored once
        engine = create_engine(system["intake_db"])
        async with session_factory(engine)() as session:
            rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
            sealed = list(await session.scalars(select(ReceivedCase)))
        await engine.dispose()
        assert [r.topic for r in rows] == [
            topics.GOVERNMENT_REQUEST_RECEIVED,
            topics.COMPLAINT_RECEIVED,
            topics.GOVERNMENT_REQUEST_RECEIVED,
            topics.GOVERNMENT_REQUEST_RECEIVED,
        ]
        assert all(WORDS not in r.value and PERSON not in r.value and "FILE-123" not in r.value for r in rows)
        assert all(WORDS not in str(c.sealed) and PERSON not in str(c.sealed) for c in sealed)
        assert {frozenset(c.sealed) for c in sealed} >= {frozenset({"summary", "people", "authority_reference"})}
        await produce(topics.GOVERNMENT_REQUEST_RECEIVED, rows[0].value.encode(), key=rows[0].message_key.encode())
        deadline = time.monotonic() + 20
        wanted = f'pidesk_events_duplicate_total{{topic="{topics.GOVERNMENT_REQUEST_RECEIVED}"}} 1.0'
        while wanted not in (await client.get(f"{escalation.url}/metrics")).text:
            assert time.monotonic() < deadline, "the redelivered event was never seen"
            await asyncio.sleep(0.2)

    assert await count(system["escalation_db"], GovernmentRequestRecord, request_id) == 1
    assert await count(system["escalation_db"], PrivacyComplaintRecord, complaint_id) == 1
    engine = create_engine(system["escalation_db"])
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedEvent)) == 4
    await engine.dispose()
    for service in (intake, escalation):
        log = service.log_text()
        for marker in ("CASE-WORDS-MARKER", "PERSON-MARKER", "GAG-MARKER", "FILE-123", hidden_reference):
            assert marker not in log, f"{service.service} logged {marker}"
