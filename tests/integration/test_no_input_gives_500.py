"""Property tests: whatever a client sends to the report API or the form, the answer is never a 500."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pidesk.migrations import runner
from pidesk.services.intake.bootstrap import build_app
from pidesk.services.intake.config import IntakeSettings
from tests.support.infra import kafka_bootstrap
from tests.unit.factories import report_body

FORM_FIELDS = [
    "reporter_name",
    "reporter_email",
    "reporter_division",
    "reporter_entity",
    "reporter_entity_country",
    "reporter_entity_country_other",
    "title",
    "description",
    "incident_kind",
    "aware_at",
    "occurred_at",
    "timezone",
    "data_categories",
    "affected_count",
    "affected_unknown",
    "region_JP",
    "region_EU",
    "region_other_code",
    "region_other_count",
    "encryption",
    "malicious",
    "entity_role",
    "contact_info_available",
    "recovered_before_access",
    "publicly_viewable",
    "assets",
    "lang",
]
nasty_text = st.text(max_size=40) | st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e309",
        "9" * 40,
        "2026-02-30T10:00",
        "2026-11-20T10:15",
        "NaN",
        "\x00",
        "🙂",
        "other",
        "US-CA",
        "misdelivery",
        "high_level",
        "yes",
        "no",
        "Asia/Tokyo",
        "Mars/Phobos",
    ]
)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
json_values = st.recursive(
    json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3), max_leaves=10
)


def make_app(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    asyncio.run(runner.upgrade(url, "intake"))
    return build_app(
        IntakeSettings(
            env="test",
            var_dir=tmp_path,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            INTAKE_DATABASE_URL=url,
            reports_per_minute=100_000,
        )
    )


def test_no_form_input_gives_a_500(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(fields=st.dictionaries(st.sampled_from(FORM_FIELDS), st.lists(nasty_text, min_size=1, max_size=3)))
    def check(fields: dict[str, list[str]]) -> None:
        async def post() -> int:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as browser:
                page = await browser.get("/report")
                token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
                data = {**fields, "csrf_token": token}
                return (await browser.post("/report", data=data)).status_code

        assert asyncio.run(post()) in {200, 422}

    check()


def test_no_json_body_gives_a_500(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        field=st.sampled_from([*report_body(), "reporter.email", "reporter.entity_country", "extra"]),
        value=json_values,
        key=st.none() | st.text(max_size=30),
    )
    def check(field: str, value: object, key: str | None) -> None:
        body = report_body()
        if field.startswith("reporter."):
            body["reporter"] = {**body["reporter"], field.split(".")[1]: value}
        else:
            body[field] = value
        headers: dict[str, bytes] = {"content-type": b"application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key.encode("utf-8").replace(b"\r", b"").replace(b"\n", b"")

        async def post() -> int:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
                content = json.dumps(body, allow_nan=True).encode()
                return (await client.post("/v1/reports", content=content, headers=headers)).status_code

        assert asyncio.run(post()) in {200, 202, 400, 409, 422}

    check()
