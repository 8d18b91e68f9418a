"""Desk and notifier input that used to answer 500 (issue 12, items 15, 16 and 20): explicit nulls for
facts a report always has, integers past 64 bits, NUL characters. Each is a 422 naming the input."""

from __future__ import annotations

import base64
import json
import uuid

import httpx
import pytest

from pidesk.shared.vocabulary import Role
from tests.integration.test_desk_api import Desk, desk, token  # noqa: F401 - `desk` is the fixture
from tests.integration.test_notice_delivery_service import Notifier, reported_and_assessed
from tests.integration.test_notices_api import api  # noqa: F401 - the notifier API fixture
from tests.integration.test_notices_api import token as notifier_token

NOT_NULLABLE = [
    "aware_at",
    "incident_kind",
    "encryption",
    "entity_role",
    "contact_info_available",
    "data_categories",
    "subject_regions",
    "recovered_before_access",
    "publicly_viewable",
    "assets",
]
TOO_BIG = "9223372036854775808"  # 2**63: past PostgreSQL's bigint


@pytest.mark.parametrize("field", NOT_NULLABLE)
async def test_an_explicit_null_for_a_fact_a_report_always_has_is_a_422(desk: Desk, field: str) -> None:  # noqa: F811
    incident_id = await desk.incident()
    response = await desk.client.post(
        f"/v1/incidents/{incident_id}/facts", headers=token(Role.PROMOTION_BUREAU), json={field: None}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["loc"] == [field]
    assert await desk.outbox("pidesk.incident.updated") == []


async def test_null_stays_allowed_where_a_fact_may_be_unknown(desk: Desk) -> None:  # noqa: F811
    incident_id = await desk.incident()
    response = await desk.client.post(
        f"/v1/incidents/{incident_id}/facts", headers=token(Role.PROMOTION_BUREAU), json={"affected_count": None}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/audit", {"before_id": TOO_BIG}),
        ("/v1/audit", {"before_id": "99999999999999999999"}),
        ("/v1/snoozes", {"before_id": TOO_BIG}),
        (f"/v1/snoozes/{TOO_BIG}", {}),
    ],
)
async def test_integers_past_64_bits_are_a_422_on_the_desk(desk: Desk, path: str, params: dict[str, str]) -> None:  # noqa: F811
    response = await desk.client.get(path, params=params, headers=token(Role.PI_ADMINISTRATOR))
    assert response.status_code == 422, response.text


async def test_an_alert_cursor_past_64_bits_is_a_400_not_a_500(desk: Desk) -> None:  # noqa: F811
    incident_id = await desk.incident()
    for row_id in (2**63, 1e400):
        cursor = base64.urlsafe_b64encode(json.dumps(["2026-11-20T10:00:00+00:00", row_id]).encode()).decode()
        response = await desk.client.get(
            f"/v1/incidents/{incident_id}/alerts", params={"cursor": cursor}, headers=token(Role.PI_ADMINISTRATOR)
        )
        assert response.status_code == 400, response.text


async def test_a_split_of_an_alert_row_past_64_bits_is_a_422(desk: Desk) -> None:  # noqa: F811
    incident_id = await desk.incident()
    response = await desk.client.post(
        f"/v1/incidents/{incident_id}/alerts/{TOO_BIG}/split", headers=token(Role.PROMOTION_BUREAU)
    )
    assert response.status_code == 422, response.text


async def test_a_nul_character_in_desk_input_is_a_422(desk: Desk) -> None:  # noqa: F811
    incident_id = await desk.incident()
    response = await desk.client.post(
        f"/v1/incidents/{incident_id}/facts", headers=token(Role.PROMOTION_BUREAU), json={"assets": ["share\u0000"]}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "nul_character")


async def test_a_recipients_cursor_past_64_bits_is_a_422(api: tuple[httpx.AsyncClient, Notifier]) -> None:  # noqa: F811
    client, notifier = api
    incident_id = await reported_and_assessed(notifier)
    listed = await client.get(
        "/v1/notices", params={"incident_id": str(incident_id)}, headers=notifier_token(Role.AUDITOR)
    )
    notice_id = listed.json()[0]["notice_id"]
    for after in ("99999999999999999999", TOO_BIG):
        response = await client.get(
            f"/v1/notices/{notice_id}/recipients", params={"after": after}, headers=notifier_token(Role.AUDITOR)
        )
        assert response.status_code == 422, response.text
    unknown = await client.get(f"/v1/notices/{uuid.uuid4()}/recipients", headers=notifier_token(Role.AUDITOR))
    assert unknown.status_code == 404
