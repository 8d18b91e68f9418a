"""Each vendor's own payloads (tests/fixtures/webhooks/<source>/) through the real route, on PostgreSQL:
what each maps to, and what a later delivery of the same alert changes."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pidesk.services.intake.adapters.orm import OutboxMessage, Report
from pidesk.services.intake.webhooks.registry import SOURCE_NAMES, load_sources
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.apps import intake_app
from tests.support.webhooks import FIXTURES, fixture_bytes, signed

SECRETS = {name: f"{name}-secret-for-tests" for name in SOURCE_NAMES}


@dataclass(frozen=True)
class Expected:
    alert_id: str
    categories: list[str]
    affected_count: int | None
    aware_at: str  # UTC, ISO
    incident_kind: str
    vendor_state: str | None = None
    publicly_viewable: bool = False


@dataclass(frozen=True)
class Case:
    source: str
    fixture: str
    expected: list[Expected]


# Nightfall's detection time is its signed X-Nightfall-Timestamp
SIGNED_AT = "signed"

# fmt: off
E = Expected
CASES = [
    Case("netskope", "dlp_alert.json", [
        E("dlp-incident:7359046264875632811", ["name", "phone"], 1217, "2026-11-20T06:15:40+00:00",
          "insider_takeout"),
    ]),
    Case("netskope", "dlp_alerts_array.json", [
        E("dlp-incident:8842113005731466259", ["ssn", "name", "phone"], 71, "2026-11-20T06:20:00+00:00",
          "insider_takeout"),
        E("dlp-incident:6441942879614541519", ["my_number", "name"], 398, "2026-11-20T06:27:00+00:00",
          "insider_takeout"),
    ]),
    Case("code42", "alert_open.json", [
        E("7f3c0b9e-2a41-4d7e-9c55-1e8a6d2b4f10:e3d1a9b4-6f2c-4b8e-a1d7-5c9f0e2b8a46", ["other"], None,
          "2026-11-20T06:25:41.519828+00:00", "insider_takeout", "open"),
    ]),
    Case("google-dlp", "pubsub_alert_center_dlp.json", [
        E("6f0b1c2d-8e4a-4b7f-9a3d-2c5e71d4a9b8", ["my_number", "credit_card"], None,
          "2024-05-01T02:03:04.123000+00:00", "unauthorized_provision", "not_started"),
    ]),
    Case("google-dlp", "pubsub_dlp_job.json", [
        E("projects/pidesk-data-prod/locations/asia-northeast1/dlpJobs/i-6427731862341127168", ["other"], None,
          "2024-05-01T02:17:41.908000+00:00", "other"),
    ]),
    Case("google-dlp", "pubsub_data_profile.json", [
        E("projects/pidesk-data-prod/locations/asia-northeast1/tableDataProfiles/4317209438170253312",
          ["birth_date", "email", "my_number", "name", "phone", "address"], None,
          "2024-05-01T02:44:21.060000+00:00", "other"),
    ]),
    Case("github", "secret_scanning_alert_created.json", [
        E("9007199254745501:42", ["credentials"], None, "2025-03-03T08:14:27+00:00", "other", "open"),
    ]),
    Case("nightfall", "findings_inline.json", [
        E("5b0e2c1a-7d43-4f1e-9a6c-2f8e1b7d3c90",
          ["name", "email", "phone", "birth_date", "address", "ssn", "credit_card", "credentials"], 1,
          SIGNED_AT, "other"),
    ]),
    Case("nightfall", "findings_url.json", [
        E("5b0e2c1a-7d43-4f1e-9a6c-2f8e1b7d3c90", ["other"], None, SIGNED_AT, "other"),
    ]),
    Case("aws-macie", "finding_personal.json", [
        E("24c63c7918cea7196080a84a99556405", ["credit_card", "name", "address", "phone", "birth_date"], 1450,
          "2026-09-14T02:17:42.518000+00:00", "other", "active:1"),
    ]),
    Case("aws-macie", "finding_credentials.json", [
        E("7410504b31168b4edf58c42355a05613", ["credentials"], 2, "2026-09-14T03:05:18.094000+00:00", "other",
          "active:1"),
    ]),
    Case("aws-macie", "finding_policy_public.json", [
        E("d87fe097da740eb9c9a74649156b0cac", ["other"], None, "2026-09-14T05:40:11+00:00", "public_exposure",
          "active:1", publicly_viewable=True),
    ]),
    Case("ms-purview", "dlp_rule_match_single.json", [
        E("5f3c91e2-7a4b-d2c8-a000-08dcd41e6b52", ["credit_card", "ssn"], 4, "2026-09-14T01:52:08.431726+00:00",
          "unauthorized_provision", "matched"),
    ]),
    Case("ms-purview", "dlp_records_array.json", [
        E("a81d07c4-3e6f-b5a9-9000-08dcd43a1f07", ["my_number", "government_id"], 38,
          "2026-09-14T04:26:51+00:00", "unauthorized_provision", "matched"),
        E("3c5e2b90-d1a7-f4e6-8000-08dcd43b9a21", ["government_id", "credit_card"], 2,
          "2026-09-14T04:31:07+00:00", "unauthorized_provision", "matched"),
    ]),
]
# fmt: on


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with intake_app(tmp_path, "sources", webhook_secrets=SECRETS) as app:
        yield app


async def stored(url: str) -> tuple[list[Report], list[OutboxMessage]]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        reports = list((await session.scalars(select(Report).order_by(Report.reference))).all())
        outbox = list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())
    await engine.dispose()
    return reports, outbox


async def post(client: httpx.AsyncClient, source: str, body: bytes) -> httpx.Response:
    return await client.post(f"/v1/webhooks/{source}", content=body, headers=signed(source, SECRETS[source], body))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.source}/{c.fixture}")
async def test_each_vendor_payload_maps_to_incidents(intake, case: Case) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    body = fixture_bytes(case.source, case.fixture)
    response = await post(client, case.source, body)
    assert response.status_code == 202, response.text
    reports, outbox = await stored(url)
    by_alert = {r.source_alert_id: r for r in reports}
    assert set(by_alert) == {e.alert_id for e in case.expected}
    for expected in case.expected:
        report = by_alert[expected.alert_id]
        assert report.source == case.source
        assert report.data_categories == expected.categories
        assert report.affected_count == expected.affected_count
        if expected.aware_at == SIGNED_AT:
            assert abs((report.aware_at - datetime.now(UTC)).total_seconds()) < 120
        else:
            assert report.aware_at == datetime.fromisoformat(expected.aware_at)
        assert report.incident_kind == expected.incident_kind
        assert report.vendor_state == expected.vendor_state
        assert report.publicly_viewable == expected.publicly_viewable
    events = [json.loads(row.value) for row in outbox]
    assert [e["event_type"] for e in events] == ["pidesk.incident.reported"] * len(case.expected)
    assert {e["payload"]["source_alert_id"] for e in events} == {e.alert_id for e in case.expected}

    repeat = await post(client, case.source, body)
    assert repeat.status_code == 200, "the same alert again is the same incident"
    assert len((await stored(url))[0]) == len(case.expected)


LATER_DELIVERIES = [
    ("code42", "alert_open.json", "alert_resolved.json", {"vendor_state": "resolved", "changes": {}}),
    (
        "github",
        "secret_scanning_alert_created.json",
        "secret_scanning_alert_resolved.json",
        {"vendor_state": "resolved", "changes": {}},
    ),
    (
        "github",
        "secret_scanning_alert_resolved.json",
        "secret_scanning_alert_reopened.json",
        {"vendor_state": "reopened", "changes": {}},
    ),
    (
        "nightfall",
        "findings_inline.json",
        "findings_more.json",
        {
            "changes": {
                "data_categories": [
                    "name",
                    "email",
                    "phone",
                    "birth_date",
                    "address",
                    "ssn",
                    "credit_card",
                    "credentials",
                    "bank_account",
                    "medical_history",
                ],
                "affected_count": 2,
            }
        },
    ),
    ("aws-macie", "finding_policy_public.json", "finding_updated.json", {"vendor_state": "active:3", "changes": {}}),
]


@pytest.mark.parametrize(("source", "first", "later", "update"), LATER_DELIVERIES, ids=lambda v: str(v))
async def test_a_later_delivery_with_changed_facts_updates_the_same_incident(  # type: ignore[no-untyped-def]
    intake, source: str, first: str, later: str, update: dict[str, object]
) -> None:
    client, url = intake
    created = await post(client, source, fixture_bytes(source, first))
    changed = await post(client, source, fixture_bytes(source, later))
    assert (created.status_code, changed.status_code) == (202, 200)
    assert changed.json()["incident_id"] == created.json()["incident_id"]
    reports, outbox = await stored(url)
    assert len(reports) == 1
    assert [row.topic for row in outbox] == [topics.INCIDENT_REPORTED, topics.INCIDENT_UPDATED]
    payload = json.loads(outbox[1].value)["payload"]
    assert {k: payload[k] for k in update} == update


async def test_a_modified_alert_center_alert_updates_its_incident(intake) -> None:  # type: ignore[no-untyped-def]
    client, url = intake
    envelope = json.loads(fixture_bytes("google-dlp", "pubsub_alert_center_dlp.json"))
    created = await post(client, "google-dlp", json.dumps(envelope).encode())
    alert = json.loads(base64.b64decode(envelope["message"]["data"]))
    alert["metadata"]["status"] = "IN_PROGRESS"
    alert["data"]["ruleViolationInfo"]["matchInfo"].append({"predefinedDetector": {"detectorName": "PERSON_NAME"}})
    envelope["message"]["data"] = base64.b64encode(json.dumps(alert).encode()).decode()
    envelope["message"]["attributes"]["alertcenter_resource_status"] = "MODIFIED"
    modified = await post(client, "google-dlp", json.dumps(envelope).encode())
    assert (created.status_code, modified.status_code) == (202, 200)
    assert modified.json()["incident_id"] == created.json()["incident_id"]
    reports, outbox = await stored(url)
    assert reports[0].data_categories == ["my_number", "credit_card", "name"]
    payload = json.loads(outbox[-1].value)["payload"]
    assert payload["vendor_state"] == "in_progress"
    assert payload["changes"] == {"data_categories": ["my_number", "credit_card", "name"]}


@pytest.mark.parametrize(
    ("source", "fixture", "signed_request", "status", "body"),
    [
        ("nightfall", "url_verification.json", False, 200, "Vq3nZ8tL0pXyR2mK7wJd"),
        ("ms-purview", "validation.json", False, 200, '{"status":"validated"}'),
        ("github", "ping.json", True, 200, None),
    ],
)
async def test_vendor_handshakes_are_answered_and_create_nothing(  # type: ignore[no-untyped-def]
    intake, source: str, fixture: str, signed_request: bool, status: int, body: str | None
) -> None:
    client, url = intake
    raw = fixture_bytes(source, fixture)
    headers = signed(source, SECRETS[source], raw) if signed_request else {"content-type": "application/json"}
    if source == "github":
        headers["X-GitHub-Event"] = "ping"
    response = await client.post(f"/v1/webhooks/{source}", content=raw, headers=headers)
    assert response.status_code == status
    if body is not None:
        assert response.text == body
    if source == "nightfall":
        assert response.headers["content-type"].startswith("text/plain")
    assert await stored(url) == ([], [])


def test_every_fixture_is_exercised() -> None:
    handshakes = {("nightfall", "url_verification.json"), ("ms-purview", "validation.json"), ("github", "ping.json")}
    used = {(c.source, c.fixture) for c in CASES} | {(s, f) for s, a, b, _ in LATER_DELIVERIES for f in (a, b)}
    used |= handshakes
    present = {(p.parent.name, p.name) for p in FIXTURES.glob("*/*.json") if p.parent.name in load_sources()}
    assert present - used == set(), "a vendor fixture no test reads"
