"""Issue 12 item 7, with real processes: `pidesk token revoke` reaches the notifier through escalation's
list of revoked tokens, which the notifier polls (NOTIFIER_ESCALATION_URL)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.apps import service_stack
from tests.support.services import pidesk_cli


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    env = {"NOTIFIER_REVOCATION_POLL_SECONDS": "0.5"}
    async with service_stack(tmp_path, ("escalation", "notifier"), env) as stack:
        yield stack


async def test_a_revoked_token_is_refused_by_both_services(system: dict[str, Any]) -> None:
    env, escalation, notifier = system["env"], system["escalation"], system["notifier"]
    desk_token = pidesk_cli("token", "issue", "--role", "auditor", "--name", "e2e-revoked", env=env)
    notices_token = pidesk_cli(
        "token", "issue", "--role", "auditor", "--name", "e2e-revoked", "--audience", "notifier", env=env
    )
    async with httpx.AsyncClient(timeout=10) as client:
        desk = {"Authorization": f"Bearer {desk_token}"}
        notices = {"Authorization": f"Bearer {notices_token}"}
        assert (await client.get(f"{escalation.url}/v1/incidents", headers=desk)).status_code == 200
        assert (await client.get(f"{notifier.url}/v1/notices", headers=notices)).status_code == 200
        assert (await client.get(f"{notifier.url}/v1/notices", headers=desk)).status_code == 401  # one audience
        for token in (desk_token, notices_token):
            assert "revoked" in pidesk_cli("token", "revoke", token, env=env)
        assert (await client.get(f"{escalation.url}/v1/incidents", headers=desk)).status_code == 401
        deadline = time.monotonic() + 20
        while (await client.get(f"{notifier.url}/v1/notices", headers=notices)).status_code != 401:
            assert time.monotonic() < deadline, "the notifier never learnt of the revocation"
            await asyncio.sleep(0.2)
