"""Dashboard sign-in on PostgreSQL, in-process: argon2 accounts, lock-out, sessions, CSRF, roles, pages."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import AuditEntry, DeskSession, DeskUser
from pidesk.services.escalation.bootstrap import build_app
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.escalation.service import accounts
from pidesk.shared.db.engine import create_engine, session_factory
from tests.integration.test_desk_api import Desk
from tests.support.infra import free_port, fresh_postgres_database, kafka_bootstrap

SECRET = "dashboard-test-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with fresh_postgres_database("dash") as url:
        await runner.upgrade(url, "escalation")
        engine = create_engine(url)
        async with session_factory(engine)() as session, session.begin():
            for name, role in (
                ("operator", "desk_operator"),
                ("auditor", "auditor"),
                ("山田 花子", "promotion_bureau"),
            ):
                await accounts.add_user(session, name, role, PASSWORD)
        await engine.dispose()
        settings = EscalationSettings(
            env="test",
            var_dir=tmp_path,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            ESCALATION_DATABASE_URL=url,
            token_secret=SECRET,
            ESCALATION_NOTIFIER_URL=f"http://127.0.0.1:{free_port()}",
        )
        transport = httpx.ASGITransport(app=build_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            yield Desk(client, url)


async def sign_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/desk/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return await client.post(
        "/desk/login", data={"username": name, "password": password, "csrf_token": token.group(1), "next": "/desk"}
    )


def csrf_of(html: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', html)
    assert found
    return found.group(1)


async def test_pages_need_a_session_and_sign_in_sets_a_strict_http_only_cookie(desk: Desk) -> None:
    client = desk.client
    redirect = await client.get("/desk/incidents/" + str(uuid.uuid4()))
    assert redirect.status_code == 303 and redirect.headers["location"].startswith(
        "/desk/login?next=%2Fdesk%2Fincidents"
    )
    wrong = await sign_in(client, "operator", "not the password")
    assert wrong.status_code == 401 and "パスワードが正しくありません" in wrong.text
    unknown = await sign_in(client, "nobody", PASSWORD)
    assert unknown.status_code == 401 and unknown.text.count("正しくありません") == 1  # same answer as above
    signed = await sign_in(client, "operator")
    assert signed.status_code == 303 and signed.headers["location"] == "/desk"
    cookie = signed.headers["set-cookie"]
    assert "pidesk_desk_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    board = await client.get("/desk")
    assert board.status_code == 200 and "operator" in board.text
    assert "script-src 'self'" in board.headers["content-security-policy"]


async def test_a_forged_login_form_is_refused(desk: Desk) -> None:
    response = await desk.client.post("/desk/login", data={"name": "operator", "password": PASSWORD})
    assert response.status_code == 400 and "pidesk_desk_session" not in response.headers.get("set-cookie", "")


async def test_five_wrong_passwords_lock_the_account_for_a_quarter_of_an_hour(desk: Desk) -> None:
    for _ in range(accounts.MAX_FAILURES - 1):
        assert (await sign_in(desk.client, "operator", "wrong")).status_code == 401
    locked = await sign_in(desk.client, "operator", "wrong")
    assert "ロックされています" in locked.text
    still = await sign_in(desk.client, "operator")  # the right password does not open a locked account
    assert still.status_code == 401 and "ロックされています" in still.text
    engine = create_engine(desk.url)
    async with session_factory(engine)() as session, session.begin():
        user = await session.scalar(select(DeskUser).where(DeskUser.name == "operator"))
        assert user is not None and user.locked_until is not None
        assert timedelta(minutes=14) < user.locked_until - datetime.now(UTC) <= timedelta(minutes=15)
        user.locked_until = datetime.now(UTC) - timedelta(seconds=1)  # the quarter of an hour has passed
    await engine.dispose()
    assert (await sign_in(desk.client, "operator")).status_code == 303


async def test_the_session_acts_on_the_desk_api_only_with_its_csrf_token(desk: Desk) -> None:
    incident_id = await desk.incident()
    await sign_in(desk.client, "operator")
    page = await desk.client.get(f"/desk/incidents/{incident_id}")
    assert page.status_code == 200 and 'data-action="acknowledge"' in page.text
    url = f"/v1/incidents/{incident_id}/acknowledge"
    forged = await desk.client.post(url)
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"
    done = await desk.client.post(url, headers={"X-CSRF-Token": csrf_of(page.text)})
    assert done.status_code == 200 and done.json()["acknowledged_by"] == "desk_operator:operator"
    assert (await desk.client.get(f"/v1/incidents/{incident_id}")).status_code == 200  # reads need no token

    # signing out ends the session on the server, not only in the browser
    board = await desk.client.get("/desk")
    cookie = desk.client.cookies.get("pidesk_desk_session")
    out = await desk.client.post("/desk/logout", data={"csrf_token": csrf_of(board.text)})
    assert out.status_code == 303
    desk.client.cookies.set("pidesk_desk_session", cookie or "")
    assert (await desk.client.get("/desk")).status_code == 303
    engine = create_engine(desk.url)
    async with session_factory(engine)() as session:
        assert (await session.scalars(select(DeskSession))).all() == []
        audited = (await session.scalars(select(AuditEntry.path))).all()
    await engine.dispose()
    assert f"/desk/incidents/{incident_id}" in audited and url in audited


async def test_the_auditor_sees_the_incident_with_no_action_buttons(desk: Desk) -> None:
    incident_id = await desk.incident()
    await sign_in(desk.client, "auditor")
    page = await desk.client.get(f"/desk/incidents/{incident_id}?lang=en")
    assert page.status_code == 200 and "data-action=" not in page.text
    assert "you can see everything and change nothing" in page.text
    refused = await desk.client.post(
        f"/v1/incidents/{incident_id}/acknowledge", headers={"X-CSRF-Token": csrf_of(page.text)}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


async def test_board_stats_and_csv_in_both_languages(desk: Desk) -> None:
    first = await desk.incident(1)
    await desk.incident(2, data_categories=["name", "health"], affected_count=2000)
    await sign_in(desk.client, "山田 花子")
    board = await desk.client.get("/desk?lang=en")
    assert board.status_code == 200 and "Open incidents" in board.text and 'lang="en"' in board.text
    assert board.text.index("PI-2026-000002") < board.text.index("PI-2026-000001")  # riskier first
    filtered = await desk.client.get("/desk/board", params={"risk": "medium"})
    assert "PI-2026-000001" in filtered.text and "PI-2026-000002" not in filtered.text
    japanese = await desk.client.get("/desk")  # the language choice is remembered, and can be switched back
    assert "Open incidents" in japanese.text
    assert "対応中のインシデント" in (await desk.client.get("/desk?lang=ja")).text
    stats = await desk.client.get("/desk/stats")
    assert stats.status_code == 200 and "<svg" in stats.text and "年度" in stats.text
    exported = await desk.client.get("/desk/stats.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0] == "fiscal_year,dimension,value,count" and any(",incidents,total,2" in line for line in lines)
    assert str(first)
