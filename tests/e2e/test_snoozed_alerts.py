"""Snoozes end to end: real intake, escalation and notifier processes, Kafka, PostgreSQL and SMTP.

The desk snoozes a misfiring generic rule and a Purview rule; a burst of the snoozed generic alerts is
stored and counted but raises no routed incident and no mail, while the Purview card alerts (card
numbers: a statutory duty under APPI) are routed and mailed all the same, marked as having matched,
and an alert no snooze covers is handled as usual.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_notices import bearer, eventually
from tests.support.dlp import dlp_stack, low_risk_alert, purview_alert
from tests.support.mail import MailSink
from tests.support.services import ServiceProcess
from tests.support.webhooks import signed

SECRET = "snooze-secret"
NOISE, CARDS = 25, 10


@pytest.fixture
def sink() -> Any:
    with MailSink() as running:
        yield running


@pytest.fixture
async def system(tmp_path: Path, sink: MailSink) -> AsyncIterator[dict[str, Any]]:
    async with dlp_stack(tmp_path, sink, SECRET) as stack:
        yield stack


def card_alert(n: int) -> bytes:
    return purview_alert(n, "Card numbers")


async def post(client: httpx.AsyncClient, url: str, source: str, body: bytes) -> dict[str, Any]:
    response = await client.post(f"{url}/v1/webhooks/{source}", content=body, headers=signed(source, SECRET, body))
    assert response.status_code in (200, 202), response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_snoozed_burst_raises_nothing_but_the_law_still_does(system: dict[str, Any], sink: MailSink) -> None:
    intake: ServiceProcess = system["intake"]
    escalation: ServiceProcess = system["escalation"]
    operator, reader = bearer(system["env"], "desk_operator"), bearer(system["env"], "auditor")
    async with httpx.AsyncClient(timeout=60) as client:
        snoozes = []
        for body in (
            {"source": "generic", "asset": "mailbox-*@example.co.jp", "reason": "mail migration"},
            {"source": "ms-purview", "rule": "card numbers", "reason": "test tenant"},
        ):
            made = await client.post(f"{escalation.url}/v1/snoozes", headers=operator, json={**body, "minutes": 60})
            assert made.status_code == 201, made.text
            snoozes.append(made.json()["snooze_id"])

        noise = await asyncio.gather(
            *(
                post(client, intake.url, "generic", low_risk_alert(f"n-{n}", f"mailbox-{n}@example.co.jp"))
                for n in range(NOISE)
            )
        )
        cards = [await post(client, intake.url, "ms-purview", card_alert(n)) for n in range(CARDS)]
        control = await post(client, intake.url, "generic", low_risk_alert("c-1", "fileshare://finance"))
        assert len({a["incident_id"] for a in cards}) == 1, "one Purview rule: one group"

        async def all_snoozed() -> list[dict[str, Any]] | None:
            params = {"status": "snoozed", "limit": 200}
            listed = await client.get(f"{escalation.url}/v1/incidents", headers=reader, params=params)
            items: list[dict[str, Any]] = listed.json()["items"]
            return items if len(items) == NOISE else None

        snoozed = await eventually(all_snoozed, timeout=90)
        assert snoozed, "the snoozed alerts did not all reach the desk as snoozed incidents"
        assert {i["incident_id"] for i in snoozed} == {a["incident_id"] for a in noise}
        assert {i["snooze"]["snooze_id"] for i in snoozed} == {snoozes[0]} and {i["risk_level"] for i in snoozed}

        async def mailed(reference: str) -> bool:
            return any(reference in (m.message["Subject"] or "") for m in sink.handler.messages)

        # the card group and the alert no snooze covers are alerted as usual
        assert await eventually(lambda: mailed(control["reference"]), timeout=60)
        assert await eventually(lambda: mailed(cards[0]["reference"]), timeout=60)

        async def all_cards() -> dict[str, Any] | None:
            url = f"{escalation.url}/v1/incidents/{cards[0]['incident_id']}"
            found: dict[str, Any] = (await client.get(url, headers=reader)).json()
            return found if found.get("alerts", {}).get("count") == CARDS else None

        card_incident = await eventually(all_cards, timeout=60)
        assert card_incident and card_incident["status"] == "open" and card_incident["routes"]
        assert card_incident["snooze"]["state"] == "overridden" and card_incident["snooze"]["snooze_id"] == snoozes[1]
        assert (await client.get(f"{escalation.url}/v1/incidents/{control['incident_id']}", headers=reader)).json()[
            "snooze"
        ] is None

        listed = (await client.get(f"{escalation.url}/v1/snoozes", headers=reader, params={"active": "true"})).json()
        counts = {
            s["snooze_id"]: (s["matched_alerts"], s["matched_incidents"], s["snoozed_incidents"])
            for s in listed["items"]
        }
        assert counts == {snoozes[0]: (NOISE, NOISE, NOISE), snoozes[1]: (CARDS, 1, 0)}

    # not one mail about a snoozed alert (alerted incidents above show the mail flowed meanwhile)
    subjects = " ".join(m.message["Subject"] or "" for m in sink.handler.messages)
    assert not [a["reference"] for a in noise if a["reference"] in subjects]
