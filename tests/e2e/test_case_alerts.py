"""Issue 17 end to end: routing a case tells its people. Real intake, escalation and notifier processes,
Kafka, PostgreSQL and SMTP. A government request under a confidentiality order and a privacy complaint are
filed through intake's API; the division manager (the request's first tier) and the contact desk and
promotion bureau (the complaint's) are mailed at once, in their languages, with the reference and the
case's desk link — and nothing of the authority, the instrument, the data, the complainant or the words.
The desk's acknowledgement tells the next tier, once; a mail goes once per tier and person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_cases_thin_path import PERSON, SECRET_AUTHORITY, SUBMITTER, WORDS, request_body, shown
from tests.e2e.test_notices import bearer, eventually
from tests.support.apps import mailing_stack
from tests.support.mail import MailSink, Received
from tests.support.services import ServiceProcess

# the example directory (services/escalation/policy/example_directory.yaml), group office "Head office":
DIVISION_MANAGER = "hiroshi.watanabe@example-holdings.example.com"  # Sales has no manager of its own: the default (ja)
PI_ADMINISTRATOR = "ken.sasaki@example-holdings.example.com"  # ja
CONTACT_DESK = "security-desk@example-holdings.example.com"  # ja
BUREAU_EN = "minjun.lee@example-holdings.example.com"  # en
CONTACT = "tanaka.complainant@example.net"
# what a case's mail must never carry
NEVER = (SECRET_AUTHORITY, "GAG-MARKER", WORDS, "CASE-WORDS-MARKER", PERSON, "PERSON-MARKER", "FILE-123", CONTACT)


@pytest.fixture
async def system(tmp_path: Path, sink: MailSink) -> AsyncIterator[dict[str, Any]]:
    async with mailing_stack(tmp_path, sink) as stack:
        yield stack


def mails(sink: MailSink, address: str, reference: str) -> list[Received]:
    return [m for m in sink.handler.to(address) if reference in (m.message["Subject"] or "")]


def detail_free(mail: Received) -> str:
    text = f"{mail.message['Subject']}\n{mail.text()}"
    for marker in NEVER:
        assert marker not in text, f"a case's mail carried {marker!r}"
    for detail in ("court order", "court_order", "令状", "communications", "通信", "Federal Bureau"):
        assert detail not in text, f"a case's mail carried {detail!r}"
    return text


async def test_routing_a_case_mails_its_people_once_and_detail_free(system: dict[str, Any], sink: MailSink) -> None:
    intake: ServiceProcess = system["intake"]
    escalation: ServiceProcess = system["escalation"]
    notifier: ServiceProcess = system["notifier"]
    officer = bearer(system["env"], "officer")
    desk = f"{escalation.url}/desk"
    async with httpx.AsyncClient(timeout=30) as client:
        body = request_body(authority=SECRET_AUTHORITY, confidential=True, instrument="court_order")
        posted = await client.post(f"{intake.url}/v1/government-requests", json=body)
        assert posted.status_code == 202, posted.text
        request_id, request_ref = posted.json()["case_id"], posted.json()["reference"]
        complaint = {
            "submitted_by": {**SUBMITTER, "division": "Customer Support"},
            "complainant_kind": "individual",
            "complainant_name": PERSON,
            "complainant_contact": CONTACT,
            "request_kind": "appi_disclosure_request",
            "received_at": body["received_at"],
            "data_categories": ["email"],
            "subject_regions": ["JP"],
            "summary": WORDS,
        }
        posted = await client.post(f"{intake.url}/v1/complaints", json=complaint)
        assert posted.status_code == 202, posted.text
        complaint_id, complaint_ref = posted.json()["case_id"], posted.json()["reference"]

        # the request's first tier: its division manager, in Japanese, with the case's desk page
        assert sink.wait_for(lambda: mails(sink, DIVISION_MANAGER, request_ref), timeout=90), "no mail to the manager"
        (first,) = mails(sink, DIVISION_MANAGER, request_ref)
        text = detail_free(first)
        assert "政府・捜査機関からの情報提供要請" in text and "部門長（第1段階）" in text
        assert f"{desk}/government-requests/{request_id}" in text and "受領確認の期限" in text

        # the complaint's targets: the contact desk (Japanese) and each person of the promotion bureau
        for address in (CONTACT_DESK, BUREAU_EN):
            assert sink.wait_for(lambda a=address: mails(sink, a, complaint_ref), timeout=60), address
        text = detail_free(mails(sink, BUREAU_EN, complaint_ref)[0])
        assert f"A privacy complaint, **{complaint_ref}**, needs you as" in text
        assert f"{desk}/complaints/{complaint_id}" in text and "Acknowledge by:" in text
        detail_free(mails(sink, CONTACT_DESK, complaint_ref)[0])

        # the desk acknowledges the request: its next tier (the PI administrator) is told, once
        assert (await shown(client, f"{escalation.url}/v1/government-requests/{request_id}", officer))["confidential"]
        acked = await client.post(f"{escalation.url}/v1/government-requests/{request_id}/acknowledge", headers=officer)
        assert acked.status_code == 200, acked.text
        assert sink.wait_for(lambda: mails(sink, PI_ADMINISTRATOR, request_ref), timeout=60), "no mail to the admin"
        text = detail_free(mails(sink, PI_ADMINISTRATOR, request_ref)[0])
        assert "個人情報保護管理者（第2段階）" in text and f"{desk}/government-requests/{request_id}" in text

        # every alert of both cases delivered (the notices API), then: one mail per tier and person
        notices = bearer(system["env"], "auditor", "notifier")

        async def delivered() -> bool:
            for case_id in (request_id, complaint_id):
                listed = await client.get(
                    f"{notifier.url}/v1/notices", params={"incident_id": case_id}, headers=notices
                )
                items = listed.json() if listed.status_code == 200 else []
                if not items or any(n["status"] != "sent" for n in items):
                    return False
            return True

        assert await eventually(delivered, timeout=60)
    assert [len(mails(sink, a, request_ref)) for a in (DIVISION_MANAGER, PI_ADMINISTRATOR)] == [1, 1]
    assert [len(mails(sink, a, complaint_ref)) for a in (CONTACT_DESK, BUREAU_EN)] == [1, 1]
    for service in (escalation, notifier):
        log = service.log_text()
        for marker in ("GAG-MARKER", "CASE-WORDS-MARKER", "PERSON-MARKER", CONTACT):
            assert marker not in log, f"{service.service} logged {marker}"
