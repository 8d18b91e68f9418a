"""The notices API in-process on PostgreSQL: tokens, roles, editing a draft, the audit log, the public page."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import feedparser
import httpx
import pytest
from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.notifier.adapters.orm import AuditEntry
from pidesk.services.notifier.bootstrap import build_app
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.service import drafting, issuing
from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import Role
from tests.integration.test_notice_delivery_service import Notifier, approval, assessment, reported_and_assessed
from tests.support.infra import fresh_postgres_database, kafka_bootstrap

SECRET = "notices-api-test-secret-0123456789abcdef"


def token(role: Role) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {issue_token(SECRET, name=f'{role.value}-tester', role=role, audience='notifier')}"
    }


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Notifier]]:
    async with fresh_postgres_database("notices_api") as url:
        await runner.upgrade(url, "notifier")
        settings = NotifierSettings(
            env="test",
            var_dir=tmp_path,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            NOTIFIER_DATABASE_URL=url,
            token_secret=SECRET,
        )
        service = Notifier(url, settings)
        transport = httpx.ASGITransport(app=build_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as client:
            yield client, service
        await service.engine.dispose()


async def test_reading_needs_a_token_and_editing_needs_an_approvers_role(
    api: tuple[httpx.AsyncClient, Notifier],
) -> None:
    client, notifier = api
    incident_id = await reported_and_assessed(notifier)
    assert (await client.get("/v1/notices")).status_code == 401
    listed = await client.get("/v1/notices", params={"incident_id": str(incident_id)}, headers=token(Role.AUDITOR))
    assert listed.status_code == 200 and len(listed.json()) == 4
    notice = next(n for n in listed.json() if n["kind"] == "data_subject" and n["language"] == "en")
    assert notice["status"] == "drafted" and notice["gaps"] > 0 and notice["channel"] == "email"
    url = f"/v1/notices/{notice['notice_id']}"
    detail = (await client.get(url, headers=token(Role.DESK_OPERATOR))).json()
    assert "<h1>" in detail["body_html"] and detail["body"].startswith("# Notice of Data Breach")

    edit = {"body": "# Notice of Data Breach\n\nThe cause: a mis-addressed e-mail.\n"}
    assert (await client.put(url, json=edit, headers=token(Role.DESK_OPERATOR))).status_code == 403
    assert (await client.put(url, json=edit, headers=token(Role.AUDITOR))).status_code == 403
    assert (await client.put(url, json={"body": ""}, headers=token(Role.PI_ADMINISTRATOR))).status_code == 422
    edited = await client.put(url, json=edit, headers=token(Role.PROMOTION_BUREAU))
    assert edited.status_code == 200 and edited.json()["gaps"] == 0 and edited.json()["edited_by"]
    missing = await client.put(f"/v1/notices/{uuid.uuid4()}", json=edit, headers=token(Role.PI_ADMINISTRATOR))
    assert missing.status_code == 404

    await notifier.apply(
        lambda s: issuing.approve(
            s,
            incident_id,
            approval(uuid.UUID(notice["notice_id"]), [("a@x.test", "", "en")]),
            "x",
            people=notifier.people,
        )
    )
    locked = await client.put(url, json=edit, headers=token(Role.PI_ADMINISTRATOR))
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "not_a_draft"
    recipients = (await client.get(f"{url}/recipients", headers=token(Role.AUDITOR))).json()["items"]
    assert [(r["address"], r["status"]) for r in recipients] == [("a@x.test", "pending")]

    async with notifier.sessions() as session:
        audited = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(a.method, a.status) for a in audited][:2] == [("GET", 401), ("GET", 200)]
    assert audited[1].incident_id == incident_id and audited[1].role == "auditor"


async def test_the_public_page_lists_only_issued_public_notices(api: tuple[httpx.AsyncClient, Notifier]) -> None:
    client, notifier = api
    page = await client.get("/notices/public")
    assert page.status_code == 200 and "お知らせはありません" in page.text
    feed = feedparser.parse((await client.get("/notices/public.atom")).content)
    assert not feed.bozo and feed.entries == []

    incident_id = await reported_and_assessed(notifier)
    codes = ("appi.notify_individuals", "appi.public_announcement")
    contact = notifier.settings.contact
    await notifier.apply(lambda s: drafting.record_assessed(s, incident_id, assessment(2, codes), contact))
    drafts = await notifier.notices(incident_id)
    japanese, english = drafts[("public", "public", "ja")], drafts[("public", "public", "en")]
    await notifier.apply(
        lambda s: issuing.approve(s, incident_id, approval(japanese.id, []), "x", people=notifier.people)
    )
    page = await client.get("/notices/public")
    assert japanese.subject in page.text and english.subject not in page.text  # the English one is a draft
    assert 'lang="ja"' in page.text and "PI-2026-000042" in page.text
    feed = feedparser.parse((await client.get("/notices/public.atom")).content)
    assert not feed.bozo and [e.title for e in feed.entries] == [japanese.subject]
    assert feed.entries[0].id == f"urn:uuid:{japanese.id}"
