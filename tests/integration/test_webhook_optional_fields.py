"""A signed, valid vendor delivery is never refused for an optional field that is missing or unusual
(issue 12, item 9): only the alert id and something to map are required. A missing or unreadable
time of detection falls back to the receipt time, and the incident's description says so."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.config import IntakeSettings
from pidesk.services.intake.webhooks.common import optional_time
from tests.integration.test_webhook_sources import intake, post, stored  # noqa: F401 - `intake` is the fixture
from tests.support.webhooks import fixture_bytes

Edit = Callable[[Any], None]


def _drop(*path: str) -> Edit:
    def edit(payload: Any) -> None:
        for step in path[:-1]:
            payload = payload[step]
        payload.pop(path[-1], None)

    return edit


def _set(value: Any, *path: str) -> Edit:
    def edit(payload: Any) -> None:
        for step in path[:-1]:
            payload = payload[step]
        payload[path[-1]] = value

    return edit


def _alert_center(edit: Edit) -> Edit:
    """Alert Center alerts travel base64-encoded in the Pub/Sub message."""

    def apply(envelope: Any) -> None:
        alert = json.loads(base64.b64decode(envelope["message"]["data"]))
        edit(alert)
        envelope["message"]["data"] = base64.b64encode(json.dumps(alert).encode()).decode()

    return apply


def _all_times(*edits: Edit) -> Edit:
    def apply(payload: Any) -> None:
        for edit in edits:
            edit(payload)

    return apply


CASES = [
    ("github", "secret_scanning_alert_created.json", _drop("alert", "created_at")),
    ("github", "secret_scanning_alert_created.json", _set("last tuesday", "alert", "created_at")),
    ("aws-macie", "finding_personal.json", _drop("detail", "createdAt")),
    ("aws-macie", "finding_personal.json", _set(10**20, "detail", "createdAt")),  # past year 9999
    ("ms-purview", "dlp_rule_match_single.json", _drop("CreationTime")),
    ("ms-purview", "dlp_rule_match_single.json", _set("", "CreationTime")),
    ("netskope", "dlp_alert.json", _all_times(_drop("timestamp"), _drop("_insertion_epoch_timestamp"))),
    ("netskope", "dlp_alert.json", _all_times(_set("soon", "timestamp"), _drop("_insertion_epoch_timestamp"))),
    ("code42", "alert_open.json", _drop("createdAt")),
    (
        "google-dlp",
        "pubsub_alert_center_dlp.json",
        _alert_center(_all_times(_drop("startTime"), _drop("createTime"))),
    ),
]


@pytest.mark.parametrize(("source", "fixture", "edit"), CASES, ids=lambda v: getattr(v, "__qualname__", str(v)))
async def test_a_delivery_without_a_usable_time_is_accepted_at_the_receipt_time(  # type: ignore[no-untyped-def]
    intake,  # noqa: F811
    tmp_path: Path,
    source: str,
    fixture: str,
    edit: Edit,
) -> None:
    client, url = intake
    payload = json.loads(fixture_bytes(source, fixture))
    edit(payload)
    before = datetime.now(UTC)
    response = await post(client, source, json.dumps(payload).encode())
    assert response.status_code == 202, response.text
    reports, _outbox = await stored(url)
    assert len(reports) == 1
    assert before - timedelta(seconds=5) <= reports[0].aware_at <= datetime.now(UTC) + timedelta(seconds=5)
    keys = IntakeSettings(env="test", var_dir=tmp_path).encryption_keys
    assert keys is not None
    description = FieldCipher(keys.get_secret_value()).decrypt(
        reports[0].description_encrypted, record_id=reports[0].id, field="description"
    )
    assert "no usable time of detection" in description


async def test_a_macie_finding_without_a_type_is_accepted(intake) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client, url = intake
    payload = json.loads(fixture_bytes("aws-macie", "finding_personal.json"))
    payload["detail"].pop("type")
    response = await post(client, "aws-macie", json.dumps(payload).encode())
    assert response.status_code == 202, response.text
    reports, _outbox = await stored(url)
    assert len(reports) == 1 and reports[0].data_categories != []


def test_optional_time_reads_what_it_can_and_never_raises() -> None:
    assert optional_time("2026-11-20T10:15:00Z", "t") == datetime(2026, 11, 20, 10, 15, tzinfo=UTC)
    for unusual in (None, "", "yesterday", 10**20, float("nan"), float("inf"), [], {}, True, "9" * 30):
        assert optional_time(unusual, "t") is None


async def test_a_nul_character_in_a_vendor_field_is_kept_visible_and_stored(intake) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client, url = intake
    payload = json.loads(fixture_bytes("netskope", "dlp_alert.json"))
    payload.update(dlp_rule="PCI\u0000rule", user="a\u0000b@example.com", dlp_file="x\u0000.xlsx")
    response = await post(client, "netskope", json.dumps(payload).encode())
    assert response.status_code == 202, response.text  # PostgreSQL took it: no U+0000 reached a column
    reports, _outbox = await stored(url)
    assert len(reports) == 1 and "credit_card" in reports[0].data_categories


# --- the field audit (docs/webhooks.md, "What is required"): every other field missing, null or odd ----


def _description(report: Any, tmp_path: Path) -> str:
    keys = IntakeSettings(env="test", var_dir=tmp_path).encryption_keys
    assert keys is not None
    return FieldCipher(keys.get_secret_value()).decrypt(
        report.description_encrypted, record_id=report.id, field="description"
    )


def _rules(edit: Edit) -> Edit:
    """Applies `edit` to every rule of every policy of a Purview record."""

    def apply(record: Any) -> None:
        for policy in record["PolicyDetails"]:
            for rule in policy["Rules"]:
                edit(rule)

    return apply


AUDIT_CASES = [
    ("github", "secret_scanning_alert_created.json", _drop("alert", "number"), "alert.number"),
    ("github", "secret_scanning_alert_created.json", _set([], "repository", "private"), "repository.private"),
    ("nightfall", "findings_inline.json", _set(7, "findings"), "findings"),
    ("nightfall", "findings_inline.json", _all_times(_set(5, "errors"), _set(12, "requestMetadata")), "errors"),
    (
        "aws-macie",
        "finding_personal.json",
        _set(3, "detail", "classificationDetails", "result", "sensitiveData"),
        "sensitiveData",
    ),
    ("ms-purview", "dlp_rule_match_single.json", _set("Japan PII", "PolicyDetails"), "PolicyDetails"),
    ("ms-purview", "dlp_rule_match_single.json", _rules(_set("x", "ConditionsMatched")), "ConditionsMatched"),
    ("ms-purview", "dlp_rule_match_single.json", _set(2.5, "IncidentId"), "IncidentId"),
    ("netskope", "dlp_alert.json", _set(7.5, "dlp_incident_id"), "dlp_incident_id"),
    ("netskope", "dlp_alert.json", _drop("alert_type"), "alert_type"),
    ("code42", "alert_open.json", _all_times(_set(3, "observations"), _set(True, "watchlists")), "observations"),
    (
        "google-dlp",
        "pubsub_alert_center_dlp.json",
        _alert_center(_set("DRIVE", "data", "ruleViolationInfo")),
        "ruleViolationInfo",
    ),
    (
        "google-dlp",
        "pubsub_alert_center_dlp.json",
        _alert_center(_set(9, "data", "ruleViolationInfo", "recipients")),
        "recipients",
    ),
]


@pytest.mark.parametrize(
    ("source", "fixture", "edit", "noted"), AUDIT_CASES, ids=lambda v: v if isinstance(v, str) else ""
)
async def test_a_signed_delivery_with_an_odd_optional_field_is_accepted_and_the_fallback_noted(  # type: ignore[no-untyped-def]
    intake,  # noqa: F811
    tmp_path: Path,
    source: str,
    fixture: str,
    edit: Edit,
    noted: str,
) -> None:
    client, url = intake
    payload = json.loads(fixture_bytes(source, fixture))
    edit(payload)
    response = await post(client, source, json.dumps(payload).encode())
    assert response.status_code == 202, response.text
    reports, outbox = await stored(url)
    assert len(reports) == 1 and len(outbox) == 1
    description = _description(reports[0], tmp_path)
    assert "Read with fallbacks" in description and noted in description.split("Read with fallbacks", 1)[1]


@pytest.mark.parametrize(
    ("source", "payload"),
    [
        ("ms-purview", [{"Id": "r-1", "Operation": "DlpInfo", "CreationTime": "2026-11-20T06:25:41"}]),
        ("netskope", {"ok": 1, "result": [{"_id": "m-1", "alert_type": "Malware"}]}),
        (
            "google-dlp",
            {
                "message": {
                    "data": base64.b64encode(
                        json.dumps(
                            {"alertId": "a-1", "type": "Suspicious login", "data": {"@type": "LoginDetails"}}
                        ).encode()
                    ).decode(),
                    "attributes": {"alertcenter_resource_type": "ALERT"},
                    "messageId": "1",
                }
            },
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_other_event_types_of_a_vendor_are_acknowledged_and_store_nothing(  # type: ignore[no-untyped-def]
    intake,  # noqa: F811
    source: str,
    payload: Any,
) -> None:
    client, url = intake
    response = await post(client, source, json.dumps(payload).encode())
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ignored"
    assert await stored(url) == ([], [])


async def test_a_generic_alert_with_null_optional_fields_takes_the_defaults(intake, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tests.unit.factories import report_body

    client, url = intake
    body = {
        **report_body(),
        "source_alert_id": "siem-7",
        "subject_regions": None,
        "encryption": "AES-256",
        "assets": None,
    }
    response = await post(client, "generic", json.dumps(body).encode())
    assert response.status_code == 202, response.text
    reports, _outbox = await stored(url)
    assert len(reports) == 1 and reports[0].encryption == "none"
    assert "encryption: unknown value 'AES-256'" in _description(reports[0], tmp_path)
