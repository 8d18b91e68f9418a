"""The correlation keys each webhook source reads from its vendor's payload: the rule that fired, the
asset it concerns, the actor, and matches per detector — names and counts, never the matches."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from pidesk.services.intake.webhooks.common import actor_key, asset_key, rule_key
from pidesk.services.intake.webhooks.model import VendorAlert
from pidesk.services.intake.webhooks.sources import (
    aws_macie,
    code42,
    generic,
    github,
    google_dlp,
    ms_purview,
    netskope,
    nightfall,
)
from tests.support.webhooks import fixture_bytes
from tests.unit.factories import report_body


def fixture(source: str, name: str) -> Any:
    return json.loads(fixture_bytes(source, name))


def only(alerts: Any) -> VendorAlert:
    assert isinstance(alerts, list) and len(alerts) == 1, alerts
    return alerts[0]


def keys(alert: VendorAlert) -> tuple[str | None, str | None, str | None, dict[str, int]]:
    return alert.rule, alert.asset, alert.actor, alert.detections


def assert_consistent(alert: VendorAlert) -> None:
    """The asset is among the alert's places, and the count is the largest detector's when known."""
    if alert.asset is not None:
        assert alert.asset in alert.assets
    if alert.detections:
        assert alert.affected_count == max(alert.detections.values())


def pubsub(data: dict[str, Any], **attributes: str) -> dict[str, Any]:
    return {
        "message": {
            "data": base64.b64encode(json.dumps(data).encode()).decode(),
            "attributes": attributes,
            "messageId": "11184902215560999",
            "publishTime": "2024-05-01T02:17:41.908Z",
        },
        "subscription": "projects/pidesk-data-prod/subscriptions/dlp-job-done-push",
    }


# --- Amazon Macie -----------------------------------------------------------------------------------


def test_macie_sensitive_data_finding_keys_on_type_bucket_and_identifier_counts() -> None:
    event = fixture("aws-macie", "finding_personal.json")
    event["detail"]["classificationDetails"]["result"]["customDataIdentifiers"] = {
        "totalCount": 1604,
        "detections": [
            {
                "arn": "arn:aws:macie2:ap-northeast-1:482915067331:custom-data-identifier/6fa1c2d3-employee-no",
                "name": "ACME_EMPLOYEE_NUMBER",
                "count": 1604,
                "occurrences": {"cells": [{"cellReference": None, "column": 1, "columnName": "emp_no", "row": 2}]},
            }
        ],
    }
    alert = only(aws_macie.parse(event, {}))
    assert keys(alert) == (
        "SensitiveData:S3Object/Multiple",
        "arn:aws:s3:::acme-crm-exports-apne1",
        None,  # a classification job has no actor
        {
            "CREDIT_CARD_NUMBER": 212,
            "CREDIT_CARD_EXPIRATION": 198,
            "NAME": 1450,
            "ADDRESS": 1377,
            "PHONE_NUMBER": 1402,
            "DATE_OF_BIRTH": 950,
            "ACME_EMPLOYEE_NUMBER": 1604,
        },
    )
    assert alert.affected_count == 1604
    assert_consistent(alert)


def test_macie_counts_one_identifier_listed_twice_as_their_sum() -> None:
    event = fixture("aws-macie", "finding_credentials.json")
    result = event["detail"]["classificationDetails"]["result"]
    result["sensitiveData"].append(
        {"category": "CREDENTIALS", "totalCount": 3, "detections": [{"type": "AWS_CREDENTIALS", "count": 3}]}
    )
    alert = only(aws_macie.parse(event, {}))
    assert alert.detections == {"AWS_CREDENTIALS": 5, "OPENSSH_PRIVATE_KEY": 1}
    assert alert.affected_count == 5


@pytest.mark.parametrize(
    ("identity", "actor"),
    [
        (None, "arn:aws:iam::482915067331:user/deploy-bot"),  # as in the fixture: an IAM user
        (
            {
                "type": "AssumedRole",
                "assumedRole": {
                    "accountId": "482915067331",
                    "arn": "arn:aws:sts::482915067331:assumed-role/AWSReservedSSO_Admin/hanako.sato@example.co.jp",
                    "principalId": "AROAXB3KQ7EXAMPLEROLE:hanako.sato@example.co.jp",
                    "sessionContext": {"attributes": {"mfaAuthenticated": True}},
                },
            },
            "arn:aws:sts::482915067331:assumed-role/AWSReservedSSO_Admin/hanako.sato@example.co.jp",
        ),
        (
            {"type": "AWSService", "awsService": {"invokedBy": "cloudformation.amazonaws.com"}},
            "cloudformation.amazonaws.com",
        ),
    ],
)
def test_macie_policy_finding_names_the_principal_that_changed_the_bucket(
    identity: dict[str, Any] | None, actor: str
) -> None:
    event = fixture("aws-macie", "finding_policy_public.json")
    if identity is not None:
        event["detail"]["policyDetails"]["actor"]["userIdentity"] = identity
    alert = only(aws_macie.parse(event, {}))
    assert keys(alert) == ("Policy:IAMUser/S3BucketPublic", "arn:aws:s3:::acme-crm-exports-apne1", actor, {})
    assert alert.affected_count is None
    assert_consistent(alert)


def test_macie_bucket_without_an_arn_is_named_by_its_name() -> None:
    event = fixture("aws-macie", "finding_policy_public.json")
    del event["detail"]["resourcesAffected"]["s3Bucket"]["arn"]
    alert = only(aws_macie.parse(event, {}))
    assert alert.asset == "acme-crm-exports-apne1"
    assert_consistent(alert)


# --- Code42 Incydr ----------------------------------------------------------------------------------


def test_code42_alert_keys_on_its_rule_the_source_and_the_actor() -> None:
    alert_body = fixture("code42", "alert_open.json")
    alert_body["actor"] = " Taro.Yamada@Example.co.jp "
    alert = only(code42.parse(alert_body, {}))
    # Incydr does not read file content: no detector counts
    assert keys(alert) == (
        "Departing employee - removable media exfiltration",
        "Endpoint",
        "taro.yamada@example.co.jp",
        {},
    )
    assert_consistent(alert)


def test_code42_cloud_share_alert_concerns_the_cloud_service_and_falls_back_to_the_rule_id() -> None:
    alert_body = fixture("code42", "alert_open.json")
    del alert_body["name"]
    alert_body["type"] = "FED_CLOUD_SHARE_PERMISSIONS"
    alert_body["observations"] = [
        {
            "type$": "OBSERVATION",
            "id": "9c41f7a2-FedCloudSharePermissions",
            "observedAt": "2026-11-20T06:00:00.0000000Z",
            "type": "FedCloudSharePermissions",
            "data": json.dumps(
                {
                    "type$": "OBSERVED_CLOUD_SHARE_ACTIVITY",
                    "id": "9c41f7a2-FedCloudSharePermissions",
                    "sources": ["OneDrive"],
                    "exposureTypes": ["PublicLinkShare"],
                    "fileCount": 2,
                    "totalFileSize": 200,
                }
            ),
        }
    ]
    alert = only(code42.parse(alert_body, {}))
    assert keys(alert) == ("4c2f8a7e-1b3d-4e9a-8f6c-2d5b7a9e0c13", "OneDrive", "taro.yamada@example.co.jp", {})
    assert_consistent(alert)


# --- generic (our own report schema) ----------------------------------------------------------------


def test_generic_alert_concerns_the_first_place_it_reports_and_names_no_rule_or_actor() -> None:
    body = {
        **report_body(assets=[" crm-prod-db-01 ", "s3://acme-crm-exports-apne1/exports/"]),
        "source_alert_id": "scanner-42",
    }
    alert = only(generic.parse(body, {}))
    assert keys(alert) == (None, "crm-prod-db-01", None, {})
    assert_consistent(alert)
    assert alert.report is not None and alert.report.assets == [
        " crm-prod-db-01 ",
        "s3://acme-crm-exports-apne1/exports/",
    ]


def test_generic_alert_without_assets_has_no_asset() -> None:
    alert = only(generic.parse({**report_body(), "source_alert_id": "scanner-43"}, {}))
    assert keys(alert) == (None, None, None, {})


# --- GitHub secret scanning -------------------------------------------------------------------------


def test_github_alert_keys_on_secret_type_and_repository_and_names_the_bypassing_pusher() -> None:
    event = fixture("github", "secret_scanning_alert_created.json")
    event["alert"]["push_protection_bypassed"] = True
    event["alert"]["push_protection_bypassed_at"] = "2025-03-03T08:13:50Z"
    event["alert"]["push_protection_bypassed_by"] = {
        "login": "k-watanabe",
        "id": 9007199254741377,
        "node_id": "U_kgDOC2x9Rw",
        "type": "User",
        "site_admin": False,
    }
    alert = only(github.parse(event, {"x-github-event": "secret_scanning_alert"}))
    # one secret per alert: GitHub gives no match count
    assert keys(alert) == ("github_personal_access_token", "acme-retail/loyalty-api", "k-watanabe", {})
    assert_consistent(alert)


def test_github_created_event_names_its_sender_and_a_triage_event_names_nobody() -> None:
    created = fixture("github", "secret_scanning_alert_created.json")
    created["sender"] = {"login": "j-tanaka", "id": 9007199254740995, "type": "User", "site_admin": False}
    assert only(github.parse(created, {})).actor == "j-tanaka"
    # the sender of `resolved` (j-tanaka) and `reopened` (mkato-sec) triaged the alert: not its actor
    for name in ("secret_scanning_alert_resolved.json", "secret_scanning_alert_reopened.json"):
        alert = only(github.parse(fixture("github", name), {}))
        assert keys(alert) == ("github_personal_access_token", "acme-retail/loyalty-api", None, {})


# --- Google Workspace Alert Center and Cloud DLP ----------------------------------------------------


def alert_center_envelope() -> tuple[dict[str, Any], dict[str, Any]]:
    envelope = fixture("google-dlp", "pubsub_alert_center_dlp.json")
    return envelope, json.loads(base64.b64decode(envelope["message"]["data"]))


def test_alert_center_drive_alert_keys_on_the_rule_the_document_and_the_user() -> None:
    envelope, alert_body = alert_center_envelope()
    alert_body["data"]["ruleViolationInfo"]["triggeringUserEmail"] = "Hanako.Yamada@Example.co.jp"
    envelope["message"]["data"] = base64.b64encode(json.dumps(alert_body).encode()).decode()
    alert = only(google_dlp.parse(envelope, {}))
    # Alert Center names the detectors that matched, never how often
    assert keys(alert) == (
        "マイナンバー・カード番号の外部共有をブロック",
        "1qZ3xW8vK0pLmN4oR7sT2uYbC5dE6fGhI9jA",
        "hanako.yamada@example.co.jp",
        {},
    )
    assert_consistent(alert)


def test_alert_center_gmail_alert_concerns_the_senders_mailbox() -> None:
    _, alert_body = alert_center_envelope()
    info = alert_body["data"]["ruleViolationInfo"]
    info.update(
        dataSource="GMAIL",
        trigger="MAIL_BEING_SENT",
        resourceInfo={"resourceTitle": "Q3 payroll", "documentId": "<CAF7x2=ab@mail.gmail.com>"},
        eventType="MAIL_BLOCKED",
    )
    del info["ruleInfo"]["displayName"]
    alert = only(google_dlp.parse(alert_body, {}))  # posted bare
    assert keys(alert) == (
        "policies/akajj264aboe24lbjk3oh57bfhkzn2gq",
        "hanako.yamada@example.co.jp",
        "hanako.yamada@example.co.jp",
        {},
    )
    assert_consistent(alert)


def dlp_job(storage: dict[str, Any]) -> dict[str, Any]:
    """A DlpJob as `dlpJobs.get` returns it (int64 counts as JSON strings), as a relay adds it."""
    return {
        "name": "projects/pidesk-data-prod/locations/asia-northeast1/dlpJobs/i-6427731862341127168",
        "type": "INSPECT_JOB",
        "state": "DONE",
        "inspectDetails": {
            "requestedOptions": {
                "snapshotInspectTemplate": {},
                "jobConfig": {
                    "storageConfig": storage,
                    "inspectConfig": {"infoTypes": [{"name": "EMAIL_ADDRESS"}, {"name": "PERSON_NAME"}]},
                    "actions": [{"pubSub": {"topic": "projects/pidesk-data-prod/topics/dlp-job-done"}}],
                },
            },
            "result": {
                "processedBytes": "48213977",
                "totalEstimatedBytes": "48213977",
                "infoTypeStats": [
                    {
                        "infoType": {"name": "EMAIL_ADDRESS", "sensitivityScore": {"score": "SENSITIVITY_MODERATE"}},
                        "count": "5210",
                    },
                    {"infoType": {"name": "PERSON_NAME"}, "count": "4988"},
                    {"infoType": {"name": "JAPAN_INDIVIDUAL_NUMBER"}, "count": "37"},
                ],
            },
        },
        "createTime": "2024-05-01T02:10:03.118Z",
        "startTime": "2024-05-01T02:10:05.402Z",
        "endTime": "2024-05-01T02:17:40.991Z",
        "jobTriggerName": "projects/pidesk-data-prod/locations/asia-northeast1/jobTriggers/crm-weekly-scan",
    }


@pytest.mark.parametrize(
    ("storage", "asset"),
    [
        (
            {
                "bigQueryOptions": {
                    "tableReference": {"projectId": "pidesk-data-prod", "datasetId": "crm", "tableId": "customers"}
                }
            },
            "//bigquery.googleapis.com/projects/pidesk-data-prod/datasets/crm/tables/customers",
        ),
        (
            {"cloudStorageOptions": {"fileSet": {"url": "gs://acme-crm-exports/exports/**"}, "bytesLimitPerFile": "0"}},
            "gs://acme-crm-exports/exports/**",
        ),
    ],
)
def test_cloud_dlp_job_keys_on_its_trigger_the_storage_and_infotype_counts(storage: dict[str, Any], asset: str) -> None:
    job = dlp_job(storage)
    alert = only(google_dlp.parse(pubsub(job, DlpJobName=job["name"]), {}))
    assert keys(alert) == (
        "projects/pidesk-data-prod/locations/asia-northeast1/jobTriggers/crm-weekly-scan",
        asset,
        None,
        {"EMAIL_ADDRESS": 5210, "PERSON_NAME": 4988, "JAPAN_INDIVIDUAL_NUMBER": 37},
    )
    assert alert.affected_count == 5210
    assert_consistent(alert)


def test_cloud_dlp_job_notification_without_the_job_has_no_keys() -> None:
    alert = only(google_dlp.parse(fixture("google-dlp", "pubsub_dlp_job.json"), {}))
    assert keys(alert) == (None, None, None, {})


def test_cloud_dlp_data_profile_concerns_the_profiled_table() -> None:
    alert = only(google_dlp.parse(fixture("google-dlp", "pubsub_data_profile.json"), {}))
    # a profile predicts infoTypes with a prevalence, not a count of matches
    assert keys(alert) == (
        None,
        "//bigquery.googleapis.com/projects/pidesk-data-prod/datasets/crm/tables/customers",
        None,
        {},
    )
    assert_consistent(alert)


# --- Microsoft Purview ------------------------------------------------------------------------------


def test_purview_exchange_record_keys_on_the_rule_the_senders_mailbox_and_type_counts() -> None:
    record = fixture("ms-purview", "dlp_rule_match_single.json")
    record["UserId"] = "Hanako.Sato@contoso.co.jp"
    record["ExchangeMetaData"]["From"] = "HANAKO.SATO@contoso.co.jp"
    alert = only(ms_purview.parse(record, {}))
    assert keys(alert) == (
        "Card or SSN to external recipients",
        "hanako.sato@contoso.co.jp",
        "hanako.sato@contoso.co.jp",
        {"Credit Card Number": 4, "U.S. Social Security Number (SSN)": 1},
    )
    assert_consistent(alert)


def test_purview_records_key_on_the_site_the_most_severe_rule_and_each_type_once() -> None:
    onedrive, exchange = ms_purview.parse(fixture("ms-purview", "dlp_records_array.json"), {})
    assert keys(onedrive) == (
        "マイナンバー 10件以上",
        "https://contoso-my.sharepoint.com/personal/kenji_ito_contoso_co_jp",
        "kenji.ito@contoso.co.jp",
        # the type name's trailing space is the vendor's quirk, not part of the name
        {"Japan My Number - Personal": 38, "Japan Social Insurance Number (SIN)": 36},
    )
    # DetectedValues hold the matched numbers themselves: they go nowhere
    assert "1234 5678 9018" not in repr(onedrive)
    # "Credit Card Number" matched rules of two policies: the same card, counted once; the Medium rule
    # that alerts is the rule, not the Low audit rule
    assert keys(exchange) == (
        "旅券・カード 外部宛",
        "misaki.kobayashi@contoso.co.jp",
        "misaki.kobayashi@contoso.co.jp",
        {"Japan Passport Number": 2, "Credit Card Number": 1},
    )
    for alert in (onedrive, exchange):
        assert_consistent(alert)


def test_purview_endpoint_record_concerns_the_device() -> None:
    record = fixture("ms-purview", "dlp_rule_match_single.json")
    del record["ExchangeMetaData"]
    record.update(
        Workload="Endpoint",
        RecordType=63,
        ObjectId="C:\\Users\\hanako.sato\\Documents\\請求先リスト.xlsx",
        EndpointMetaData={
            "DeviceName": "JP-TKY-LT0142",
            "EndpointOperation": "CopyToRemovableMedia",
            "SourceLocationType": 1,
            "TargetFilePath": "E:\\請求先リスト.xlsx",
            "EnforcementMode": 1,
        },
    )
    record["PolicyDetails"][0]["PolicyName"] = "個人情報 USB持ち出し"
    record["PolicyDetails"][0]["Rules"][0]["RuleName"] = "  Card or SSN to USB  "
    alert = only(ms_purview.parse(record, {}))
    assert keys(alert)[:3] == ("Card or SSN to USB", "JP-TKY-LT0142", "hanako.sato@contoso.co.jp")
    assert_consistent(alert)


# --- Netskope ---------------------------------------------------------------------------------------


def test_netskope_alert_keys_on_its_rule_the_app_the_user_and_the_matches() -> None:
    record = fixture("netskope", "dlp_alert.json")
    record["user"] = "Hanako.Sato@Example.co.jp"
    alert = only(netskope.parse(record, {}))
    # no instance named: the app is the place; unique matches counted (dlp_is_unique_count)
    assert keys(alert) == (
        "EU-Name-Phone (narrow)",
        "Dropbox",
        "hanako.sato@example.co.jp",
        {"EU-Name-Phone (narrow)": 1217},
    )
    assert_consistent(alert)


def test_netskope_incident_of_several_rules_keys_on_the_rule_with_most_matches() -> None:
    drive, onedrive = netskope.parse(fixture("netskope", "dlp_alerts_array.json"), {})
    assert keys(drive) == (
        "EU-Name-Phone (narrow)",
        "Google Drive/gmail.com",
        "john.miller@example.com",
        {"FullName-Near-SSN-Unique": 63, "EU-Name-Phone (narrow)": 71},
    )
    assert keys(onedrive) == (
        "JP-MyNumber-Near-Name (custom)",
        "Microsoft Office 365 OneDrive for Business/contoso-my.sharepoint.com",
        "kenji.tanaka@example.co.jp",
        {"JP-MyNumber-Near-Name (custom)": 398},
    )
    for alert in (drive, onedrive):
        assert_consistent(alert)


# --- Nightfall --------------------------------------------------------------------------------------


def test_nightfall_scan_keys_on_its_detection_rule_the_file_and_findings_per_detector() -> None:
    alert = only(nightfall.parse(fixture("nightfall", "findings_more.json"), {}))
    assert keys(alert) == (
        "pidesk HR export sweep",
        "hr_export_2025-03.csv",
        None,  # a file scan names no user
        {
            "Person Name": 2,
            "Email Address": 2,
            "Phone Number": 2,
            "Date of Birth": 1,
            "Street Address": 1,
            "US Social Security Number": 1,
            "Credit Card Number": 2,
            "API Key": 1,
            "IBAN Code": 1,
            "ICD10 Code": 1,
            "Password": 1,
        },
    )
    assert_consistent(alert)
    for matched in ("523-41-7789", "4111-1111-1111-1111", "Winter2025!", "haruka.sato@example.jp"):
        assert matched not in repr(alert)


def test_nightfall_findings_without_rule_names_key_on_the_detector_with_most_findings() -> None:
    payload = fixture("nightfall", "findings_more.json")
    payload["findings"] = [f for f in payload["findings"] if f["detector"]["name"] != "Person Name"]
    for finding in payload["findings"]:
        finding["matchedDetectionRules"] = []
    alert = only(nightfall.parse(payload, {}))
    assert alert.rule == "Email Address"  # 2 findings, first seen of the detectors with 2
    assert alert.detections["Credit Card Number"] == 2


def test_nightfall_findings_behind_a_link_give_the_file_but_no_counts() -> None:
    alert = only(nightfall.parse(fixture("nightfall", "findings_url.json"), {}))
    assert keys(alert) == (None, "hr_export_2025-03.csv", None, {})
    assert alert.affected_count is None


# --- normalisation ----------------------------------------------------------------------------------


def test_keys_are_trimmed_bounded_and_email_addresses_lower_cased() -> None:
    assert rule_key("  Card or SSN to external recipients \t") == "Card or SSN to external recipients"
    assert rule_key("R" * 400) == "R" * 300
    assert asset_key("A" * 600) == "A" * 500
    assert actor_key("x" * 400) == "x" * 300
    assert actor_key(" Taro.Yamada@Example.CO.JP ") == "taro.yamada@example.co.jp"
    assert actor_key("DeployBot") == "DeployBot"  # vendor case kept
    assert (
        asset_key("https://Contoso-my.sharepoint.com/personal/Kenji")
        == "https://Contoso-my.sharepoint.com/personal/Kenji"
    )
    assert rule_key(None, "", "   ", {"name": "x"}, 9007199254740993) == "9007199254740993"  # int ids stay exact
    assert rule_key(None, 1.5, True) is None


def test_a_long_netskope_rule_name_is_cut_in_every_key() -> None:
    record = fixture("netskope", "dlp_alert.json")
    record["dlp_rule"] = "EU-Name-Phone " + "x" * 400 + "  "
    alert = only(netskope.parse(record, {}))
    assert alert.rule is not None and len(alert.rule) == 300
    assert list(alert.detections) == [alert.rule]
