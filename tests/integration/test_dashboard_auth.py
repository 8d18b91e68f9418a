"""Dashboard sign-in on PostgreSQL, in-process: argon2 accounts, throttling, sessions, CSRF, roles, pages."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pidesk.services.escalation.adapters.orm import AuditEntry, DeskSession, DeskUser, SignInThrottle
from pidesk.services.escalation.dashboard import events, streams
from pidesk.services.escalation.service import accounts, throttle
from pidesk.shared.db.engine import create_engine, session_factory
from tests.integration.test_desk_api import Desk
from tests.support.apps import escalation_app

SECRET = "dashboard-test-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    users = [("operator", "desk_operator"), ("auditor", "auditor"), ("山田 花子", "promotion_bureau")]
    async with escalation_app(tmp_path, "dash", SECRET, [(n, r, PASSWORD) for n, r in users]) as (client, url):
        yield Desk(client, url)  # no notifier here


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


def from_address(desk: Desk, host: str) -> httpx.AsyncClient:
    """Another browser, at another client address, on the same desk."""
    transport = desk.client._transport
    assert isinstance(transport, httpx.ASGITransport)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=transport.app, client=(host, 40000)), base_url="http://desk"
    )


def answer_of(response: httpx.Response) -> tuple[int, str]:
    """A sign-in answer without what varies by design (the form's fresh CSRF token, the typed name)."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", response.text)
    return response.status_code, re.sub(r'name="username"([^>]*)value="[^"]*"', r"\1", text)


async def test_failures_throttle_the_name_and_address_never_the_account(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real_verify = accounts._verify

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", counting)
    attacker = from_address(desk, "198.51.100.7")
    answers = [answer_of(await sign_in(attacker, "operator", f"guess {n}")) for n in range(throttle.FREE_FAILURES + 3)]
    answers.append(answer_of(await sign_in(attacker, "nobody at all", "guess")))
    assert len(verified) == len(answers)  # the same work for every failure: one argon2 verification each
    # ... and the same answer: a wrong password, an unknown name, a throttled pair
    assert {answer for answer in answers} == {answers[0]} and answers[0][0] == 401
    key = throttle.throttle_key("operator", "198.51.100.7")
    engine = create_engine(desk.url)
    async with session_factory(engine)() as session, session.begin():
        pair = await session.get(SignInThrottle, key)
        assert pair is not None and pair.failures > throttle.FREE_FAILURES and pair.blocked_until is not None
        assert pair.blocked_until - pair.last_failure_at == throttle.delay_after(pair.failures)
        pair.blocked_until = datetime.now(UTC) + timedelta(minutes=1)  # (the test is faster than a wait)
    # the pair waits: even the right password from that address is refused, alike, after the same work
    verified.clear()
    held = await sign_in(attacker, "operator")
    assert answer_of(held) == answers[0] and len(verified) == 1
    # the account's owner, elsewhere, signs in at once: failures lock nobody out
    owner = from_address(desk, "203.0.113.20")
    assert (await sign_in(owner, "operator")).status_code == 303
    async with session_factory(engine)() as session, session.begin():
        user = await session.scalar(select(DeskUser).where(DeskUser.name == "operator"))
        assert user is not None and not user.disabled
        pair = await session.get(SignInThrottle, key)
        assert pair is not None
        pair.blocked_until = datetime.now(UTC) - timedelta(seconds=1)  # the wait is over
    await engine.dispose()
    assert (await sign_in(attacker, "operator")).status_code == 303
    await attacker.aclose()
    await owner.aclose()


def test_the_wait_grows_with_each_failure_and_is_capped() -> None:
    waits = [throttle.delay_after(n) for n in range(1, 30)]
    assert waits[: throttle.FREE_FAILURES] == [timedelta(0)] * throttle.FREE_FAILURES
    assert waits == sorted(waits) and waits[throttle.FREE_FAILURES] > timedelta(0)
    assert max(waits) == throttle.MAX_DELAY and not hasattr(accounts, "LOCK_OUT")


@pytest.mark.parametrize("cookie", ["ñandú-ñandú-ñandú-ñandú", "日本語のクッキー"])
async def test_a_non_ascii_csrf_cookie_at_sign_in_is_a_4xx_never_a_500(desk: Desk, cookie: str) -> None:
    raw = {b"cookie": f"pidesk_csrf={cookie}".encode()}
    page = await desk.client.get("/desk/login", headers=raw)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token
    form = f"username=operator&password={PASSWORD}&csrf_token={token.group(1)}".replace(" ", "+")
    response = await desk.client.post(
        "/desk/login", content=form.encode(), headers={**raw, b"content-type": b"application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400 and "pidesk_desk_session" not in response.headers.get("set-cookie", "")


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


async def test_the_live_stream_ends_at_sign_out_and_is_capped_per_session(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "MAX_STREAMS_PER_SESSION", 1)
    monkeypatch.setattr(events, "EVENTS_POLL_SECONDS", 0.05)
    await sign_in(desk.client, "operator")
    board = await desk.client.get("/desk")
    live = asyncio.create_task(desk.client.get("/desk/events"))  # in-process: answered once the stream ends
    await asyncio.sleep(0.3)  # the first stream is open
    second = await asyncio.wait_for(desk.client.get("/desk/events"), timeout=5)
    assert second.status_code == 429 and second.headers["retry-after"]
    assert second.json()["error"]["code"] == "too_many_streams"
    out = await desk.client.post("/desk/logout", data={"csrf_token": csrf_of(board.text)})
    assert out.status_code == 303
    ended = await asyncio.wait_for(live, timeout=10)  # before: it kept streaming, for a signed-out browser
    assert ended.status_code == 200 and ended.text.endswith("event: signed-out\ndata: \n\n")
    await sign_in(desk.client, "operator")  # the slot was given back: a new session streams again
    again = asyncio.create_task(desk.client.get("/desk/events"))
    await asyncio.sleep(0.2)
    board = await desk.client.get("/desk")
    await desk.client.post("/desk/logout", data={"csrf_token": csrf_of(board.text)})
    assert "event: signed-out" in (await asyncio.wait_for(again, timeout=10)).text


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
