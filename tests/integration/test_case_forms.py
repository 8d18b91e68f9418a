"""Issue 17's intake side on PostgreSQL: the government-request and complaint forms (JA/EN, CSRF, a field
to correct shown again) and API, each case numbered, its words sealed and announced in one transaction."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pidesk.services.intake.adapters.orm import OutboxMessage, ReceivedCase
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.apps import intake_app

SUBMITTER = {
    "name": "佐藤 花子",
    "email": "hanako@example.co.jp",
    "division": "営業本部",
    "company": "Example Holdings",
}


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with intake_app(tmp_path, "caseforms") as running:
        yield running


async def stored(url: str) -> tuple[list[ReceivedCase], list[OutboxMessage]]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        cases = list(await session.scalars(select(ReceivedCase).order_by(ReceivedCase.reference)))
        events = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    await engine.dispose()
    return cases, events


async def post_form(client: httpx.AsyncClient, path: str, fields: dict[str, Any], lang: str = "ja") -> httpx.Response:
    page = await client.get(f"{path}?lang={lang}")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    return await client.post(path, data={"csrf_token": token.group(1), "lang": lang, **fields})


async def test_the_forms_speak_both_languages_and_refuse_a_forged_post(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    ja = await client.get("/government-request?lang=ja")
    en = await client.get("/government-request?lang=en")
    assert "政府・捜査機関" in ja.text and "令状" in ja.text
    assert "law-enforcement request" in en.text and "court order" in en.text
    complaint = await client.get("/complaint", headers={"Accept-Language": "en"})
    assert "data-subject request under the GDPR" in complaint.text
    forged = await client.post("/complaint", data={"csrf_token": "forged", "summary": "x"})
    assert forged.status_code == 403
    assert await stored(url) == ([], [])


async def test_a_request_by_form_is_numbered_sealed_and_announced(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    fields = {
        **SUBMITTER,
        "company_country": "jp",
        "authority": "警視庁",
        "authority_country": "jp",
        "instrument": "statutory_request",
        "received_at": "2026-11-30T09:30",
        "people": "田中 太郎\n山田 花子\n",
        "assets": "s3:crm-prod, github:example/crm",
        "subject_regions": "JP, eu",
        "data_categories": ["name", "phone"],
        "confidential": "1",
        "summary": "捜査関係事項照会書による照会",
    }
    missing = await post_form(client, "/government-request", {**fields, "authority": "", "received_at": "tomorrow"})
    assert missing.status_code == 422
    assert 'id="authority-error"' in missing.text and 'id="received_at-error"' in missing.text
    assert "捜査関係事項照会書による照会" in missing.text  # what was typed stays
    answered = await post_form(client, "/government-request", fields)
    assert answered.status_code == 200, answered.text
    reference = re.search(r'id="reference">([^<]+)<', answered.text)
    assert reference and reference.group(1).startswith("GR-")
    cases, events = await stored(url)
    assert [c.reference for c in cases] == [reference.group(1)] and cases[0].confidential
    assert set(cases[0].sealed) == {"summary", "people"}
    assert "田中" not in json.dumps(cases[0].sealed, ensure_ascii=False)
    [event] = events
    assert event.topic == topics.GOVERNMENT_REQUEST_RECEIVED
    payload = json.loads(event.value)["payload"]
    assert (payload["authority_country"], payload["instrument"], payload["people_count"]) == (
        "JP",
        "statutory_request",
        2,
    )
    assert payload["subject_regions"] == ["JP", "EU"] and payload["assets"] == ["s3:crm-prod", "github:example/crm"]
    received = datetime.fromisoformat(payload["received_at"])
    assert received == datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # 09:30 Japan time
    assert "田中" not in event.value and "照会書" not in event.value


async def test_a_complaint_by_form_and_by_api(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    fields = {
        **SUBMITTER,
        "company_country": "JP",
        "complainant_kind": "authority",
        "request_kind": "general",
        "received_at": "2026-11-30T10:00",
        "summary": "取扱いについての指摘",
    }
    unnamed = await post_form(client, "/complaint", fields, lang="en")
    assert unnamed.status_code == 422 and 'id="authority-error"' in unnamed.text
    answered = await post_form(client, "/complaint", {**fields, "authority": "個人情報保護委員会"}, lang="en")
    assert answered.status_code == 200 and "PC-" in answered.text
    api = await client.post(
        "/v1/complaints",
        json={
            "submitted_by": {
                **{k: v for k, v in SUBMITTER.items() if k != "company"},
                "entity": "Example Holdings",
                "entity_country": "JP",
            },
            "complainant_kind": "individual",
            "complainant_name": "鈴木 一郎",
            "request_kind": "appi_disclosure_request",
            "received_at": "2026-11-30T01:00:00Z",
            "summary": "保有個人データの開示を求める",
        },
    )
    assert api.status_code == 202, api.text
    assert api.json()["reference"].endswith("-000002")
    refused = await client.post("/v1/complaints", json={"complainant_kind": "individual", "summary": "x" * 20_001})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "validation_error"
    locs = {tuple(d["loc"]) for d in refused.json()["error"]["details"]}
    assert ("summary",) in locs and ("submitted_by",) in locs
    assert "x" * 100 not in refused.text  # never the rejected input
    cases, events = await stored(url)
    assert len(cases) == 2 and [e.topic for e in events] == [topics.COMPLAINT_RECEIVED] * 2
    assert all("鈴木" not in e.value and "開示を求める" not in e.value for e in events)
