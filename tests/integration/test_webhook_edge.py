"""POST /v1/webhooks/{source} on PostgreSQL: authentication, replay window, errors, deduplication."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pidesk.services.intake.adapters.orm import OutboxMessage, Report
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.apps import intake_app
from tests.support.webhooks import as_bytes, fixture_bytes, github_headers, nightfall_headers, pidesk_headers
from tests.unit.factories import report_body

SECRET = "generic-test-secret-0123456789"
API_KEY = "generic-test-api-key-of-its-own"  # opt-in, and never the HMAC secret


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with intake_app(
        tmp_path,
        "hooks",
        max_body_bytes=50_000,
        webhook_secrets={"generic": SECRET},
        webhook_api_keys={"generic": API_KEY},
    ) as app:
        yield app


async def stored(url: str) -> tuple[list[Report], list[OutboxMessage]]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        reports = list((await session.scalars(select(Report))).all())
        outbox = list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())
    await engine.dispose()
    return reports, outbox


VENDOR_SECRETS = {"github": "gh-secret", "nightfall": "nf-secret"}


@pytest.fixture
async def vendor_intake(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with intake_app(tmp_path, "vhooks", webhook_secrets=VENDOR_SECRETS) as app:
        yield app


def alert(**overrides: object) -> bytes:
    return as_bytes({**report_body(), "source_alert_id": "scanner-42", **overrides})


async def test_a_signed_alert_makes_one_incident_and_a_changed_repeat_updates_it(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    body = alert()
    first = await client.post("/v1/webhooks/generic", content=body, headers=pidesk_headers(SECRET, body))
    assert first.status_code == 202, first.text
    again = await client.post("/v1/webhooks/generic", content=body, headers=pidesk_headers(SECRET, body))
    assert again.status_code == 200 and again.json() == first.json()
    more = alert(affected_count=40, data_categories=["name", "credit_card", "email"])
    grown = await client.post("/v1/webhooks/generic", content=more, headers=pidesk_headers(SECRET, more))
    assert grown.status_code == 200 and grown.json()["incident_id"] == first.json()["incident_id"]

    reports, outbox = await stored(url)
    assert len(reports) == 1 and reports[0].source == "generic" and reports[0].source_alert_id == "scanner-42"
    assert reports[0].affected_count == 40 and reports[0].data_categories == ["name", "credit_card", "email"]
    assert [row.topic for row in outbox] == [topics.INCIDENT_REPORTED, topics.INCIDENT_UPDATED]
    update = json.loads(outbox[1].value)
    assert update["incident_id"] == first.json()["incident_id"]
    assert update["payload"]["changes"] == {"affected_count": 40, "data_categories": ["name", "credit_card", "email"]}


async def test_the_api_key_header_also_authenticates(intake) -> None:  # type: ignore[no-untyped-def]
    client, _url = intake
    response = await client.post(
        "/v1/webhooks/generic",
        content=alert(),
        headers={"X-Pidesk-Api-Key": API_KEY, "content-type": "application/json"},
    )
    assert response.status_code == 202


def _stale() -> int:
    return int(time.time()) - 301


@pytest.mark.parametrize(
    ("path", "headers_for", "status", "code"),
    [
        ("/v1/webhooks/generic", lambda b: pidesk_headers("wrong-secret", b), 401, "invalid_signature"),
        ("/v1/webhooks/generic", lambda b: pidesk_headers(SECRET, b, _stale()), 401, "stale_timestamp"),
        ("/v1/webhooks/generic", lambda b: pidesk_headers(SECRET, b, int(time.time()) + 400), 401, "stale_timestamp"),
        ("/v1/webhooks/generic", lambda b: {"content-type": "application/json"}, 401, "invalid_signature"),
        (
            "/v1/webhooks/generic",
            lambda b: {"X-Pidesk-Api-Key": "nope", "content-type": "application/json"},
            401,
            "invalid_api_key",
        ),
        ("/v1/webhooks/no-such-tool", lambda b: pidesk_headers(SECRET, b), 404, "unknown_source"),
        ("/v1/webhooks/code42", lambda b: pidesk_headers(SECRET, b), 401, "source_not_configured"),
        (
            "/v1/webhooks/generic",
            lambda b: {**pidesk_headers(SECRET, b), "content-type": "text/plain"},
            415,
            "unsupported_media_type",
        ),
    ],
)
async def test_refusals_store_and_publish_nothing(intake, path, headers_for, status, code) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    body = alert()
    response = await client.post(path, content=body, headers=headers_for(body))
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert await stored(url) == ([], [])


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"reporter": ', 400, "malformed_json"),
        (as_bytes({"hello": "world"}), 422, "unreadable_payload"),
        (alert(description="x" * 60_000), 413, "payload_too_large"),
    ],
)
async def test_bad_bodies_store_and_publish_nothing(intake, body: bytes, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    response = await client.post("/v1/webhooks/generic", content=body, headers=pidesk_headers(SECRET, body))
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert await stored(url) == ([], [])


@pytest.mark.parametrize(
    ("source", "headers_for", "code"),
    [
        ("github", lambda b: github_headers("wrong", b), "invalid_signature"),
        (
            "github",
            lambda b: {"X-GitHub-Event": "secret_scanning_alert", "content-type": "application/json"},
            "invalid_signature",
        ),
        ("nightfall", lambda b: nightfall_headers("wrong", b), "invalid_signature"),
        (
            "nightfall",
            lambda b: nightfall_headers(VENDOR_SECRETS["nightfall"], b, int(time.time()) - 600),
            "stale_timestamp",
        ),
        (
            "nightfall",
            lambda b: {"X-Nightfall-Signature": "00", "content-type": "application/json"},
            "missing_timestamp",
        ),
    ],
)
async def test_vendor_signature_schemes_refuse_forgeries(vendor_intake, source, headers_for, code) -> None:  # type: ignore[no-untyped-def]
    client, url = vendor_intake
    body = fixture_bytes(source, "secret_scanning_alert_created.json" if source == "github" else "findings_inline.json")
    response = await client.post(f"/v1/webhooks/{source}", content=body, headers=headers_for(body))
    assert (response.status_code, response.json()["error"]["code"]) == (401, code)
    assert await stored(url) == ([], [])


async def test_a_signature_over_another_body_is_refused(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    headers = pidesk_headers(SECRET, alert())
    tampered = alert(affected_count=1)
    assert (await client.post("/v1/webhooks/generic", content=tampered, headers=headers)).status_code == 401
    assert await stored(url) == ([], [])
