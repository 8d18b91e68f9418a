"""Issue 17's desk pages, in-process on PostgreSQL: the lists and a case of each kind for a signed-in
person, each read noted in the case log; a request under a confidentiality order listed and shown only
to the roles that may see it, and on no other page of the desk."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from pidesk.shared.vocabulary import ComplaintRequestKind, Role
from tests.integration.test_case_desk import SECRET, Desk, token
from tests.integration.test_dashboard_auth import PASSWORD, sign_in
from tests.support.apps import escalation_app

USERS = [("operator", "desk_operator"), ("admin", "pi_administrator")]


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with escalation_app(tmp_path, "casedash", SECRET, [(n, r, PASSWORD) for n, r in USERS]) as (client, url):
        running = Desk(client, url)
        yield running
        await running.engine.dispose()


def listed(html: str, kind: str) -> list[str]:
    return re.findall(rf'href="/desk/{kind}/([0-9a-f-]+)"', html)


async def test_the_case_pages_and_a_confidential_request(desk: Desk) -> None:
    client: httpx.AsyncClient = desk.client
    shown = await desk.request(1, authority="Federal Bureau of Examples")
    hidden = await desk.request(2, authority="GAG Agency of Examples", confidential=True)
    complaint = await desk.complaint(1, ComplaintRequestKind.APPI_DISCLOSURE_REQUEST)

    assert (await client.get("/desk/government-requests")).status_code == 303  # pages need a session
    assert (await sign_in(client, "operator")).status_code == 303
    page = await client.get("/desk/government-requests?lang=ja")
    assert page.status_code == 200 and "令状" in page.text
    assert listed(page.text, "government-requests") == [shown] and "GAG Agency" not in page.text
    detail = await client.get(f"/desk/government-requests/{shown}?lang=en")
    assert detail.status_code == 200 and "GR-2026-000001" in detail.text and "GDPR Art. 48" in detail.text
    assert (await client.get(f"/desk/government-requests/{hidden}")).status_code == 404
    for other in ("/desk", "/desk/stats", "/desk/snoozes", "/desk/complaints"):
        text = (await client.get(other)).text
        assert "GAG Agency" not in text and "GR-2026-000002" not in text and hidden not in text
    complaints = await client.get("/desk/complaints?lang=en")
    assert listed(complaints.text, "complaints") == [complaint] and "without delay" in complaints.text
    one = await client.get(f"/desk/complaints/{complaint}?lang=ja")
    assert one.status_code == 200 and "APPI Art. 33(2)" in one.text

    await client.post("/desk/logout", data={"csrf_token": re.search(r'data-csrf="([^"]+)"', one.text).group(1)})  # type: ignore[union-attr]
    assert (await sign_in(client, "admin")).status_code == 303
    page = await client.get("/desk/government-requests")
    assert set(listed(page.text, "government-requests")) == {shown, hidden}
    assert (await client.get(f"/desk/government-requests/{hidden}")).status_code == 200

    log = await desk.get(f"/v1/government-requests/{shown}", token(Role.AUDITOR))
    reads = [(e["actor"], e["action"]) for e in log["log"]]
    assert ("operator", "listed") in reads and ("operator", "read") in reads and ("admin", "listed") in reads
