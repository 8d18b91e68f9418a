"""Issue 12 item 8: the public pages send security headers, the Atom feed links to the configured
public address (never the Host header), and the CSRF cookie is Secure in production."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from pidesk.migrations import runner
from pidesk.services.escalation.bootstrap import build_app as escalation_app
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.intake.bootstrap import build_app as intake_app
from pidesk.services.intake.config import IntakeSettings
from pidesk.services.notifier.bootstrap import build_app as notifier_app
from pidesk.services.notifier.config import NotifierSettings
from tests.support.infra import fresh_postgres_database, kafka_bootstrap

PUBLIC_URL = "https://notices.example.co.jp/pidesk"
PRODUCTION_SECRETS = {
    "token_secret": "t" * 48,
    "INTAKE_ENCRYPTION_KEYS": "k1:" + base64.b64encode(b"k" * 32).decode(),
    "INTAKE_CSRF_SECRET": "c" * 48,
}


def client_of(app: FastAPI, base: str = "http://service") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


def assert_secure_page(response: httpx.Response) -> None:
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    # every inline style of the page is admitted by its hash, and nothing else is
    for style in re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "'unsafe-inline'" not in policy


@pytest.fixture
async def notifier(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with fresh_postgres_database("public_pages") as url:
        await runner.upgrade(url, "notifier")
        settings = NotifierSettings(
            env="test",
            var_dir=tmp_path,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            NOTIFIER_DATABASE_URL=url,
            NOTIFIER_PUBLIC_URL=PUBLIC_URL,
        )
        async with client_of(notifier_app(settings), "http://evil.example") as client:
            yield client


async def test_the_public_notices_page_and_feed_send_security_headers(notifier: httpx.AsyncClient) -> None:
    page = await notifier.get("/notices/public")
    assert page.status_code == 200
    assert_secure_page(page)
    feed = await notifier.get("/notices/public.atom", headers={"Host": "evil.example"})
    assert feed.status_code == 200 and feed.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in feed.headers["content-security-policy"]
    assert f'href="{PUBLIC_URL}/notices/public.atom"' in feed.text and "evil.example" not in feed.text


async def test_the_report_form_sends_security_headers(tmp_path: Path) -> None:
    async with client_of(intake_app(IntakeSettings(env="test", var_dir=tmp_path))) as client:
        form = await client.get("/report")
        assert form.status_code == 200
        assert_secure_page(form)
        refused = await client.post("/report", data={"csrf_token": "forged", "lang": "en"})
        assert refused.status_code == 403
        assert_secure_page(refused)


async def test_the_csrf_cookie_is_secure_in_production_even_behind_a_tls_proxy(tmp_path: Path) -> None:
    production = {"env": "production", "var_dir": tmp_path, **PRODUCTION_SECRETS}
    for app, path in (
        (intake_app(IntakeSettings(**production)), "/report"),
        (escalation_app(EscalationSettings(**production)), "/desk/login"),
    ):
        async with client_of(app) as client:  # plain http: TLS ended at the proxy
            cookie = (await client.get(path)).headers["set-cookie"]
            assert cookie.startswith("pidesk_csrf=") and "Secure" in cookie, path
    async with client_of(intake_app(IntakeSettings(env="test", var_dir=tmp_path))) as client:
        assert "Secure" not in (await client.get("/report")).headers["set-cookie"]  # local http development
