"""POST /v1/reports on PostgreSQL: the report and its outbox row in one transaction, and the edge's errors."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from pidesk.services.intake.adapters.orm import OutboxMessage, Report
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.apps import intake_app
from tests.unit.factories import report_body

SECRET_TEXT = "CARD-4111-1111-1111-1111 of Mr Yamada"


@pytest.fixture
def reports_per_minute() -> int:
    return 600


@pytest.fixture
async def intake(tmp_path: Path, reports_per_minute: int) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with intake_app(tmp_path, "intake", max_body_bytes=20_000, reports_per_minute=reports_per_minute) as app:
        yield app


async def counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        reports = await session.scalar(select(func.count()).select_from(Report))
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
    await engine.dispose()
    return int(reports or 0), int(outbox or 0)


async def test_a_report_is_stored_encrypted_and_announced_through_the_outbox(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    response = await client.post("/v1/reports", json=report_body(description=SECRET_TEXT))
    assert response.status_code == 202
    body = response.json()
    assert re.fullmatch(r"PI-\d{4}-\d{6}", body["reference"])
    assert body["status_url"].endswith(f"/v1/reports/{body['incident_id']}")

    engine = create_engine(url)
    async with session_factory(engine)() as session:
        report = (await session.scalars(select(Report))).one()
        row = (await session.scalars(select(OutboxMessage))).one()
    await engine.dispose()
    assert str(report.id) == body["incident_id"]
    assert SECRET_TEXT not in report.description_encrypted and report.description_encrypted.startswith("v1.")
    assert row.topic == topics.INCIDENT_REPORTED and row.message_key == body["incident_id"]
    event = json.loads(row.value)
    assert event["incident_id"] == body["incident_id"] and event["payload"]["reference"] == body["reference"]
    assert SECRET_TEXT not in row.value and "title" not in event["payload"]

    status = await client.get(body["status_url"].split("intake", 1)[-1].split("8001", 1)[-1])
    assert status.status_code == 200 and status.json()["reference"] == body["reference"]


async def test_references_are_unique_and_sequential_under_concurrency(intake) -> None:  # type: ignore[no-untyped-def]
    client, _url = intake
    responses = await asyncio.gather(*(client.post("/v1/reports", json=report_body()) for _ in range(20)))
    assert {r.status_code for r in responses} == {202}
    numbers = sorted(int(r.json()["reference"][-6:]) for r in responses)
    assert numbers == list(range(1, 21))


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "malformed_json"),
        (
            {"content": b"reporter=x", "headers": {"content-type": "application/x-www-form-urlencoded"}},
            415,
            "unsupported_media_type",
        ),
        ({"json": report_body(incident_kind="volcano", description=SECRET_TEXT)}, 422, "validation_error"),
        ({"json": report_body(description="x" * 30_000)}, 413, "payload_too_large"),
    ],
)
async def test_bad_input_gets_the_contract_error_and_stores_nothing(intake, kwargs, status, code) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    response = await client.post("/v1/reports", **kwargs)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and isinstance(error["message"], str) and isinstance(error["details"], list)
    assert SECRET_TEXT not in response.text, "errors never echo the report's free text"
    assert await counts(url) == (0, 0)


async def test_validation_details_name_the_field(intake) -> None:  # type: ignore[no-untyped-def]
    client, _url = intake
    response = await client.post("/v1/reports", json=report_body(aware_at="yesterday"))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == ["aware_at"]


async def test_unknown_route_and_metrics(intake) -> None:  # type: ignore[no-untyped-def]
    client, _url = intake
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    await client.post("/v1/reports", json=report_body())
    metrics = (await client.get("/metrics")).text
    assert 'pidesk_http_requests_total{method="POST",route="/v1/reports",status="202"} 1.0' in metrics


async def test_a_streamed_body_without_length_is_cut_off_at_the_limit(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake

    async def chunks():  # type: ignore[no-untyped-def]
        yield json.dumps(report_body())[:-1].encode()
        for _ in range(40):
            yield b" " * 1000  # whitespace: valid JSON padding, but past the 20 kB limit

    response = await client.post("/v1/reports", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert await counts(url) == (0, 0)


async def test_the_same_idempotency_key_and_body_give_the_same_incident(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    key = {"Idempotency-Key": "form-retry-7f3a"}
    first = await client.post("/v1/reports", json=report_body(), headers=key)
    # the same report again, keys in another order: still the same body
    again = await client.post(
        "/v1/reports",
        content=json.dumps(dict(reversed(report_body().items()))),
        headers={**key, "content-type": "application/json"},
    )
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == first.json()
    assert await counts(url) == (1, 1), "one incident, announced once"


async def test_the_same_idempotency_key_with_another_body_is_a_conflict(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    key = {"Idempotency-Key": "k-123"}
    assert (await client.post("/v1/reports", json=report_body(), headers=key)).status_code == 202
    clash = await client.post("/v1/reports", json=report_body(affected_count=13), headers=key)
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "idempotency_key_reused"
    assert await counts(url) == (1, 1)


async def test_concurrent_requests_with_one_key_make_one_incident(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    key = {"Idempotency-Key": "double-click"}
    responses = await asyncio.gather(*(client.post("/v1/reports", json=report_body(), headers=key) for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [202]
    assert len({r.json()["incident_id"] for r in responses}) == 1
    assert await counts(url) == (1, 1)


@pytest.mark.parametrize("reports_per_minute", [3])
async def test_past_the_per_client_rate_the_answer_is_429_with_retry_after(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    statuses = [(await client.post("/v1/reports", json=report_body())).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    limited = await client.post("/v1/reports", json=report_body())
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert await counts(url) == (3, 3)


@pytest.mark.parametrize("cookie", ["ñandú-ñandú-ñandú-ñandú", "日本語のクッキー", "a" * 500])
async def test_a_csrf_cookie_of_no_nonce_of_ours_is_a_4xx_never_a_500(intake, cookie: str) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    raw = {b"cookie": f"pidesk_csrf={cookie}".encode()}
    page = await client.get("/report", headers=raw)  # the form would sign whatever the browser held
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    response = await client.post(
        "/report",
        content=f"csrf_token={token.group(1)}&lang=en&title=x".encode(),
        headers={**raw, b"content-type": b"application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403
    assert await counts(url) == (0, 0)
