"""A DLP alert end to end: GitHub webhook → intake → Kafka → escalation; its resolution → an update."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.apps import service_stack
from tests.support.services import ServiceProcess, pidesk_cli
from tests.support.webhooks import fixture_bytes, github_headers

SECRET = "e2e-github-secret"


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[dict[str, object]]:
    async with service_stack(tmp_path, ("intake", "escalation"), {"INTAKE_WEBHOOK_SECRET_GITHUB": SECRET}) as stack:
        yield stack


async def wait_until(client: httpx.AsyncClient, url: str, headers: dict[str, str], check, timeout: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(url, headers=headers)
        if response.status_code == 200 and check(response.json()):
            return response.json()
        assert time.monotonic() < deadline, response.text
        await asyncio.sleep(0.2)


async def test_a_github_alert_reaches_the_desk_and_its_resolution_follows(system) -> None:  # type: ignore[no-untyped-def]
    intake: ServiceProcess = system["intake"]
    escalation: ServiceProcess = system["escalation"]
    token = pidesk_cli("token", "issue", "--role", "auditor", "--name", "e2e-auditor", env=system["env"])
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=10) as client:
        created = fixture_bytes("github", "secret_scanning_alert_created.json")
        posted = await client.post(
            f"{intake.url}/v1/webhooks/github", content=created, headers=github_headers(SECRET, created)
        )
        assert posted.status_code == 202, posted.text
        url = f"{escalation.url}/v1/incidents/{posted.json()['incident_id']}"
        incident = await wait_until(client, url, auth, lambda body: True)
        assert incident["report"]["source"] == "github"
        assert incident["report"]["source_alert_id"] == "9007199254745501:42"  # beyond 2^53, exact
        assert incident["report"]["data_categories"] == ["credentials"]

        resolved = fixture_bytes("github", "secret_scanning_alert_resolved.json")
        again = await client.post(
            f"{intake.url}/v1/webhooks/github", content=resolved, headers=github_headers(SECRET, resolved)
        )
        assert again.status_code == 200 and again.json()["incident_id"] == posted.json()["incident_id"]
        # a secret leak with no count: every threshold counts as exceeded until the count is known
        assert incident["assessment"]["legal_triggers"] == ["appi.over_1000"]

        def reminded_of(body: dict) -> set[str]:  # type: ignore[type-arg]
            """The obligations reminded of (one reminder lists every obligation due together)."""
            details = [e.get("detail") or {} for e in body["timeline"] if e["kind"] == "escalated"]
            return {code for d in details for code in d.get("obligation_codes") or [d.get("obligation_code")]}

        def updated_and_reminded(body: dict) -> bool:  # type: ignore[type-arg]
            updated = any(e["kind"] == "updated" for e in body["timeline"])
            return "appi.ppc_preliminary_report" in reminded_of(body) and updated

        incident = await wait_until(client, url, auth, updated_and_reminded)
        kinds = [e["kind"] for e in incident["timeline"] if e["kind"] in ("reported", "assessed", "updated")]
        assert kinds == ["reported", "assessed", "updated"]
        update = next(e for e in incident["timeline"] if e["kind"] == "updated")
        assert update["detail"]["vendor_state"] == "resolved"
        # the alert dates from 2025: its duties are overdue, so the PI administrator was reminded of each
        assert "appi.ppc_preliminary_report" in reminded_of(incident)
