"""The desk dashboard in real headless Chromium against the real services, Kafka, PostgreSQL and SMTP.

Screenshots go to var/test-artifacts/ (or $PIDESK_TEST_ARTIFACTS): see SCREENSHOTS below.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.test_notices import bearer, eventually
from tests.support.apps import service_stack
from tests.support.browser import artifacts_dir, chromium
from tests.support.infra import REPO_ROOT
from tests.support.mail import MailSink
from tests.unit.factories import report_body

PASSWORD = "correct horse battery staple"
USERS = {"sato": "desk_operator", "yamamoto": "promotion_bureau", "audit": "auditor"}
SCREENSHOTS = (
    "dashboard-01-sign-in-ja.png",
    "dashboard-02-board-live-ja.png",
    "dashboard-03-incident-acknowledged-ja.png",
    "dashboard-04-notice-preview-en.png",
    "dashboard-05-auditor-read-only-en.png",
    "dashboard-06-statistics-tablet-ja.png",
)


@pytest.fixture
def sink() -> Any:
    with MailSink() as running:
        yield running


@pytest.fixture
async def system(tmp_path: Path, sink: MailSink) -> AsyncIterator[dict[str, Any]]:
    env = {"NOTIFIER_SMTP_PORT": str(sink.port)}
    async with service_stack(tmp_path, ("intake", "escalation", "notifier"), env) as stack:
        for name, role in USERS.items():
            subprocess.run(
                [sys.executable, "-m", "pidesk", "user", "add", name, "--role", role, "--password-stdin"],
                input=PASSWORD + "\n",
                env={**stack["escalation"].env},
                cwd=REPO_ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
        yield stack


async def sign_in(page: Page, base: str, name: str, lang: str = "ja") -> None:
    await page.goto(f"{base}/desk?lang={lang}")
    await expect(page).to_have_url(f"{base}/desk/login?next=%2Fdesk%3Flang%3D{lang}")
    await page.get_by_label("ユーザー名" if lang == "ja" else "User name").fill(name)
    await page.get_by_label("パスワード" if lang == "ja" else "Password").fill(PASSWORD)
    await page.get_by_role("button", name="サインイン" if lang == "ja" else "Sign in").click()
    await expect(page.locator("h1")).to_have_text("対応中のインシデント" if lang == "ja" else "Open incidents")


async def test_the_desk_works_in_a_real_browser(system: dict[str, Any], sink: MailSink) -> None:
    intake, escalation, notifier = system["intake"], system["escalation"], system["notifier"]
    base = escalation.url
    shots = artifacts_dir()
    reader = bearer(system["env"], "auditor", "notifier")
    async with chromium() as browser, httpx.AsyncClient(timeout=20) as client:
        # the operator signs in (a wrong password first), in Japanese
        operator = await browser.new_page(viewport={"width": 1366, "height": 900}, locale="ja-JP")
        await operator.goto(f"{base}/desk/login")
        await operator.get_by_label("ユーザー名").fill("sato")
        await operator.get_by_label("パスワード").fill("wrong password")
        await operator.get_by_role("button", name="サインイン").click()
        await expect(operator.get_by_role("alert")).to_contain_text("正しくありません")
        await operator.screenshot(path=shots / SCREENSHOTS[0], full_page=True)
        await sign_in(operator, base, "sato")
        await expect(operator.locator("#live")).to_have_text("自動更新中")

        # a new incident appears on the open board without a reload
        aware_at = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
        body = report_body(affected_count=1500, subject_regions={"JP": 1500}, aware_at=aware_at)
        posted = await client.post(f"{intake.url}/v1/reports", json=body)
        assert posted.status_code == 202
        incident_id, reference = posted.json()["incident_id"], posted.json()["reference"]
        started = time.monotonic()
        row = operator.locator(f'tr[data-reference="{reference}"]')
        await expect(row).to_be_visible(timeout=15_000)
        appeared = time.monotonic() - started
        print(f"\nincident on the board {appeared:.1f} s after the report was accepted (no reload)")
        await expect(row.locator(".badge")).to_have_text("非常に高い")
        countdown = row.locator(".countdown")
        first = await countdown.text_content()
        assert first and "期限超過" not in first, f"a fresh incident is not overdue: {first}"
        # it ticks once a second; a loaded machine may delay a tick, so wait for the change (up to 5 s)
        await expect(countdown).not_to_have_text(first, timeout=5_000)
        await operator.screenshot(path=shots / SCREENSHOTS[1], full_page=True)

        # acknowledge it on the incident page; the board then shows who did
        await row.get_by_role("link", name=reference).click()
        await expect(operator.locator("h1")).to_have_text(reference)
        await operator.get_by_role("button", name="受領を確認する").click()
        await expect(operator.locator("#status")).to_have_text("完了しました。")
        await expect(operator.get_by_role("button", name="受領を確認する")).to_have_count(0)
        await expect(operator.locator("table").nth(1)).to_contain_text("確認済み")
        await operator.screenshot(path=shots / SCREENSHOTS[2], full_page=True)
        await operator.goto(f"{base}/desk")
        await expect(operator.locator(f'tr[data-reference="{reference}"]')).to_contain_text("sato")

        # the promotion bureau previews the data-subject notice in both languages and approves it
        bureau = await browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-GB")
        await sign_in(bureau, base, "yamamoto", lang="en")
        await bureau.goto(f"{base}/desk/incidents/{incident_id}")

        async def drafted() -> bool:
            response = await client.get(
                f"{notifier.url}/v1/notices", params={"incident_id": incident_id}, headers=reader
            )
            return any(n["kind"] == "data_subject" for n in response.json())

        assert await eventually(drafted)
        await bureau.reload()
        notice_row = bureau.locator('tr[data-kind="data_subject"][data-language="ja"]')
        await notice_row.get_by_role("link", name="Preview and approve").click()
        await expect(bureau.locator('[data-preview="ja"]')).to_contain_text("個人情報")
        await expect(bureau.locator('[data-preview="en"]')).to_contain_text("Notice of Data Breach")
        # the English wording completed on the desk (the draft's gaps filled in) before approval
        english = bureau.locator('[data-preview="en"]')
        await english.get_by_text("Edit the wording").click()
        await english.get_by_label("Body (Markdown)").fill(
            "# Notice of Data Breach\n\nOn 20 November an order confirmation with your card number was sent "
            "to another customer by mistake. The cause: a mis-addressed e-mail.\n"
        )
        await english.get_by_role("button", name="Save").click()
        await expect(bureau.locator('[data-preview="en"]')).to_contain_text("mis-addressed e-mail", timeout=10_000)
        await bureau.get_by_label("Recipients").fill(
            "email,name,language\ntaro@example.net,山田 太郎,ja\njane@example.net,Jane Doe,en\n"
        )
        await bureau.screenshot(path=shots / SCREENSHOTS[3], full_page=True)
        await bureau.get_by_role("button", name="Approve and issue").click()
        await expect(bureau.locator("#status")).to_have_text("Done.")
        assert sink.wait_for(lambda: sink.handler.to("taro@example.net") and sink.handler.to("jane@example.net"))
        assert "お知らせ" in str(sink.handler.to("taro@example.net")[0].message["Subject"])
        assert "mis-addressed e-mail" in sink.handler.to("jane@example.net")[0].text()
        assert "Dear Jane Doe" in sink.handler.to("jane@example.net")[0].text()

        # the auditor sees everything and has no action buttons
        auditor = await browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-GB")
        await sign_in(auditor, base, "audit", lang="en")
        await auditor.goto(f"{base}/desk/incidents/{incident_id}")
        await expect(auditor.locator("#read-only")).to_be_visible()
        await expect(auditor.locator("[data-action]")).to_have_count(0)
        await expect(auditor.get_by_role("button", name="Acknowledge")).to_have_count(0)
        await expect(auditor.locator("h2#h-obligations")).to_be_visible()
        await auditor.screenshot(path=shots / SCREENSHOTS[4], full_page=True)
        # the personal-information ledger page: its filters reachable, read by every role
        await auditor.goto(f"{base}/desk/ledger?lang=en")
        await expect(auditor.get_by_role("heading", name="Personal-information ledger")).to_be_visible()
        await expect(auditor.get_by_label("Asset type")).to_be_visible()

        # statistics on a tablet, in Japanese, keyboard only to reach the CSV export
        tablet = await browser.new_page(viewport={"width": 768, "height": 1024}, locale="ja-JP")
        await sign_in(tablet, base, "audit", lang="ja")
        await tablet.goto(f"{base}/desk/stats")
        await expect(tablet.locator("#total-incidents")).to_have_text("1")
        await expect(tablet.locator("svg.bars").first).to_be_visible()
        export = tablet.get_by_role("link", name="CSVで書き出す")
        await export.focus()
        await expect(export).to_be_focused()
        await tablet.screenshot(path=shots / SCREENSHOTS[5], full_page=True)

    for name in SCREENSHOTS:
        assert (shots / name).stat().st_size > 10_000, name
