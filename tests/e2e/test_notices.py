"""Notices end to end: real intake, escalation and notifier processes, Kafka, PostgreSQL and an SMTP server.

A report whose obligations call for every kind of notice; the drafts in both languages; internal alerts
at once and nothing external before approval; approval on the desk; each data subject mailed once in
their language; the public page and its Atom feed; the regulator drafts downloadable.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest

from tests.support.apps import service_stack
from tests.support.mail import MailSink
from tests.support.services import ServiceProcess, pidesk_cli
from tests.unit.factories import report_body

DIRECTORY_DOMAINS = ("example-holdings.example.com", "example-gmbh.example.com")


@pytest.fixture
def sink() -> Any:
    with MailSink() as running:
        yield running


@pytest.fixture
async def system(tmp_path: Path, sink: MailSink) -> AsyncIterator[dict[str, Any]]:
    services = ("intake", "escalation", "notifier")
    env = {
        "NOTIFIER_SMTP_PORT": str(sink.port),
        "NOTIFIER_RETRY_BASE_SECONDS": "0.2",
    }
    async with service_stack(tmp_path, services, env) as stack:
        yield stack


def bearer(env: dict[str, str], role: str, audience: str = "escalation") -> dict[str, str]:
    """A bearer token for one service (`escalation` or `notifier`): tokens have one audience each."""
    token = pidesk_cli("token", "issue", "--role", role, "--name", f"e2e-{role}", "--audience", audience, env=env)
    return {"Authorization": f"Bearer {token}"}


async def eventually(check: Callable[[], Any], timeout: float = 60.0, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(every)


async def test_drafts_approval_and_delivery_of_every_kind(system: dict[str, Any], sink: MailSink) -> None:
    intake: ServiceProcess = system["intake"]
    escalation: ServiceProcess = system["escalation"]
    notifier: ServiceProcess = system["notifier"]
    reader = bearer(system["env"], "auditor")
    notices_reader = bearer(system["env"], "auditor", "notifier")
    approver = bearer(system["env"], "promotion_bureau")
    body = report_body(
        affected_count=1500,
        subject_regions={"JP": 1200, "EU": 300},
        contact_info_available=False,
        occurred_at="2026-11-19T09:00:00+09:00",
    )
    async with httpx.AsyncClient(timeout=20) as client:
        posted = await client.post(f"{intake.url}/v1/reports", json=body)
        assert posted.status_code == 202, posted.text
        incident_id, reference = posted.json()["incident_id"], posted.json()["reference"]

        async def drafts() -> list[dict[str, Any]]:
            response = await client.get(
                f"{notifier.url}/v1/notices", params={"incident_id": incident_id}, headers=notices_reader
            )
            assert response.status_code == 200, response.text
            found = [n for n in response.json() if n["kind"] != "internal"]
            return found if len(found) >= 10 else []

        notices = await eventually(drafts)
        kinds = sorted((n["kind"], n["variant"], n["language"]) for n in notices)
        assert kinds == [
            ("data_subject", "subjects", "en"),
            ("data_subject", "subjects", "ja"),
            ("public", "public", "en"),
            ("public", "public", "ja"),
            ("regulator_draft", "gdpr_sa", "en"),
            ("regulator_draft", "gdpr_sa", "ja"),
            ("regulator_draft", "pmark", "en"),  # a Japanese entity holds the Privacy Mark (docs/rules.md §2b)
            ("regulator_draft", "pmark", "ja"),
            ("regulator_draft", "ppc", "en"),
            ("regulator_draft", "ppc", "ja"),
        ]
        assert all(n["status"] == "drafted" and n["recipients"]["total"] == 0 for n in notices)
        by_key = {(n["kind"], n["variant"], n["language"]): n for n in notices}
        assert reference in by_key[("data_subject", "subjects", "ja")]["subject"]

        # internal alerts go at once, to the directory's people; nothing external before approval
        assert sink.wait_for(lambda: sink.handler.count() >= 5, timeout=30)
        alert = sink.handler.messages[0].message
        assert reference in str(alert["Subject"])
        assert all(r.split("@")[1] in DIRECTORY_DOMAINS for m in sink.handler.messages for r in m.recipients)
        public_page = await client.get(f"{notifier.url}/notices/public")
        assert public_page.status_code == 200 and reference not in public_page.text
        before = {r for m in sink.handler.messages for r in m.recipients}

        # approve the data-subject notice with three people, two languages
        subject_ja = by_key[("data_subject", "subjects", "ja")]["notice_id"]
        people = [
            {"email": "taro.yamada@example.net", "name": "山田 太郎", "language": "ja"},
            {"email": "jane.doe@example.net", "name": "Jane Doe", "language": "en"},
            {"email": "hanako.suzuki@example.net", "name": "鈴木 花子", "language": "ja"},
        ]
        approve_url = f"{escalation.url}/v1/incidents/{incident_id}/notices/{subject_ja}/approve"
        approved = await client.post(approve_url, json={"recipients": people}, headers=approver)
        assert approved.status_code == 200, approved.text
        assert approved.json()["recipients"] == 3
        for key in [("public", "public", "ja"), ("public", "public", "en"), ("regulator_draft", "ppc", "ja")]:
            notice_id = by_key[key]["notice_id"]
            response = await client.post(
                f"{escalation.url}/v1/incidents/{incident_id}/notices/{notice_id}/approve", json={}, headers=approver
            )
            assert response.status_code == 200, response.text

        async def issued() -> dict[str, Any] | None:
            response = await client.get(f"{notifier.url}/v1/notices/{subject_ja}", headers=notices_reader)
            notice = response.json()
            return notice if notice["status"] == "sent" else None

        notice = await eventually(issued)
        assert notice, "the data-subject notice was not issued"
        assert notice["recipients"] == {"total": 3, "sent": 3, "failed": 0, "unconfirmed": 0, "pending": 0}
        for person in people:
            received = sink.handler.to(person["email"])
            assert len(received) == 1, person
            message = received[0].message
            text = received[0].text()
            assert reference in str(message["Subject"])
            assert person["name"] in text
            if person["language"] == "ja":
                assert "個人情報" in str(message["Subject"]) and "お問い合わせ" in text
            else:
                assert "Notice of Data Breach" in str(message["Subject"]) + text
            assert message.get_content_charset() is None or message.get_content_charset() == "utf-8"
        assert before <= {r for m in sink.handler.messages for r in m.recipients}

        # approving again with the same people sends nothing more: one message per (notice, recipient)
        again = await client.post(approve_url, json={"recipients": people}, headers=approver)
        assert again.status_code == 200
        await asyncio.sleep(2)
        assert all(len(sink.handler.to(p["email"])) == 1 for p in people)

        # the public notice, in both languages, on the page and in the feed
        async def published() -> str | None:
            page = await client.get(f"{notifier.url}/notices/public")
            return page.text if reference in page.text and 'lang="en"' in page.text else None

        page = await eventually(published)
        assert page and "<script" not in page
        feed = feedparser.parse((await client.get(f"{notifier.url}/notices/public.atom")).content)
        assert not feed.bozo, feed.bozo_exception
        entries = [e for e in feed.entries if reference in e.title]
        assert len(entries) == 2
        assert {e.get("language") or "" for e in entries} <= {"ja", "en", ""}

        # the regulator draft: downloadable Markdown with the nine items of APPI Rules Art. 8(1)
        ppc = by_key[("regulator_draft", "ppc", "ja")]["notice_id"]
        download = await client.get(f"{notifier.url}/v1/notices/{ppc}/download.md", headers=notices_reader)
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/markdown")
        assert "個人情報保護委員会" in download.text and "再発防止" in download.text

        # the desk hears of each issue on the incident's timeline
        async def on_timeline() -> list[dict[str, Any]]:
            response = await client.get(f"{escalation.url}/v1/incidents/{incident_id}", headers=reader)
            return [e for e in response.json()["timeline"] if e["kind"] == "notice_issued"]

        entries_issued = await eventually(lambda: _at_least(on_timeline, 4))
        assert entries_issued
        shown = (await client.get(f"{escalation.url}/v1/incidents/{incident_id}", headers=reader)).json()["notices"]
        on_desk = {n["notice_id"]: n for n in shown}
        assert len(on_desk) == 10 and on_desk[subject_ja]["status"] == "sent"
        assert on_desk[subject_ja]["recipients"]["sent"] == 3

        # refusals: unknown notice 404, internal alert 409, data-subject notice without recipients 422
        unknown = await client.post(
            f"{escalation.url}/v1/incidents/{incident_id}/notices/{incident_id}/approve", json={}, headers=approver
        )
        assert unknown.status_code == 404
        subject_en = by_key[("data_subject", "subjects", "en")]["notice_id"]
        empty = await client.post(
            f"{escalation.url}/v1/incidents/{incident_id}/notices/{subject_en}/approve",
            json={"recipients": []},
            headers=approver,
        )
        assert empty.status_code == 422
        assert (await client.get(f"{notifier.url}/v1/notices")).status_code == 401


async def _at_least(check: Callable[[], Any], n: int) -> Any:
    found = await check()
    return found if len(found) >= n else None
