"""A DLP storm end to end: real intake, escalation and notifier processes, Kafka, PostgreSQL and SMTP.

Hundreds of Microsoft Purview alerts of two misfiring rules fold into two incidents, every alert kept
exactly once and listed on the desk, the group's count crossing APPI's 1,000 as it grows; a burst of
distinct low-risk alerts meanwhile; a very-high-risk report from a person posted in the middle of it
all is alerted, and no one receives more internal alert mails than the per-recipient limit allows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_notices import bearer, eventually
from tests.support.dlp import dlp_stack, low_risk_alert, purview_alert
from tests.support.mail import MailSink
from tests.support.services import ServiceProcess
from tests.support.webhooks import signed
from tests.unit.factories import report_body

SECRET = "storm-secret"
CARDS, NUMBERS, LOW = 400, 200, 120  # Purview alerts of two rules, distinct low-risk generic alerts
MAILS_PER_HOUR = 30


@pytest.fixture
def sink() -> Any:
    with MailSink() as running:
        yield running


@pytest.fixture
async def system(tmp_path: Path, sink: MailSink) -> AsyncIterator[dict[str, Any]]:
    async with dlp_stack(tmp_path, sink, SECRET, NOTIFIER_ALERT_MAILS_PER_HOUR=str(MAILS_PER_HOUR)) as stack:
        yield stack


async def post_all(client: httpx.AsyncClient, url: str, source: str, bodies: list[bytes]) -> list[httpx.Response]:
    slots = asyncio.Semaphore(16)

    async def one(body: bytes) -> httpx.Response:
        async with slots:
            return await client.post(f"{url}/v1/webhooks/{source}", content=body, headers=signed(source, SECRET, body))

    return await asyncio.gather(*(one(b) for b in bodies))


async def test_a_storm_folds_into_few_incidents_and_a_real_report_still_gets_through(
    system: dict[str, Any], sink: MailSink
) -> None:
    intake: ServiceProcess = system["intake"]
    escalation: ServiceProcess = system["escalation"]
    reader = bearer(system["env"], "auditor")
    async with httpx.AsyncClient(timeout=60) as client:
        storm = [purview_alert(n, "Card numbers") for n in range(CARDS)]
        storm += [purview_alert(n, "My Number") for n in range(NUMBERS)]
        purview = asyncio.create_task(post_all(client, intake.url, "ms-purview", storm))
        bursts = [low_risk_alert(f"low-{n}", f"mailbox-{n}@example.co.jp") for n in range(LOW)]
        low = asyncio.create_task(post_all(client, intake.url, "generic", bursts))
        await asyncio.sleep(1.0)  # the storm is under way
        aware_at = datetime.now(UTC).isoformat()
        person = await client.post(f"{intake.url}/v1/reports", json=report_body(aware_at=aware_at))
        assert person.status_code == 202, person.text
        reference = person.json()["reference"]
        answers = await purview
        low_answers = await low

        # every alert accepted; one incident per rule, the rest grouped into it
        assert all(a.status_code in (200, 202) for a in answers + low_answers)
        incidents = Counter(a.json()["incident_id"] for a in answers)
        assert sorted(incidents.values()) == [NUMBERS, CARDS]
        assert sum(a.status_code == 202 for a in answers) == 2
        assert sum(bool(a.json().get("grouped")) for a in answers) == CARDS + NUMBERS - 2
        assert len({a.json()["incident_id"] for a in low_answers}) == LOW, "distinct assets: not grouped"

        # the desk lists every alert exactly once; the card group's count (4 per sender, 400 senders)
        # crossed APPI's 1,000 as it grew, and the timeline says so
        cards = next(i for i, n in incidents.items() if n == CARDS)

        async def all_alerts() -> dict[str, Any] | None:
            listed: list[dict[str, Any]] = []
            cursor = None
            while True:
                response = await client.get(
                    f"{escalation.url}/v1/incidents/{cards}/alerts",
                    params={"limit": 200, **({"cursor": cursor} if cursor else {})},
                    headers=reader,
                )
                if response.status_code != 200:
                    return None
                page = response.json()
                listed += page["items"]
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            return {"total": page["total"], "ids": [a["alert_id"] for a in listed]} if page["total"] == CARDS else None

        listed = await eventually(all_alerts, timeout=120)
        assert listed, "the card group's alerts did not all reach the desk"
        assert len(listed["ids"]) == len(set(listed["ids"])) == CARDS
        incident = (await client.get(f"{escalation.url}/v1/incidents/{cards}", headers=reader)).json()
        assert incident["alerts"]["count"] == CARDS
        assert incident["report"]["affected_count"] == 4 * CARDS
        assert "appi.over_1000" in incident["assessment"]["legal_triggers"]
        assert any(e["kind"] == "alerts_grouped" for e in incident["timeline"])

        # the report from a person is alerted, whatever the storm's backlog
        async def person_alerted() -> bool:
            return any(reference in (m.message["Subject"] or "") for m in sink.handler.messages)

        assert await eventually(person_alerted, timeout=60), "the very-high-risk report was never alerted"

    # the low-risk burst is held back by the per-recipient limit: no one gets more mails about it than
    # the limit allows (plus the one naming what was held); very-high-risk first alerts are never held
    low_references = {a.json()["reference"] for a in low_answers}
    per_person: Counter[str] = Counter()
    for mail in sink.handler.messages:
        subject_line = str(mail.message["Subject"] or "")
        if any(ref in subject_line for ref in low_references):
            per_person.update(mail.recipients)
    assert per_person, "the low-risk alerts were never mailed"
    assert max(per_person.values()) <= MAILS_PER_HOUR + 1, per_person
