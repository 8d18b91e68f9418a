"""The field-by-field audit of each webhook source against its vendor's published schema (issue 12,
item 9): a signed delivery holding only what the vendor guarantees is mapped, and every other field
missing, null or of an unexpected-but-plausible type falls back to a default that the incident's
description names ("Read with fallbacks …"), never a refusal. Only what is not the vendor's payload
at all (no alert id where the vendor always sends one) is refused; other event types are acknowledged.
The vendor references are in docs/webhooks.md."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from pidesk.services.intake.service.alerts import AlertReporter, submission_for
from pidesk.services.intake.webhooks.common import FALLBACK_NOTE, int_or_none
from pidesk.services.intake.webhooks.model import Handshake, UnreadablePayload, VendorAlert
from pidesk.services.intake.webhooks.registry import load_sources
from pidesk.shared.vocabulary import DataCategory as C
from pidesk.shared.vocabulary import IncidentKind
from tests.support.webhooks import fixture_bytes

SOURCES = load_sources()
REPORTER = AlertReporter(email="dlp@example.co.jp", division="IT", entity="ACME KK", entity_country="JP")
GITHUB = {"x-github-event": "secret_scanning_alert"}
NOTED = FALLBACK_NOTE.split(":")[0]  # "Read with fallbacks (…)"

Edit = Callable[[Any], None]


def at(payload: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        payload = payload[step]
    return payload


def drop(*path: str | int) -> Edit:
    return lambda payload: at(payload, path[:-1]).pop(path[-1])


def put(value: Any, *path: str | int) -> Edit:
    def edit(payload: Any) -> None:
        at(payload, path[:-1])[path[-1]] = value

    return edit


def pubsub(alert: dict[str, Any]) -> dict[str, Any]:
    envelope = json.loads(fixture_bytes("google-dlp", "pubsub_alert_center_dlp.json"))
    envelope["message"]["data"] = base64.b64encode(json.dumps(alert).encode()).decode()
    return envelope


def alert_center_fixture() -> dict[str, Any]:
    envelope = json.loads(fixture_bytes("google-dlp", "pubsub_alert_center_dlp.json"))
    alert: dict[str, Any] = json.loads(base64.b64decode(envelope["message"]["data"]))
    return alert


def mapped(source: str, payload: Any, headers: dict[str, str] | None = None) -> list[VendorAlert]:
    """The alerts a delivery maps to, each turned into the report intake stores (as the endpoint does)."""
    alerts = SOURCES[source].parse(payload, headers or {})
    assert isinstance(alerts, list) and alerts, alerts
    for alert in alerts:
        submission_for(alert, SOURCES[source].display_name, REPORTER)
    return alerts


# --- the minimal delivery: only what each vendor guarantees -------------------------------------------


@dataclass(frozen=True)
class Minimal:
    source: str
    payload: Any
    alert_id: str
    categories: list[C]
    noted: list[str]  # the fields the description says fell back
    headers: dict[str, str] = field(default_factory=dict)


MINIMAL = [
    # webhook-secret-scanning-alert-*: action, alert, repository required; every alert field optional
    Minimal(
        "github",
        {
            "action": "created",
            "alert": {"number": 7},
            "repository": {"id": 2**60 + 1, "name": "app", "full_name": "acme/app", "private": True},
        },
        f"{2**60 + 1}:7",
        [C.CREDENTIALS],
        ["alert.secret_type"],
        GITHUB,
    ),
    # Nightfall file-scan webhook: uploadID (findings only behind findingsURL, or none inline)
    Minimal(
        "nightfall",
        {"uploadID": "152848af-2ac9-4e0a-8563-2b82343d964a"},
        "152848af-2ac9-4e0a-8563-2b82343d964a",
        [C.OTHER],
        ["findings"],
    ),
    # Macie finding: the EventBridge envelope's detail with its id
    Minimal(
        "aws-macie",
        {"detail-type": "Macie Finding", "detail": {"id": "64b917aa"}},
        "64b917aa",
        [C.OTHER],
        ["detail.type", "classificationDetails.result"],
    ),
    # Office 365 common schema + DLP schema required fields; SensitiveInformation (optional) absent
    Minimal(
        "ms-purview",
        {
            "Id": "e01bd1fb-a635-4f09-57b1-08dab6b60675",
            "RecordType": 13,
            "CreationTime": "2026-11-20T06:25:41",
            "Operation": "DlpRuleMatch",
            "OrganizationId": "74d25673-b01c-4211-a7c4-9930610fb7eb",
            "UserType": 0,
            "UserKey": "10032002359E261F",
            "UserId": "taro@example.co.jp",
            "PolicyDetails": [
                {
                    "PolicyId": "p-1",
                    "PolicyName": "Japan PII",
                    "Rules": [{"RuleId": "r-1", "RuleName": "Low volume", "RuleMode": "Enforce"}],
                }
            ],
            "SensitiveInfoDetectionIsIncluded": False,
        },
        "e01bd1fb-a635-4f09-57b1-08dab6b60675",
        [C.OTHER],
        ["SensitiveInformation"],
    ),
    # Netskope alert record: _id and alert_type (no schema publishes more as guaranteed)
    Minimal(
        "netskope",
        {"_id": "3f9c1e7ab45d20c8e61f0a92", "alert_type": "DLP"},
        "3f9c1e7ab45d20c8e61f0a92",
        [C.OTHER],
        ["dlp_rule, dlp_profile"],
    ),
    # Incydr alert: id
    Minimal("code42", {"id": "e3d1a9b4"}, "e3d1a9b4", [C.OTHER], ["observations"]),
    # Alert Center alert: alertId, type, source, data
    Minimal(
        "google-dlp",
        pubsub(
            {
                "alertId": "6f0b1c2d",
                "type": "Data Loss Prevention",
                "source": "Data Loss Prevention",
                "data": {"@type": "type.googleapis.com/google.apps.alertcenter.type.DlpRuleViolation"},
            }
        ),
        "6f0b1c2d",
        [C.OTHER],
        ["ruleViolationInfo"],
    ),
]


@pytest.mark.parametrize("case", MINIMAL, ids=lambda c: c.source)
def test_a_delivery_with_only_what_the_vendor_guarantees_is_mapped_and_says_what_fell_back(case: Minimal) -> None:
    (alert,) = mapped(case.source, case.payload, case.headers)
    assert alert.alert_id == case.alert_id
    assert alert.data_categories == case.categories
    assert NOTED in alert.summary
    for name in case.noted:
        assert name in alert.summary.split(NOTED, 1)[1], alert.summary


# --- each optional field missing, null or odd --------------------------------------------------------


@dataclass(frozen=True)
class Odd:
    source: str
    fixture: str
    edit: Edit
    noted: str | None  # what the description names as fallen back (None: read as sent, nothing to say)
    check: Callable[[VendorAlert], bool] = lambda alert: True
    headers: dict[str, str] = field(default_factory=dict)
    wrap: Callable[[Any], Any] | None = None  # e.g. an Alert Center alert into its Pub/Sub envelope


def _names_dropped(record: dict[str, Any]) -> None:
    for policy in record["PolicyDetails"]:
        for rule in policy["Rules"]:
            for info in rule["ConditionsMatched"]["SensitiveInformation"]:
                info.pop("SensitiveInformationTypeName", None)
                info["SensitiveType"] = info["SensitiveType"].upper()  # GUIDs come in either case


def _detail(*path: str | int) -> tuple[str | int, ...]:
    return ("detail", "classificationDetails", "result", *path)


ODD = [
    # github
    Odd(
        "github",
        "secret_scanning_alert_created.json",
        drop("repository", "private"),
        "repository.private",
        lambda a: not a.publicly_viewable,
        GITHUB,
    ),
    Odd(
        "github",
        "secret_scanning_alert_created.json",
        put([], "repository", "private"),
        "repository.private",
        lambda a: a.incident_kind is IncidentKind.OTHER,
        GITHUB,
    ),
    Odd(
        "github",
        "secret_scanning_alert_created.json",
        lambda p: (p["repository"].pop("private"), p["repository"].update(visibility="public")),
        "visibility 'public'",
        lambda a: a.publicly_viewable,
        GITHUB,
    ),
    Odd(
        "github",
        "secret_scanning_alert_created.json",
        drop("alert", "number"),
        "alert.number",
        lambda a: a.alert_id.endswith(":42"),
        GITHUB,
    ),
    # nightfall
    Odd("nightfall", "findings_inline.json", put(7, "findings"), "findings", lambda a: a.data_categories == [C.OTHER]),
    Odd("nightfall", "findings_inline.json", put(5, "errors"), "errors", lambda a: a.affected_count is not None),
    Odd("nightfall", "findings_inline.json", put(12, "requestMetadata"), None, lambda a: a.asset is None),
    Odd(
        "nightfall", "findings_url.json", put(None, "findingsURL"), "findings", lambda a: a.data_categories == [C.OTHER]
    ),
    # aws-macie
    Odd(
        "aws-macie",
        "finding_personal.json",
        put(3, *_detail("sensitiveData")),
        "sensitiveData",
        lambda a: a.data_categories == [C.OTHER],
    ),
    Odd(
        "aws-macie",
        "finding_personal.json",
        put(True, *_detail("sensitiveData", 0, "detections")),
        "detections",
        lambda a: a.alert_id,
    ),
    Odd(
        "aws-macie",
        "finding_personal.json",
        put("n/a", *_detail("customDataIdentifiers", "detections")),
        "customDataIdentifiers",
        lambda a: C.NAME in a.data_categories,
    ),
    Odd(
        "aws-macie",
        "finding_personal.json",
        put([None, 4], *_detail("sensitiveData")),
        "sensitiveData",
        lambda a: a.data_categories == [C.OTHER],
    ),
    Odd(
        "aws-macie",
        "finding_personal.json",
        put(99_999.0, *_detail("sensitiveData", 0, "detections", 0, "count")),  # a float without a fraction
        None,
        lambda a: a.affected_count == 99_999,
    ),
    # ms-purview
    Odd(
        "ms-purview",
        "dlp_rule_match_single.json",
        put("Japan PII", "PolicyDetails"),
        "PolicyDetails",
        lambda a: a.data_categories == [C.OTHER],
    ),
    Odd(
        "ms-purview",
        "dlp_rule_match_single.json",
        put([None], "PolicyDetails"),
        "PolicyDetails",
        lambda a: a.rule is None,
    ),
    Odd(
        "ms-purview",
        "dlp_rule_match_single.json",
        put(3, "PolicyDetails", 0, "Rules"),
        "Rules",
        lambda a: a.affected_count is None,
    ),
    Odd(
        "ms-purview",
        "dlp_rule_match_single.json",
        put(1, "PolicyDetails", 0, "Rules", 0, "Actions"),
        None,
        lambda a: not a.recovered_before_access,
    ),
    Odd(
        "ms-purview",
        "dlp_rule_match_single.json",
        put("x", "PolicyDetails", 0, "Rules", 0, "ConditionsMatched"),
        "ConditionsMatched",
        lambda a: a.data_categories == [C.OTHER],
    ),
    Odd(
        "ms-purview", "dlp_rule_match_single.json", put(2.5, "IncidentId"), "IncidentId", lambda a: a.alert_id != "2.5"
    ),
    Odd(
        "ms-purview",
        "dlp_rule_match_single.json",
        _names_dropped,  # the schema guarantees the type id (SensitiveType), not its name
        None,
        lambda a: set(a.data_categories) == {C.CREDIT_CARD, C.SSN},
    ),
    # netskope
    Odd(
        "netskope", "dlp_alert.json", drop("alert_type"), "alert_type", lambda a: a.alert_id.startswith("dlp-incident:")
    ),
    Odd(
        "netskope",
        "dlp_alert.json",
        put(7.5, "dlp_incident_id"),
        "dlp_incident_id",
        lambda a: a.alert_id == "3f9c1e7ab45d20c8e61f0a92",
    ),
    Odd("netskope", "dlp_alert.json", put(1217.0, "dlp_unique_count"), None, lambda a: a.affected_count == 1217),
    Odd(
        "netskope",
        "dlp_alert.json",
        lambda p: (p.pop("dlp_rule"), p.pop("dlp_profile")),
        "dlp_rule, dlp_profile",
        lambda a: a.data_categories == [C.OTHER],
    ),
    # code42
    Odd(
        "code42",
        "alert_open.json",
        put(3, "observations"),
        "observations",
        lambda a: a.incident_kind is IncidentKind.INSIDER_TAKEOUT,
    ),
    Odd("code42", "alert_open.json", put(True, "watchlists"), "watchlists", lambda a: a.malicious is None),
    Odd(
        "code42",
        "alert_open.json",
        put({"tenant": 1}, "tenantId"),
        None,
        lambda a: a.alert_id == "e3d1a9b4-6f2c-4b8e-a1d7-5c9f0e2b8a46",
    ),
    Odd("code42", "alert_open.json", put({"x": 1}, "state"), None, lambda a: a.vendor_state is None),
    # google-dlp (Alert Center alert in its Pub/Sub envelope)
    Odd(
        "google-dlp",
        "",
        put("DRIVE", "data", "ruleViolationInfo"),
        "ruleViolationInfo",
        lambda a: a.data_categories == [C.OTHER],
        wrap=pubsub,
    ),
    Odd(
        "google-dlp",
        "",
        put(["DRIVE"], "data", "ruleViolationInfo", "dataSource"),
        None,
        lambda a: C.MY_NUMBER in a.data_categories,
        wrap=pubsub,
    ),
    Odd(
        "google-dlp",
        "",
        put(2, "data", "ruleViolationInfo", "recipients"),
        "recipients",
        lambda a: a.incident_kind is IncidentKind.OTHER,
        wrap=pubsub,
    ),
    Odd(
        "google-dlp",
        "",
        put(9, "data", "ruleViolationInfo", "matchInfo"),
        "matchInfo",
        lambda a: a.data_categories == [C.OTHER],
        wrap=pubsub,
    ),
    Odd(
        "google-dlp",
        "",
        put(17, "data", "ruleViolationInfo", "matchInfo", 0, "predefinedDetector", "detectorName"),
        None,
        lambda a: a.data_categories == [C.CREDIT_CARD],
        wrap=pubsub,
    ),
    Odd(
        "google-dlp",
        "",
        put([None, "ALERT"], "data", "ruleViolationInfo", "triggeredActionTypes"),
        None,
        lambda a: "actions: ALERT" in a.summary,
        wrap=pubsub,
    ),
]


@pytest.mark.parametrize("case", ODD, ids=lambda c: f"{c.source}")
def test_an_optional_field_missing_null_or_odd_falls_back_and_is_noted(case: Odd) -> None:
    payload = alert_center_fixture() if case.wrap else json.loads(fixture_bytes(case.source, case.fixture))
    case.edit(payload)
    (alert, *_rest) = mapped(case.source, case.wrap(payload) if case.wrap else payload, case.headers)
    assert case.check(alert), alert
    if case.noted is not None:
        assert NOTED in alert.summary and case.noted in alert.summary.split(NOTED, 1)[1], alert.summary


# --- other event types are acknowledged; only what is not the vendor's payload is refused ------------


def test_a_purview_delivery_of_other_dlp_operations_is_acknowledged_and_ignored() -> None:
    records = json.loads(fixture_bytes("ms-purview", "dlp_records_array.json"))
    for record in records:
        record["Operation"] = "DlpInfo"
    outcome = SOURCES["ms-purview"].parse(records, {})
    assert isinstance(outcome, Handshake) and outcome.status == 200
    assert outcome.body == {"status": "ignored", "operations": ["DlpInfo"]}


@pytest.mark.parametrize(
    "payload",
    [
        [{"_id": "m1", "alert_type": "Malware", "app": "Dropbox"}],
        {"ok": 1, "result": []},
        {"ok": 1, "result": [{"_id": "p1", "alert_type": "policy"}]},
    ],
)
def test_netskope_alerts_of_other_types_and_empty_pages_are_acknowledged_and_ignored(payload: Any) -> None:
    outcome = SOURCES["netskope"].parse(payload, {})
    assert isinstance(outcome, Handshake) and outcome.body["status"] == "ignored"


def test_an_alert_center_alert_of_another_type_is_acknowledged_and_ignored() -> None:
    login = {
        "alertId": "a1",
        "type": "Suspicious login",
        "data": {"@type": "type.googleapis.com/google.apps.alertcenter.type.LoginDetails"},
    }
    outcome = SOURCES["google-dlp"].parse(pubsub(login), {})
    assert isinstance(outcome, Handshake) and outcome.body == {"status": "ignored", "alert_type": "Suspicious login"}


def _with(key: str, value: Any) -> Edit:
    return lambda payload: payload.update({key: value})


def _alert_center(alert: dict[str, Any]) -> dict[str, Any]:
    envelope = pubsub(alert)
    envelope["message"]["attributes"] = {"alertcenter_resource_type": "ALERT"}
    return envelope


@pytest.mark.parametrize(
    ("source", "payload", "identify", "headers"),
    [
        (
            "github",
            {"action": "created", "alert": {"html_url": "https://github.com/acme/app"}, "repository": {"id": 1}},
            lambda p: p["alert"].update(html_url="https://github.com/acme/app/security/secret-scanning/9"),
            GITHUB,
        ),
        ("nightfall", {"findingsPresent": True, "findings": 7}, _with("uploadID", "u-1"), {}),
        ("aws-macie", {"classificationDetails": {"result": {"sensitiveData": 3}}}, _with("id", "f-1"), {}),
        ("ms-purview", {"Operation": "DlpRuleMatch", "PolicyDetails": "p"}, _with("Id", "r-1"), {}),
        ("netskope", {"alert_type": "DLP", "dlp_incident_id": 1.5, "dlp_rule": "PCI"}, _with("_id", "n-1"), {}),
        ("code42", {"name": "rule", "observations": 3}, _with("id", "c-1"), {}),
        (
            "google-dlp",
            {"type": "Data Loss Prevention", "data": {"ruleViolationInfo": "x"}},
            _with("alertId", "g-1"),
            {},
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_the_alert_id_the_vendor_always_sends_is_all_that_is_required(
    source: str, payload: Any, identify: Edit, headers: dict[str, str]
) -> None:
    wrap = _alert_center if source == "google-dlp" else (lambda p: p)
    with pytest.raises(UnreadablePayload):  # no id: not the vendor's alert
        SOURCES[source].parse(wrap(copy.deepcopy(payload)), headers)
    identify(payload)
    (alert,) = mapped(source, wrap(payload), headers)  # the id and nothing else usable: accepted
    assert alert.alert_id.endswith(("9", "-1"))


def test_counts_are_read_as_vendors_send_them_and_absurd_ones_are_unknown() -> None:
    assert [int_or_none(v) for v in (12, "12", " 12 ", 12.0, "12.0", -1, 1.5, 10**11, True, None, [])] == [
        12, 12, 12, 12, None, None, None, None, None, None, None,
    ]  # fmt: skip


# --- generic: our own schema's optional fields -------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "noted", "check"),
    [
        (put(None, "subject_regions"), "subject_regions", lambda r: r.subject_regions == {}),
        (put(None, "assets"), "assets", lambda r: r.assets == []),
        (put(None, "publicly_viewable"), "publicly_viewable", lambda r: r.publicly_viewable is False),
        (put("AES-256", "encryption"), "encryption", lambda r: r.encryption.value == "none"),
        (put(None, "encryption"), "encryption", lambda r: r.encryption.value == "none"),
        (put("joint", "entity_role"), "entity_role", lambda r: r.entity_role.value == "controller"),
    ],
)
def test_a_generic_alert_with_an_optional_field_null_or_unknown_takes_its_default(
    edit: Edit, noted: str, check: Callable[[Any], bool]
) -> None:
    from tests.unit.factories import report_body

    body = {**report_body(), "source_alert_id": "siem-1"}
    edit(body)
    (alert,) = mapped("generic", body)
    assert alert.report is not None and check(alert.report)
    assert NOTED in alert.report.description and noted in alert.report.description
