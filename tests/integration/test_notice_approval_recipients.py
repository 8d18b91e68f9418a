"""Issue 12, items 1 and 17: every recipient of an approval is checked on the desk (422 naming the CSV line or
the JSON index and the reason), an unreadable CSV is a 422 and not a 500, and the incident and notice are
looked up (404) before the recipients are read."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import httpx
import pytest

from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.service.desk import DeskError, approve_notice
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import NoticeRecipient
from pidesk.shared.http.errors import STATUS_OF
from pidesk.shared.vocabulary import Role
from tests.integration.test_desk_api import Desk, desk, token

__all__ = ["desk"]  # the fixture


def url(incident_id: str, notice_id: uuid.UUID) -> str:
    return f"/v1/incidents/{incident_id}/notices/{notice_id}/approve"


async def post_csv(desk: Desk, incident_id: str, notice_id: uuid.UUID, text: str) -> httpx.Response:
    headers = {**token(Role.PROMOTION_BUREAU), "content-type": "text/csv"}
    return await desk.client.post(url(incident_id, notice_id), headers=headers, content=text.encode())


async def test_a_bad_csv_address_is_refused_naming_its_line(desk: Desk) -> None:
    incident_id = await desk.incident()
    notice_id = await desk.notice(incident_id)
    rows = [
        "email,name,language",
        "good@example.com,Good,en",
        "jöhn@example.de,Jöhn,en",  # SMTPUTF8: a valid address
        "山田@例え.jp,山田,ja",
        '"a\x0bb@example.com",Vertical Tab,en',
        '"x@example.com\r\nRCPT TO:<evil@example.net>",Injected,en',
        "not-an-address,Nobody,ja",
    ]
    response = await post_csv(desk, incident_id, notice_id, "\n".join(rows) + "\n")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_recipient"
    lines = [d["loc"] for d in error["details"]]
    assert lines == [["line", 5, "email"], ["line", 7, "email"], ["line", 8, "email"]]
    assert "control character" in error["details"][0]["msg"]
    assert "control character" in error["details"][1]["msg"]
    assert error["details"][2]["msg"].startswith("not an e-mail address")
    assert await desk.outbox("pidesk.notice.requested") == []  # nothing approved

    good = await post_csv(desk, incident_id, notice_id, "\n".join([*rows[:4]]) + "\n")
    assert good.status_code == 200 and good.json()["recipients"] == 3


async def test_a_bad_json_address_is_refused_naming_its_index(desk: Desk) -> None:
    incident_id = await desk.incident()
    notice_id = await desk.notice(incident_id)
    people = [
        {"email": "ok@example.com"},
        {"email": "a\u000bb@example.com"},
        {"email": "ok2@example.com", "name": "Line\nBreak"},
    ]
    response = await desk.client.post(
        url(incident_id, notice_id), headers=token(Role.PI_ADMINISTRATOR), json={"recipients": people}
    )
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert [d["loc"] for d in details] == [["recipients", 1, "email"], ["recipients", 2, "name"]]
    assert await desk.outbox("pidesk.notice.requested") == []


async def test_an_oversized_csv_field_is_a_422_and_not_a_500(desk: Desk) -> None:
    incident_id = await desk.incident()
    notice_id = await desk.notice(incident_id)
    big = "x" * (130 * 1024)
    response = await post_csv(desk, incident_id, notice_id, f'email,name\nok@example.com,"{big}"\n')
    assert response.status_code in (413, 422), response.text
    assert response.json()["error"]["code"] in ("malformed_csv", "payload_too_large")


async def test_the_incident_and_notice_are_looked_up_before_the_csv_is_read(desk: Desk) -> None:
    incident_id = await desk.incident()
    notice_id = await desk.notice(incident_id)
    unreadable = f'email,name\nok@example.com,"{"x" * (130 * 1024)}"\n'
    no_incident = await post_csv(desk, str(uuid.uuid4()), notice_id, unreadable)
    assert no_incident.status_code == 404 and no_incident.json()["error"]["code"] == "not_found"
    other = await desk.incident(2)
    not_its_notice = await post_csv(desk, other, notice_id, "name\nX\n")
    assert not_its_notice.status_code == 404, not_its_notice.text
    assert not_its_notice.json()["error"]["code"] == "notice_not_found"


async def test_the_desk_service_refuses_a_bad_recipient_whoever_calls_it(desk: Desk) -> None:
    incident_id = await desk.incident()
    notice_id = await desk.notice(incident_id)
    engine = create_engine(desk.url)
    approver = SimpleNamespace(name="bureau", role=Role.PROMOTION_BUREAU)
    people = [NoticeRecipient(email="ok@example.com"), NoticeRecipient(email="x@example.com\nBcc: y@example.net")]
    try:
        with pytest.raises(DeskError) as refused:
            await approve_notice(
                EscalationUnitOfWork(session_factory(engine)),
                uuid.UUID(incident_id),
                notice_id,
                people,
                approver,
                utcnow(),
            )
    finally:
        await engine.dispose()
    assert refused.value.code == "invalid_recipient" and STATUS_OF[refused.value.code] == 422
    assert refused.value.message.startswith("recipient 2: email: ")
    assert await desk.outbox("pidesk.notice.requested") == []
