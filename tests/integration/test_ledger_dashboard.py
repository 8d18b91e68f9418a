"""Issue 16, phase 2, on the dashboard (in-process, PostgreSQL): the ledger page (search, filters by company,
category and asset type), an entry's page (its history and the incidents involving it), the incident page's
matched entries and assets not in the ledger, and the statistics by entry and by holding company."""

from __future__ import annotations

import uuid

import httpx

from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.services.escalation.service.ledger_changes import handle_next_ledger_change
from pidesk.shared.db.engine import create_engine, session_factory
from tests.integration.test_dashboard_auth import csrf_of, desk, sign_in
from tests.integration.test_desk_api import Desk
from tests.integration.test_ledger_alerts import NOW, RULES, customers, dummy_bucket, macie

__all__ = ["desk"]


async def report(url: str, bucket: str, reference: str) -> str:
    incident_id = uuid.uuid4()
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            event = macie(bucket, reference)
            await record_reported_incident(IncidentRepository(session), RULES, incident_id=incident_id, event=event)
        while await handle_next_ledger_change(session_factory(engine), RULES, now=NOW) is not None:
            pass
    finally:
        await engine.dispose()
    return str(incident_id)


async def test_the_ledger_pages_the_incident_and_the_statistics(desk: Desk) -> None:
    client: httpx.AsyncClient = desk.client
    assert (await sign_in(client, "山田 花子")).status_code == 303  # promotion_bureau keeps the ledger
    csrf = {"X-CSRF-Token": csrf_of((await client.get("/desk/ledger")).text)}
    for entry in (customers(), dummy_bucket()):
        made = await client.post("/v1/ledger", headers=csrf, json=entry)
        assert made.status_code == 201, made.text
    changed = await client.put("/v1/ledger/L-0001", headers=csrf, json=customers(people_count=48500))
    assert changed.status_code == 200, changed.text

    shop = await report(desk.url, "example-shop-customers-prod", "PI-2026-000301")
    unknown = await report(desk.url, "nobody-knows-this-bucket", "PI-2026-000302")

    listing = await client.get("/desk/ledger?lang=en")
    assert listing.status_code == 200 and 'aria-current="page">PI ledger' in listing.text
    assert '<tr data-entry="L-0001">' in listing.text and '<tr data-entry="L-0002">' in listing.text
    mine = await client.get("/desk/ledger", params={"category": "my_number", "lang": "en"})
    assert '<tr data-entry="L-0001">' in mine.text and "L-0002" not in mine.text
    none = await client.get("/desk/ledger", params={"asset_type": "github", "company": "Example Holdings"})
    assert "data-entry=" not in none.text
    found = await client.get("/desk/ledger", params={"search": "shop test"})
    assert '<tr data-entry="L-0002">' in found.text and "L-0001" not in found.text

    entry = await client.get("/desk/ledger/L-0001?lang=ja")
    assert entry.status_code == 200 and "変更履歴" in entry.text
    assert '<tr data-version="2">' in entry.text and '<tr data-version="1">' in entry.text
    assert f'href="/desk/incidents/{shop}">PI-2026-000301' in entry.text
    assert (await client.get("/desk/ledger/L-9999")).status_code == 404

    page = await client.get(f"/desk/incidents/{shop}?lang=en")
    assert '<tr data-entry="L-0001">' in page.text and 'id="not-in-ledger"' not in page.text
    assert "affected_count 48500 from ledger entry L-0001 version 2" in page.text
    assert (
        '<small class="from-ledger">→ 48,500 (PI ledger <a href="/desk/ledger/L-0001">L-0001</a> Version 2)'
        in page.text
    )
    page = await client.get(f"/desk/incidents/{shop}?lang=ja")
    assert "affected_count 48500 は個人情報管理台帳 L-0001 第2版による" in page.text
    flagged = await client.get(f"/desk/incidents/{unknown}?lang=en")
    assert 'id="not-in-ledger"' in flagged.text and "<code>s3:nobody-knows-this-bucket</code>" in flagged.text

    stats = await client.get("/desk/stats?fy=2026&lang=en")
    assert stats.status_code == 200 and "By ledger entry" in stats.text
    assert '<span id="unknown-asset-incidents">1</span>' in stats.text
    assert 'href="/desk/ledger/L-0002">L-0002</a>' in stats.text  # a holding with no incident
    csv = (await client.get("/desk/stats.csv?fy=2026")).text
    assert "2026,ledger_entry,L-0001,1" in csv and "2026,holding_company,Example Holdings,1" in csv
    assert "2026,holding_without_incident,L-0002,0" in csv and "2026,incidents_on_unknown_assets,total,1" in csv
    assert "2026,unknown_asset,s3:nobody-knows-this-bucket,1" in csv
