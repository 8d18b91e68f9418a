"""The employee form through a real HTTP client against a real intake process, in both languages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pidesk.services.intake.adapters.orm import Report
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.apps import service_stack
from tests.support.services import ServiceProcess

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
REFERENCE = re.compile(r'id="reference">(PI-\d{4}-\d{6})<')


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[tuple[ServiceProcess, str]]:
    async with service_stack(tmp_path, ("intake",)) as stack:
        yield stack["intake"], stack["intake_db"]


def filled(token: str, language: str) -> dict[str, object]:
    return {
        "csrf_token": token,
        "lang": language,
        "reporter_name": "佐藤 花子" if language == "ja" else "Hanako Sato",
        "reporter_email": "hanako@example.co.jp",
        "reporter_division": "営業本部",
        "reporter_entity": "Example Holdings",
        "reporter_entity_country": "JP",
        "title": "請求書の誤送信" if language == "ja" else "Invoice sent to the wrong customer",
        "description": "顧客Aの請求書を顧客Bに送付した",
        "incident_kind": "misdelivery",
        "aware_at": "2026-11-20T10:15",
        "timezone": "Asia/Tokyo",
        "data_categories": ["name", "credit_card"],
        "affected_count": "12",
        "region_JP": "12",
        "encryption": "none",
        "malicious": "no",
        "entity_role": "controller",
        "contact_info_available": "yes",
    }


@pytest.mark.parametrize(
    ("accept_language", "language", "heading", "category_label"),
    [
        ("ja,en;q=0.5", "ja", "個人情報の事故・ヒヤリハットの報告", "クレジットカード番号"),
        ("en-GB,en;q=0.9", "en", "Report a personal-data incident", "Credit card numbers"),
    ],
)
async def test_an_employee_reports_through_the_form(
    intake, accept_language: str, language: str, heading: str, category_label: str
) -> None:  # type: ignore[no-untyped-def]
    service, url = intake
    async with httpx.AsyncClient(base_url=service.url, headers={"Accept-Language": accept_language}) as browser:
        page = await browser.get("/report")
        assert page.status_code == 200 and f'<html lang="{language}">' in page.text
        assert heading in page.text and category_label in page.text
        assert 'value="credit_card"' in page.text
        token = TOKEN.search(page.text).group(1)  # type: ignore[union-attr]

        wrong = await browser.post("/report", data={**filled(token, language), "reporter_email": "nope"})
        assert wrong.status_code == 422
        expected = (
            "メールアドレスの形式が正しくありません。" if language == "ja" else "This is not a valid e-mail address."
        )
        assert f'id="reporter_email-error">{expected}<' in wrong.text, "the message sits beside its field"
        assert "顧客Aの請求書を顧客Bに送付した" in wrong.text, "what was typed is kept"

        token = TOKEN.search(wrong.text).group(1)  # type: ignore[union-attr]
        done = await browser.post("/report", data=filled(token, language))
        assert done.status_code == 200
        reference = REFERENCE.search(done.text).group(1)  # type: ignore[union-attr]
        assert ("このあとの流れ" if language == "ja" else "What happens next") in done.text

    engine = create_engine(url)
    async with session_factory(engine)() as session:
        report = (await session.scalars(select(Report))).one()
    await engine.dispose()
    assert (report.reference, report.source) == (reference, "form")
    assert report.data_categories == ["name", "credit_card"] and report.subject_regions == {"JP": 12}
    assert report.aware_at.isoformat() == "2026-11-20T01:15:00+00:00"


async def test_a_post_without_the_form_token_is_refused_and_stores_nothing(intake) -> None:  # type: ignore[no-untyped-def]
    service, url = intake
    async with httpx.AsyncClient(base_url=service.url) as browser:
        forged = await browser.post("/report", data=filled("forged-token", "en"))
        assert forged.status_code == 403
        assert "This page expired" in forged.text  # in the language the form was filled in
        # a token from another browser (another cookie) does not help either
        async with httpx.AsyncClient(base_url=service.url) as other:
            token = TOKEN.search((await other.get("/report")).text).group(1)  # type: ignore[union-attr]
        assert (await browser.post("/report", data=filled(token, "en"))).status_code == 403
        wrong_type = await browser.post("/report", json={"title": "x"})
        assert wrong_type.status_code == 415
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        assert (await session.scalars(select(Report))).all() == []
    await engine.dispose()
