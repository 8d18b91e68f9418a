"""Issue 12, item 4: a chat webhook URL (a credential) is stored exactly as given — Slack and Teams URLs are
case-sensitive — and `GET /v1/notices/{id}/recipients` never returns it, to any role: it shows the routed
role and a short fingerprint instead."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import httpx

from pidesk.services.notifier.service import alerts
from pidesk.shared.events import EscalationRequested, Recipient
from pidesk.shared.vocabulary import Role
from tests.integration.test_notice_delivery_service import NOW, ChatHook, Notifier
from tests.integration.test_notices_api import api, token

__all__ = ["api"]  # the fixture


async def test_a_webhook_is_kept_exact_and_never_shown(api: tuple[httpx.AsyncClient, Notifier]) -> None:
    client, notifier = api
    hook = ChatHook([200])
    webhook = f"{hook.url}/T0ABCDEF/B0GHIJKL/XyZsEcReTtOkEn"
    incident_id = uuid.uuid4()
    request = EscalationRequested(
        reference="PI-2026-000042",
        target="promotion_bureau",
        step=1,
        reason="routed",
        risk_level="high",
        recipients=[Recipient(name="山本 直子", email="naoko@example.com", language="ja", chat_webhook=webhook)],
        ack_due_at=NOW + timedelta(hours=1),
        requested_at=NOW,
    )
    await notifier.apply(
        lambda s: alerts.record_alert(s, incident_id, request, "https://d", "x", people=notifier.people)
    )
    (notice,) = (await notifier.notices(incident_id)).values()
    rows = await notifier.deliveries(notice.id)
    assert [r.address for r in rows if r.channel == "chat"] == [webhook]  # not lower-cased

    fingerprint = hashlib.sha256(webhook.encode()).hexdigest()[:12]
    for role in Role:
        answer = await client.get(f"/v1/notices/{notice.id}/recipients", headers=token(role))
        assert answer.status_code == 200, answer.text
        assert "XyZsEcReTtOkEn" not in answer.text and "xyzsecrettoken" not in answer.text.lower()
        assert hook.url.split("//", 1)[1] not in answer.text
        (chat,) = [item for item in answer.json()["items"] if item["channel"] == "chat"]
        assert chat["role"] == "promotion_bureau" and chat["fingerprint"] == fingerprint
        (mail,) = [item for item in answer.json()["items"] if item["channel"] == "email"]
        assert mail["address"] == "naoko@example.com"
