"""Issue 14 item 6: the dashboard's company sign-in — OIDC code flow with PKCE — in real Chromium, against
a real OpenID Connect provider (NAV's mock-oauth2-server, run from its Maven Central jars by
deploy/local-oidc/oidc.sh) and escalation as a real process on the real broker and PostgreSQL.

The provider is reached as `localhost` and the desk as `127.0.0.1`: two sites, as in production, so
the browser treats the provider's answer as a cross-site navigation (the case where a SameSite=Strict
session cookie set on a redirect would be withheld).

Screenshots go to var/test-artifacts/ (or $PIDESK_TEST_ARTIFACTS): see SCREENSHOTS below.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
from playwright.async_api import Page, expect

from tests.support.browser import artifacts_dir, chromium
from tests.support.infra import REPO_ROOT, free_port, fresh_postgres_database, kafka_bootstrap
from tests.support.kafka import groups_of_our_own
from tests.support.services import ServiceProcess, pidesk_cli

PROVIDER_SCRIPT = Path(REPO_ROOT) / "deploy" / "local-oidc" / "oidc.sh"
CLIENT_ID = "pidesk-desk"
# the order is the precedence: someone in both groups is an officer
ROLE_MAP = {"pidesk-officers": "officer", "pidesk-desk": "desk_operator"}
PASSWORD = "correct horse battery staple"
SCREENSHOTS = (
    "oidc-01-sign-in-page-en.png",
    "oidc-02-provider-login.png",
    "oidc-03-signed-in-board-en.png",
    "oidc-04-no-role-refused-en.png",
)


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The provider's issuer URL (its jars fetched on first use, like the local Kafka's)."""
    if not (shutil.which("java") and shutil.which("mvn")):
        pytest.skip("the OIDC provider needs java and maven (deploy/local-oidc/oidc.sh)")
    port = free_port()
    env = {**os.environ, "OIDC_PORT": str(port), "OIDC_DATA_DIR": str(tmp_path_factory.mktemp("oidc"))}
    subprocess.run(["bash", str(PROVIDER_SCRIPT), "start"], env=env, check=True, timeout=900)
    try:
        yield f"http://localhost:{port}/pidesk"
    finally:
        subprocess.run(["bash", str(PROVIDER_SCRIPT), "stop"], env=env, check=False, timeout=60)


@pytest.fixture
async def desk(tmp_path: Path, provider: str) -> AsyncIterator[tuple[ServiceProcess, str]]:
    """Escalation signing in with the provider, and one break-glass desk account: (process, database URL)."""
    async with fresh_postgres_database("e2e_oidc") as url:
        env = {
            "PIDESK_ENV": "test",
            "PIDESK_VAR_DIR": str(tmp_path / "var"),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
            "PIDESK_CONSUMER_GROUP_SUFFIX": await groups_of_our_own(("escalation",)),
            "ESCALATION_DATABASE_URL": url,
            "ESCALATION_OIDC_ISSUER": provider,
            "ESCALATION_OIDC_CLIENT_ID": CLIENT_ID,
            "ESCALATION_OIDC_CLIENT_SECRET": "a-secret-the-mock-provider-accepts",
            "ESCALATION_OIDC_ROLE_MAP": json.dumps(ROLE_MAP),
        }
        assert "escalation: at" in pidesk_cli("db", "upgrade", "--service", "escalation", env=env)
        process = ServiceProcess("escalation", env, tmp_path)
        process.env["ESCALATION_DESK_URL"] = f"{process.url}/desk"  # the redirect URL is derived from it
        subprocess.run(
            [sys.executable, "-m", "pidesk", "user", "add", "kanri", "--role", "pi_administrator", "--password-stdin"],
            input=PASSWORD + "\n",
            env=process.env,
            cwd=REPO_ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        process.start()
        try:
            yield process, url
        finally:
            process.stop()


async def company_sign_in(page: Page, base: str, provider: str, username: str, groups: list[str]) -> None:
    """From the desk's sign-in page through the provider's login form, as a person would."""
    await page.get_by_role("link", name="Sign in with your company account").click()
    await expect(page).to_have_url(re.compile(re.escape(f"{provider}/authorize?")))
    asked = parse_qs(urlsplit(page.url).query)
    assert asked["response_type"] == ["code"] and asked["client_id"] == [CLIENT_ID]
    assert asked["redirect_uri"] == [f"{base}/desk/login/oidc/callback"]
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) == 43
    assert "code_verifier" not in asked  # the verifier never leaves the desk until the token request
    assert asked["state"][0] and asked["nonce"][0] and "openid" in asked["scope"][0].split()
    await page.locator('input[name="username"]').fill(username)
    await page.locator('textarea[name="claims"]').fill(json.dumps({"groups": groups}))


async def test_company_sign_in_maps_a_group_to_a_role(desk: tuple[ServiceProcess, str], provider: str) -> None:
    process, database_url = desk
    base = process.url
    shots = artifacts_dir()
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-GB")
        await page.goto(f"{base}/desk?lang=en")
        await expect(page).to_have_url(f"{base}/desk/login?next=%2Fdesk%3Flang%3Den")
        await expect(page.get_by_role("link", name="Sign in with your company account")).to_be_visible()
        await expect(page.get_by_label("User name")).to_be_visible()  # break-glass stays
        await page.screenshot(path=shots / SCREENSHOTS[0], full_page=True)

        # a person in an unmapped group and in the desk's group signs in as a desk operator
        await company_sign_in(page, base, provider, "alice", ["all-staff", "pidesk-desk"])
        await page.screenshot(path=shots / SCREENSHOTS[1], full_page=True)
        await page.locator('input[type="submit"]').click()
        await expect(page.locator("h1")).to_have_text("Open incidents")
        await expect(page).to_have_url(f"{base}/desk?lang=en")
        await expect(page.locator(".who")).to_contain_text("oidc:alice")
        await expect(page.locator(".who .role")).to_have_text("desk_operator")
        await page.screenshot(path=shots / SCREENSHOTS[2], full_page=True)

        # the session is the desk's own: the API answers to its cookie, as for a password sign-in
        cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
        assert "pidesk_oidc_flow" not in cookies  # the flow is over
        async with httpx.AsyncClient(
            base_url=base, cookies={"pidesk_desk_session": cookies["pidesk_desk_session"]}
        ) as c:
            assert (await c.get("/v1/incidents")).status_code == 200

        # the role follows the groups at each sign-in; in both mapped groups, the first mapping wins
        await page.get_by_role("button", name="Sign out").click()
        await expect(page).to_have_url(re.compile(re.escape(f"{base}/desk/login")))
        await company_sign_in(page, base, provider, "alice", ["pidesk-desk", "pidesk-officers"])
        await page.locator('input[type="submit"]').click()
        await expect(page.locator(".who .role")).to_have_text("officer")
        await expect(page.locator(".who")).to_contain_text("oidc:alice")

    # one account, bound to the provider's subject: no password signs in to it
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await connection.fetch("SELECT name, role, password_hash FROM desk_users WHERE name LIKE 'oidc:%'")
        audited = await connection.fetch(
            "SELECT actor, role, status, path FROM audit_log WHERE path LIKE '/desk/login/oidc/callback%' ORDER BY id"
        )
    finally:
        await connection.close()
    assert [(r["name"], r["role"]) for r in rows] == [("oidc:alice", "officer")]
    # the provider's one-time code and the sign-in's state are credentials: named in the log, never kept
    for entry in audited:
        query = dict(pair.split("=", 1) for pair in entry["path"].split("?", 1)[1].split("&"))
        assert query["code"] == "[redacted]" and query["state"] == "[redacted]", entry["path"]
    # each sign-in is in the audit log under the name and role it signed in with
    assert [(r["actor"], r["role"], r["status"]) for r in audited] == [
        ("oidc:alice", "desk_operator", 200),
        ("oidc:alice", "officer", 200),
    ]
    assert rows[0]["password_hash"].startswith("!oidc:")
    async with httpx.AsyncClient(base_url=base) as client:
        form = await client.get("/desk/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        for password in (rows[0]["password_hash"], PASSWORD, ""):
            answer = await client.post(
                "/desk/login",
                data={"username": "oidc:alice", "password": password, "csrf_token": token.group(1), "next": "/desk"},
            )
            assert answer.status_code == 401, password


async def test_no_mapped_group_is_refused_and_break_glass_still_works(
    desk: tuple[ServiceProcess, str], provider: str
) -> None:
    process, database_url = desk
    base = process.url
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-GB")
        await page.goto(f"{base}/desk/login?lang=en")
        await company_sign_in(page, base, provider, "mallory", ["all-staff", "marketing"])
        async with page.expect_response(re.compile(r"/desk/login/oidc/callback")) as answered:
            await page.locator('input[type="submit"]').click()
        assert (await answered.value).status == 403
        await expect(page.get_by_role("alert")).to_contain_text("none of your groups gives you a role on the desk")
        await page.screenshot(path=artifacts_dir() / SCREENSHOTS[3], full_page=True)
        await page.goto(f"{base}/desk")
        await expect(page).to_have_url(re.compile(re.escape(f"{base}/desk/login")))  # no session

        # the break-glass password sign-in, on the same page
        await page.get_by_label("User name").fill("kanri")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await expect(page.locator(".who .role")).to_have_text("pi_administrator")

    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        names = [r["name"] for r in await connection.fetch("SELECT name FROM desk_users ORDER BY name")]
        audited = await connection.fetch(
            "SELECT actor, status FROM audit_log WHERE path LIKE '/desk/login/oidc/callback%' ORDER BY id"
        )
    finally:
        await connection.close()
    assert names == ["kanri"]  # no account for someone the desk has no role for
    assert [(r["actor"], r["status"]) for r in audited] == [("anonymous", 403)]


async def test_an_answer_not_for_this_browser_is_refused(desk: tuple[ServiceProcess, str], provider: str) -> None:
    """A forged or replayed answer (no flow of this browser, or another flow's state) signs no one in."""
    process, _url = desk
    async with httpx.AsyncClient(base_url=process.url) as client:
        forged = await client.get("/desk/login/oidc/callback", params={"code": "stolen", "state": "guessed"})
        assert forged.status_code == 400
        assert "pidesk_desk_session" not in forged.cookies
        started = await client.get("/desk/login/oidc", params={"next": "/desk"})
        assert started.status_code == 303 and started.headers["location"].startswith(f"{provider}/authorize?")
        assert "pidesk_oidc_flow" in client.cookies
        other_state = await client.get("/desk/login/oidc/callback", params={"code": "stolen", "state": "guessed"})
        assert other_state.status_code == 400
        assert "did not complete" in other_state.text or "完了できませんでした" in other_state.text
