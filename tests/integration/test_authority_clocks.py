"""The authority's local clock on the desk API and the dashboard, and reports by authority in the statistics."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import Role
from tests.integration.test_dashboard_auth import PASSWORD, sign_in
from tests.integration.test_desk_api import Desk
from tests.support.apps import escalation_app

SECRET = "authority-clock-test-secret-0123456789abcdef"
OPERATOR = {"Authorization": f"Bearer {issue_token(SECRET, name='operator', role=Role.DESK_OPERATOR)}"}


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with escalation_app(tmp_path, "clocks", SECRET, [("operator", "desk_operator", PASSWORD)]) as (client, url):
        yield Desk(client, url)


async def test_a_uk_report_shows_london_time_and_counts_for_the_ico(desk: Desk) -> None:
    incident_id = await desk.incident(
        1, incident_kind="unauthorized_access", data_categories=["name", "health"], subject_regions={"GB": 50}
    )
    detail = (await desk.client.get(f"/v1/incidents/{incident_id}", headers=OPERATOR)).json()
    by_code = {o["code"]: o for o in detail["obligations"]}
    ico = by_code["ukgdpr.ico_notification"]
    local = ico["due_at_local"]
    assert local["zone"] == "Europe/London"
    assert datetime.fromisoformat(local["at"]) == datetime.fromisoformat(ico["due_at"])  # the same instant
    assert datetime.fromisoformat(local["at"]).utcoffset() == (
        datetime.fromisoformat(ico["due_at"]).astimezone(ZoneInfo("Europe/London")).utcoffset()
    )
    assert by_code["appi.ppc_preliminary_report"]["due_at_local"] is None  # JST says it all

    await sign_in(desk.client, "operator")
    page = await desk.client.get(f"/desk/incidents/{incident_id}?lang=en")
    assert page.status_code == 200 and 'class="local-due"' in page.text and "Europe/London" in page.text

    done = await desk.client.post(
        f"/v1/incidents/{incident_id}/obligations/ukgdpr.ico_notification/done", headers=OPERATOR
    )
    assert done.status_code == 200, done.text
    stats = await desk.client.get("/desk/stats?lang=en")
    assert stats.status_code == 200 and "Reports by authority" in stats.text
    assert 'data-authority="ico"' in stats.text and "ICO (UK)" in stats.text
    assert "当局別の報告" in (await desk.client.get("/desk/stats?lang=ja")).text
    rows = [row[1:] for row in csv.reader(io.StringIO((await desk.client.get("/desk/stats.csv")).text))]
    assert ["authority_reports_done", "ico", "1"] in rows
    assert ["authority_reports_due", "ppc", "2"] in rows  # the APPI preliminary and final reports
