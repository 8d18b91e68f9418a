"""The dashboard's views of grouped alerts, in-process on PostgreSQL: the board's alert count and last
alert, the incident's alerts in pages with a split action, the merge form, and a merged incident."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from pidesk.services.escalation.adapters.orm import IncidentAlert
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_incident_update, record_reported_incident
from pidesk.shared.db.engine import create_engine, session_factory
from tests.integration.test_dashboard_auth import csrf_of, desk, sign_in
from tests.integration.test_desk_api import RULES, Desk
from tests.support.alert_groups import dlp_alert, grouped, webhook_incident

__all__ = ["desk"]  # the signed-in desk fixture, with its accounts
START = datetime.now(UTC) - timedelta(hours=3)


async def grouped_incident(url: str, n: int, alerts: int) -> str:
    incident_id = uuid.uuid4()
    records = [dlp_alert(f"d{n}-{i}", f"site:{i}", at=START + timedelta(minutes=i), email=5) for i in range(alerts)]
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        event = webhook_incident(n, records[:1], at=START)
        await record_reported_incident(IncidentRepository(session), RULES, incident_id=incident_id, event=event)
    if records[1:]:
        async with sessions() as session, session.begin():
            await record_incident_update(
                IncidentRepository(session), RULES, incident_id=incident_id, event=grouped(n, records[1:])
            )
    await engine.dispose()
    return str(incident_id)


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr data-alert="(\d+)">', html)


async def test_grouped_alerts_on_the_board_and_the_incident_page(desk: Desk) -> None:
    client: httpx.AsyncClient = desk.client
    incident_id = await grouped_incident(desk.url, 71, alerts=60)
    other = await grouped_incident(desk.url, 72, alerts=1)
    assert (await sign_in(client, "operator")).status_code == 303

    board = await client.get("/desk/board?lang=ja")
    assert 'data-alert-count="60"' in board.text and "アラート60件" in board.text
    assert "アラート1件" in board.text

    page = await client.get(f"/desk/incidents/{incident_id}?lang=en")
    assert page.status_code == 200 and "Grouped alerts" in page.text and "60 in all, newest first" in page.text
    first = rows_of(page.text)
    assert len(first) == 50 and page.text.count('data-action="split"') == 50
    assert "<code>d71-59</code>" in page.text and "email: 5" in page.text
    assert "59 alerts grouped, 60 in all; count 5 -&gt; 300" in page.text
    assert 'id="merge-form"' in page.text and f'value="{other}"' in page.text
    older = re.search(r'href="(/desk/incidents/[^"]+\?alerts=[^"#]+)#alerts" rel="next"', page.text)
    assert older
    rest = await client.get(older.group(1).replace("&amp;", "&"))
    assert len(rows_of(rest.text)) == 10 and not set(rows_of(rest.text)) & set(first)
    assert "<code>d71-0</code>" in rest.text

    # merge through the API with the session's CSRF token, as the page's script does
    merged = await client.post(
        f"/v1/incidents/{other}/merge", json={"into": incident_id}, headers={"X-CSRF-Token": csrf_of(page.text)}
    )
    assert merged.status_code == 200 and merged.json()["alerts"]["count"] == 61
    board = await client.get("/desk/board?lang=en")
    assert "PI-2026-000072" not in board.text, "a merged incident is off the board"
    gone = await client.get(f"/desk/incidents/{other}?lang=en")
    assert 'id="merged-into"' in gone.text and "PI-2026-000071" in gone.text
    assert 'data-action="split"' not in gone.text and 'class="card actions"' not in gone.text

    await client.post("/desk/logout", data={"csrf_token": csrf_of(page.text)})
    assert (await sign_in(client, "auditor")).status_code == 303
    read_only = await client.get(f"/desk/incidents/{incident_id}?lang=ja")
    assert "集約されたアラート" in read_only.text and len(rows_of(read_only.text)) == 50
    assert "data-action" not in read_only.text and 'id="merge-form"' not in read_only.text

    engine = create_engine(desk.url)
    async with session_factory(engine)() as session:
        assert await session.get(IncidentAlert, int(first[0])) is not None
    await engine.dispose()
