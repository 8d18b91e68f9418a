"""Webhook and report bodies are bounded before they are parsed: nesting depth, records per delivery,
NUL characters (issue 12, items 19 and 20)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.integration.test_webhook_edge import stored
from tests.support.apps import intake_app
from tests.support.webhooks import as_bytes, nightfall_headers, pidesk_headers
from tests.unit.factories import report_body

SECRETS = {"generic": "generic-bounds-secret-0123456789abcdef", "nightfall": "nf-secret", "ms-purview": "mp-secret"}
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with intake_app(tmp_path, "bounds", webhook_secrets=SECRETS) as app:
        yield app


async def test_deeply_nested_json_in_a_signed_webhook_is_a_400_not_a_500(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    headers = pidesk_headers(SECRETS["generic"], DEEP)
    response = await client.post("/v1/webhooks/generic", content=DEEP, headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "json_too_deep")
    assert await stored(url) == ([], [])


@pytest.mark.parametrize("source", ["nightfall", "ms-purview"])
async def test_deeply_nested_json_before_authentication_is_refused_as_unauthenticated(intake, source: str) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    response = await client.post(f"/v1/webhooks/{source}", content=DEEP, headers={"content-type": "application/json"})
    assert response.status_code == 401, response.text
    assert await stored(url) == ([], [])


async def test_deep_nesting_signed_for_nightfall_is_a_400(intake) -> None:  # type: ignore[no-untyped-def]
    client, _url = intake
    response = await client.post(
        "/v1/webhooks/nightfall", content=DEEP, headers=nightfall_headers(SECRETS["nightfall"], DEEP)
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "json_too_deep")


async def test_a_report_nested_too_deep_is_a_400(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    response = await client.post("/v1/reports", content=DEEP, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "json_too_deep")
    assert await stored(url) == ([], [])


async def test_a_delivery_past_the_record_cap_is_refused_whole(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    records = [{**report_body(), "source_alert_id": f"cap-{n}"} for n in range(501)]
    body = as_bytes(records)
    response = await client.post("/v1/webhooks/generic", content=body, headers=pidesk_headers(SECRETS["generic"], body))
    assert (response.status_code, response.json()["error"]["code"]) == (413, "too_many_records")
    assert await stored(url) == ([], [])


@pytest.mark.parametrize("field", ["title", "description"])
async def test_a_nul_character_in_a_report_is_a_422(intake, field: str) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    body = as_bytes(report_body(**{field: "before\u0000after"}))
    response = await client.post("/v1/reports", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert await stored(url) == ([], [])


async def test_a_nul_character_in_a_generic_webhook_is_a_422(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    body = as_bytes({**report_body(title="a\u0000b"), "source_alert_id": "nul-1"})
    response = await client.post("/v1/webhooks/generic", content=body, headers=pidesk_headers(SECRETS["generic"], body))
    assert response.status_code == 422, response.text
    assert await stored(url) == ([], [])


async def test_an_escaped_backslash_before_u0000_is_not_a_nul(intake) -> None:  # type: ignore[no-untyped-def]
    client, _url = intake
    body = as_bytes(report_body(description="a path C:\\u0000dir is text, not NUL"))
    response = await client.post("/v1/reports", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 202, response.text
