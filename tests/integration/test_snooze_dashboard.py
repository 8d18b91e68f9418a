"""The dashboard's snoozes, in-process on PostgreSQL: the snoozes page (list, create form, end button,
snoozed incidents), the board's count of snoozed incidents, the markers on an incident page, and the
un-snooze button — driven through the desk API with the session's CSRF token, as the page's script does."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx

from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import AlertRecord
from tests.integration.test_dashboard_auth import csrf_of, desk, sign_in
from tests.integration.test_desk_api import RULES, Desk
from tests.support.alert_groups import dlp_alert, webhook_incident

__all__ = ["desk"]  # the signed-in desk fixture, with its accounts


async def incident_now(url: str, n: int, alert: AlertRecord) -> str:
    incident_id = uuid.uuid4()
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        event = webhook_incident(n, [alert], at=datetime.now(UTC))
        await record_reported_incident(IncidentRepository(session), RULES, incident_id=incident_id, event=event)
    await engine.dispose()
    return str(incident_id)


def now_alert(alert_id: str, asset: str, count: int) -> AlertRecord:
    return dlp_alert(alert_id, asset, at=datetime.now(UTC), email=count)


def board_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-incident="([^"]+)"', html)


async def test_snoozes_on_the_board_the_snoozes_page_and_an_incident(desk: Desk) -> None:
    client: httpx.AsyncClient = desk.client
    assert (await sign_in(client, "operator")).status_code == 303
    page = await client.get("/desk/snoozes?lang=ja")
    assert page.status_code == 200 and "スヌーズ（誤検知アラートの一時停止）" in page.text
    assert 'id="snooze-form"' in page.text and "実行中のスヌーズ" in page.text
    csrf = {"X-CSRF-Token": csrf_of(page.text)}
    made = await client.post(
        "/v1/snoozes", headers=csrf, json={"rule": "dlp-rule-7", "reason": "移行中の誤検知", "minutes": 240}
    )
    assert made.status_code == 201
    snooze_id = made.json()["snooze_id"]

    quiet = await incident_now(desk.url, 81, now_alert("d81", "s3://staging", 5))
    loud = await incident_now(desk.url, 82, now_alert("d82", "s3://exports", 1500))

    board = await client.get("/desk?lang=ja")
    assert quiet not in board_ids(board.text) and loud in board_ids(board.text)
    assert 'id="snoozed-count"' in board.text and "スヌーズ中のインシデント 1件" in board.text
    assert 'href="/desk/snoozes#snoozed-incidents"' in board.text
    assert quiet not in board_ids((await client.get("/desk/board")).text)

    listing = await client.get("/desk/snoozes?lang=en")
    assert f'<tr data-snooze="{snooze_id}">' in listing.text and "移行中の誤検知" in listing.text
    assert "<code>dlp-rule-7</code>" in listing.text and "running" in listing.text
    assert "2 alerts, 2 incidents (1 snoozed)" in listing.text
    assert f'data-action="end-snooze" data-snooze="{snooze_id}"' in listing.text
    assert f'<tr data-snoozed-incident="{quiet}">' in listing.text
    assert f'data-action="unsnooze" data-incident="{quiet}"' in listing.text

    snoozed = await client.get(f"/desk/incidents/{quiet}?lang=en")
    assert 'data-snooze-state="snoozed"' in snoozed.text
    assert f"This incident is snoozed by snooze #{snooze_id} (移行中の誤検知)" in snoozed.text
    assert 'data-action="unsnooze"' in snoozed.text and 'data-action="acknowledge"' not in snoozed.text
    assert "snoozed by snooze #" in snoozed.text  # the timeline says why
    overridden = await client.get(f"/desk/incidents/{loud}?lang=ja")
    assert 'data-snooze-state="overridden"' in overridden.text
    assert f"スヌーズ #{snooze_id}に一致しましたが、法定の義務があるため通常どおり対応しています。" in overridden.text
    assert 'data-action="unsnooze"' not in overridden.text and 'data-action="acknowledge"' in overridden.text

    opened = await client.post(f"/v1/incidents/{quiet}/unsnooze", headers=csrf)
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert quiet in board_ids((await client.get("/desk/board")).text)
    assert 'id="snoozed-count"' not in (await client.get("/desk")).text
    page = await client.get(f"/desk/incidents/{quiet}?lang=en")
    assert 'data-snooze-state="opened"' in page.text and "opened by the desk" in page.text

    ended = await client.post(f"/v1/snoozes/{snooze_id}/end", headers=csrf)
    assert ended.status_code == 200
    listing = await client.get("/desk/snoozes?lang=en")
    running, past = listing.text.split('id="past-snoozes"')
    assert f'<tr data-snooze="{snooze_id}">' in past and "ended early" in past
    assert f'data-snooze="{snooze_id}"' not in running and 'data-action="end-snooze"' not in listing.text

    await client.post("/desk/logout", data={"csrf_token": csrf_of(listing.text)})
    assert (await sign_in(client, "auditor")).status_code == 303
    read_only = await client.get("/desk/snoozes?lang=en")
    assert read_only.status_code == 200 and 'id="read-only"' in read_only.text
    assert 'id="snooze-form"' not in read_only.text and "data-action" not in read_only.text
    refused = await client.post(
        "/v1/snoozes",
        headers={"X-CSRF-Token": csrf_of(read_only.text)},
        json={"rule": "x", "reason": "r", "minutes": 5},
    )
    assert refused.status_code == 403
