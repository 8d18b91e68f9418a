"""`google-dlp`: Google Workspace Alert Center DLP alerts and Cloud DLP (Sensitive Data Protection)
notifications, as a Pub/Sub push subscription POSTs them: {"message": {"data": base64, "attributes",
"messageId", "publishTime"}, "subscription"}. An Alert Center alert posted bare is read too.

- Alert Center (attribute `alertcenter_resource_type`, or data with `alertId`): base64 JSON of the
  alert; detectors in `data.ruleViolationInfo.matchInfo[]`; no match counts.
- Cloud DLP job finished (attribute `DlpJobName`): the job's name only (its findings need a
  `dlpJobs.get`); a DlpJob JSON in `data`, where a relay adds it, gives infoType counts.
- Data profile: `data` is binary protobuf (DataProfilePubSubMessage); its profile resource name and
  infoType names are read from the message's strings.

Authenticated with our X-Pidesk headers (Pub/Sub push signs with an OIDC token we do not verify here)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from pidesk.services.intake.webhooks.common import (
    CategoryTable,
    Fallbacks,
    actor_key,
    add_count,
    as_dict,
    as_id,
    as_list,
    asset_key,
    dig,
    optional_time,
    rule_key,
    text_or_none,
    typed_asset,
    with_asset,
)
from pidesk.services.intake.webhooks.model import Handshake, UnreadablePayload, VendorAlert, WebhookSource
from pidesk.services.intake.webhooks.signatures import verify_pidesk
from pidesk.shared.http.json_limits import loads_bounded
from pidesk.shared.vocabulary import AssetType, IncidentKind
from pidesk.shared.vocabulary import DataCategory as C

# infoType / detector names (cloud.google.com/sensitive-data-protection/docs/infotypes-reference)
INFO_TYPES = CategoryTable(
    {
        "PERSON_NAME": C.NAME,
        "FIRST_NAME": C.NAME,
        "LAST_NAME": C.NAME,
        "FEMALE_NAME": C.NAME,
        "MALE_NAME": C.NAME,
        "STREET_ADDRESS": C.ADDRESS,
        "IRELAND_EIRCODE": C.ADDRESS,
        "EMAIL_ADDRESS": C.EMAIL,
        "PHONE_NUMBER": C.PHONE,
        "US_TOLLFREE_PHONE_NUMBER": C.PHONE,
        "DATE_OF_BIRTH": C.BIRTH_DATE,
        "GENDER": C.GENDER,
        "OBJECT_TYPE/PERSON/FACE": C.PHOTO,
        "JAPAN_INDIVIDUAL_NUMBER": C.MY_NUMBER,
        "US_SOCIAL_SECURITY_NUMBER": C.SSN,
        "PASSPORT": C.GOVERNMENT_ID,
        "DRIVERS_LICENSE_NUMBER": C.GOVERNMENT_ID,
        "GOVERNMENT_ID": C.GOVERNMENT_ID,
        "DOD_ID_NUMBER": C.GOVERNMENT_ID,
        "KOREA_RRN": C.GOVERNMENT_ID,
        "CHINA_RESIDENT_ID_NUMBER": C.GOVERNMENT_ID,
        "INDIA_AADHAAR_INDIVIDUAL": C.GOVERNMENT_ID,
        "FRANCE_NIR": C.GOVERNMENT_ID,
        "UK_NATIONAL_INSURANCE_NUMBER": C.GOVERNMENT_ID,
        "CANADA_SOCIAL_INSURANCE_NUMBER": C.GOVERNMENT_ID,
        "US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER": C.GOVERNMENT_ID,
        "GERMANY_TAXPAYER_IDENTIFICATION_NUMBER": C.GOVERNMENT_ID,
        "INDIA_PAN_INDIVIDUAL": C.GOVERNMENT_ID,
        "CREDIT_CARD_NUMBER": C.CREDIT_CARD,
        "CREDIT_CARD_TRACK_NUMBER": C.CREDIT_CARD,
        "CVV_NUMBER": C.CREDIT_CARD,
        "CREDIT_CARD_EXPIRATION_DATE": C.CREDIT_CARD,
        "CREDIT_CARD_DATA": C.CREDIT_CARD,
        "JAPAN_BANK_ACCOUNT": C.BANK_ACCOUNT,
        "FINANCIAL_ACCOUNT_NUMBER": C.BANK_ACCOUNT,
        "IBAN_CODE": C.BANK_ACCOUNT,
        "CANADA_BANK_ACCOUNT": C.BANK_ACCOUNT,
        "US_BANK_ROUTING_MICR": C.BANK_ACCOUNT,
        "PORTUGAL_NIB_NUMBER": C.BANK_ACCOUNT,
        "FINANCIAL_ID": C.BANK_ACCOUNT,
        "PASSWORD": C.CREDENTIALS,
        "AUTH_TOKEN": C.CREDENTIALS,
        "GCP_CREDENTIALS": C.CREDENTIALS,
        "GCP_API_KEY": C.CREDENTIALS,
        "AWS_CREDENTIALS": C.CREDENTIALS,
        "AZURE_AUTH_TOKEN": C.CREDENTIALS,
        "ENCRYPTION_KEY": C.CREDENTIALS,
        "JSON_WEB_TOKEN": C.CREDENTIALS,
        "OAUTH_CLIENT_SECRET": C.CREDENTIALS,
        "HTTP_COOKIE": C.CREDENTIALS,
        "BASIC_AUTH_HEADER": C.CREDENTIALS,
        "XSRF_TOKEN": C.CREDENTIALS,
        "WEAK_PASSWORD_HASH": C.CREDENTIALS,
        "STORAGE_SIGNED_URL": C.CREDENTIALS,
        "TINK_KEYSET": C.CREDENTIALS,
        "SECURITY_DATA": C.CREDENTIALS,
        "MEDICAL_TERM": C.HEALTH,
        "BLOOD_TYPE": C.HEALTH,
        "AUSTRALIA_MEDICARE_NUMBER": C.HEALTH,
        "CANADA_OHIP": C.HEALTH,
        "UK_NATIONAL_HEALTH_SERVICE_NUMBER": C.HEALTH,
        "US_MEDICARE_BENEFICIARY_ID_NUMBER": C.HEALTH,
        "MEDICAL_RECORD_NUMBER": C.MEDICAL_HISTORY,
        "ICD9_CODE": C.MEDICAL_HISTORY,
        "ICD10_CODE": C.MEDICAL_HISTORY,
        "CRIME_STATUS": (C.CRIMINAL_RECORD, C.CRIME_VICTIM),
        "ETHNIC_GROUP": C.RACE_ETHNICITY,
        "RELIGIOUS_TERM": C.RELIGION_CREED,
        "POLITICAL_TERM": C.POLITICAL_OPINION,
        "TRADE_UNION": C.TRADE_UNION,
        "SEXUAL_ORIENTATION": C.SEXUAL_ORIENTATION,
        "MARITAL_STATUS": C.SOCIAL_STATUS,
        "EMPLOYMENT_STATUS": C.SOCIAL_STATUS,
        "IMMIGRATION_STATUS": C.SOCIAL_STATUS,
        "LOCATION": C.LOCATION,
        "LOCATION_COORDINATES": C.LOCATION,
        "GEOGRAPHIC_DATA": C.LOCATION,
    }
)
GOVERNMENT_ID_PATTERN = re.compile(r"_(PASSPORT|DRIVERS?_LICEN[CS]E_NUMBER|DRIVING_LICEN[CS]E_NUMBER|NATIONAL_ID\w*)$")
MESSAGE_SOURCES = {"GMAIL", "CHAT"}
BLOCKED_EVENTS = {"SHARING_BLOCKED", "ACCESS_BLOCKED", "MAIL_BLOCKED", "MESSAGE_BLOCKED"}


def categories_of(names: list[str]) -> list[C]:
    found: list[C] = []
    for name in names:
        if INFO_TYPES.knows(name):
            found.extend(INFO_TYPES.categories([name]))
        elif GOVERNMENT_ID_PATTERN.search(name.upper()):
            found.append(C.GOVERNMENT_ID)
        else:
            found.append(C.OTHER)
    unique = list(dict.fromkeys(found))
    return [c for c in unique if c is not C.OTHER] or [C.OTHER]


def _data(message: dict[str, Any]) -> bytes | None:
    raw = message.get("data")
    if not raw or not isinstance(raw, str):  # Pub/Sub sends base64 text; anything else carries nothing
        return None
    try:
        return base64.b64decode(raw, validate=False)
    except (binascii.Error, ValueError):
        raise UnreadablePayload("message.data is not base64") from None


def _json(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return loads_bounded(data)
    except (ValueError, UnicodeDecodeError):
        return None


def _not_dlp(alert: dict[str, Any]) -> bool:
    """Alert Center publishes every alert type to the topic: one whose data names another type (a
    suspicious login, a phishing mail…) and holds no rule violation is not ours to report."""
    kind = dig(alert, "data", "@type")
    return isinstance(kind, str) and "DlpRuleViolation" not in kind and not dig(alert, "data", "ruleViolationInfo")


def parse(payload: Any, headers: Mapping[str, str]) -> list[VendorAlert] | Handshake:
    if isinstance(payload, dict) and "alertId" in payload:
        return _ignored(payload) if _not_dlp(payload) else [alert_center(payload, {})]
    message = dig(payload, "message")
    if not isinstance(message, dict):
        raise UnreadablePayload("expected a Pub/Sub push envelope {message: {data, attributes, …}}")
    attributes = as_dict(message.get("attributes"))
    data = _data(message)
    decoded = _json(data)
    if attributes.get("alertcenter_resource_type") or (isinstance(decoded, dict) and "alertId" in decoded):
        if not isinstance(decoded, dict):
            raise UnreadablePayload("the Alert Center message data is not a JSON alert")
        return _ignored(decoded) if _not_dlp(decoded) else [alert_center(decoded, attributes)]
    published = message.get("publishTime") or message.get("publish_time")
    if attributes.get("DlpJobName") or (isinstance(decoded, dict) and "inspectDetails" in decoded):
        return [dlp_job(attributes, decoded, published)]
    if data is not None:
        return [data_profile(data, message, published)]
    raise UnreadablePayload("neither an Alert Center alert, a DLP job notification nor a data profile")


def _ignored(alert: dict[str, Any]) -> Handshake:
    return Handshake(body={"status": "ignored", "alert_type": text_or_none(alert.get("type"))})


def alert_center(alert: dict[str, Any], attributes: Mapping[str, Any]) -> VendorAlert:
    fallbacks = Fallbacks()
    info = fallbacks.mapping(as_dict(alert.get("data")), "ruleViolationInfo", "data.ruleViolationInfo")
    detectors = [
        text_or_none(dig(m, "predefinedDetector", "detectorName"))
        or text_or_none(dig(m, "userDefinedDetector", "displayName"))
        or ""
        for m in fallbacks.objects(info, "matchInfo", "ruleViolationInfo.matchInfo")
    ]
    if not any(detectors):
        fallbacks.note("ruleViolationInfo.matchInfo", "no detector named: category other")
    categories = categories_of([d for d in detectors if d])
    source = str(text_or_none(info.get("dataSource")) or "").upper()
    if source in MESSAGE_SOURCES:
        categories = [c for c in [*categories, C.COMMUNICATIONS_CONTENT] if c is not C.OTHER]
    blocked = str(info.get("eventType", "")).upper() in BLOCKED_EVENTS
    recipients = fallbacks.items(info, "recipients", "ruleViolationInfo.recipients")
    actions = [str(a) for a in fallbacks.items(info, "triggeredActionTypes") if text_or_none(a)]
    rule = dig(info, "ruleInfo", "displayName") or dig(info, "ruleInfo", "resourceName") or "DLP rule"
    title = dig(info, "resourceInfo", "resourceTitle") or "a resource"
    status = text_or_none(dig(alert, "metadata", "status")) or text_or_none(
        attributes.get("alertcenter_resource_status")
    )
    user = actor_key(info.get("triggeringUserEmail"))
    # a message's place is the sender's mailbox; a Drive file's, the file
    asset = (
        user
        if source in MESSAGE_SOURCES
        else asset_key(dig(info, "resourceInfo", "documentId"), dig(info, "resourceInfo", "resourceTitle"))
    )
    return VendorAlert(
        alert_id=as_id(alert.get("alertId"), "alertId"),
        incident_kind=IncidentKind.UNAUTHORIZED_PROVISION if recipients else IncidentKind.OTHER,
        data_categories=categories,
        aware_at=optional_time(alert.get("startTime"), "startTime")
        or optional_time(alert.get("createTime"), "createTime"),
        title=f"Google Workspace DLP: {rule} — {title}",
        summary=fallbacks.summary(
            f"Alert Center DLP alert {alert.get('alertId')} ({info.get('dataSource')}, {info.get('trigger')}): "
            f"rule {rule!r}; detectors: {', '.join(d for d in detectors if d) or 'unknown'}; user: "
            f"{info.get('triggeringUserEmail') or 'unknown'}; recipients: {len(recipients)}; event: "
            f"{info.get('eventType') or 'unknown'}; actions: {', '.join(actions) or 'none'}."
        ),
        recovered_before_access=blocked,
        assets=with_asset(
            [a for a in (dig(info, "resourceInfo", "documentId"),) if isinstance(a, str)],
            asset,
            # a message: the sender's mailbox; a Drive file: the file, as a Drive asset
            typed_asset(AssetType.MAILBOX, user) if source in MESSAGE_SOURCES else None,
            typed_asset(AssetType.GOOGLE_DRIVE, dig(info, "resourceInfo", "documentId"))
            if source not in MESSAGE_SOURCES
            else None,
        ),
        vendor_state=str(status).lower() if status else None,
        rule=rule_key(dig(info, "ruleInfo", "displayName"), dig(info, "ruleInfo", "resourceName")),
        asset=asset,
        actor=user,
        # Alert Center lists the detectors that matched, never how often: no counts
    )


def dlp_job(attributes: Mapping[str, Any], job: Any, published: Any) -> VendorAlert:
    name = attributes.get("DlpJobName") or dig(job, "name")
    stats = [s for s in as_list(dig(job, "inspectDetails", "result", "infoTypeStats")) if isinstance(s, dict)]
    names = [dig(s, "infoType", "name") for s in stats if isinstance(dig(s, "infoType", "name"), str)]
    detections: dict[str, int] = {}
    for stat in stats:
        add_count(detections, dig(stat, "infoType", "name"), dig(stat, "count"))
    when = dig(job, "endTime") or dig(job, "createTime") or published
    asset = _storage(dig(job, "inspectDetails", "requestedOptions", "jobConfig", "storageConfig"))
    return VendorAlert(
        alert_id=as_id(name, "attributes.DlpJobName"),
        incident_kind=IncidentKind.OTHER,
        data_categories=categories_of(names),
        aware_at=optional_time(when, "publishTime"),
        title=f"Cloud DLP inspection job finished: {str(name).rsplit('/', 1)[-1]}",
        summary=(
            f"Sensitive Data Protection job {name} finished. InfoTypes: {', '.join(names) or 'not in the message'}; "
            f"findings: {sum(detections.values()) if detections else 'unknown (see the job in the console)'}."
        ),
        affected_count=max(detections.values()) if detections else None,
        assets=with_asset([str(name)], asset, typed_asset(AssetType.OTHER, asset)),
        # the job trigger (a scheduled scan) or, for a one-off job, the inspect template that ran
        rule=rule_key(
            dig(job, "jobTriggerName"),
            dig(job, "inspectDetails", "requestedOptions", "jobConfig", "inspectTemplateName"),
        ),
        asset=asset,
        detections=detections,
    )


def _storage(config: Any) -> str | None:
    """The place a job inspected: a BigQuery table as its full resource name (as data profiles name
    it), a Cloud Storage URL, or a Datastore kind."""
    table = dig(config, "bigQueryOptions", "tableReference", default={}) or {}
    if isinstance(table, dict) and all(isinstance(table.get(k), str) for k in ("projectId", "datasetId", "tableId")):
        return asset_key(
            f"//bigquery.googleapis.com/projects/{table['projectId']}/datasets/{table['datasetId']}"
            f"/tables/{table['tableId']}"
        )
    bucket = dig(config, "cloudStorageOptions", "fileSet", "regexFileSet", "bucketName")
    kind = dig(config, "datastoreOptions", "kind", "name")
    project = dig(config, "datastoreOptions", "partitionId", "projectId")
    return asset_key(
        dig(config, "cloudStorageOptions", "fileSet", "url"),
        f"gs://{bucket}" if isinstance(bucket, str) and bucket else None,
        f"//datastore.googleapis.com/projects/{project}/kinds/{kind}" if isinstance(kind, str) and project else None,
    )


# strings inside the protobuf: the profile's resource name and the infoType names it predicts
PROFILE_NAME = re.compile(rb"projects/[\w.-]+/locations/[\w-]+/(?:table|fileStore|column)DataProfiles/[\w.-]+")
# the profiled resource's full name: //bigquery.googleapis.com/projects/…/tables/…, //storage.googleapis.com/…
PROFILED_RESOURCE = re.compile(rb"//[a-z]+\.googleapis\.com/[\w./-]+")
INFO_TYPE_NAME = re.compile(rb"(?<![A-Za-z0-9_])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9_])")


def data_profile(data: bytes, message: Mapping[str, Any], published: Any) -> VendorAlert:
    profile = PROFILE_NAME.search(data)
    if profile is None:
        raise UnreadablePayload("the message data is neither JSON nor a DLP data-profile message")
    name = profile.group().decode()
    names = sorted({m.decode() for m in INFO_TYPE_NAME.findall(data) if INFO_TYPES.knows(m.decode())})
    resource = PROFILED_RESOURCE.search(data)
    asset = asset_key(resource.group().decode()) if resource else None
    return VendorAlert(
        alert_id=name,
        incident_kind=IncidentKind.OTHER,
        data_categories=categories_of(names),
        aware_at=optional_time(published, "publishTime"),
        title=f"Cloud DLP data profile: {name.rsplit('/', 1)[-1]}",
        summary=f"Sensitive Data Protection profiled {name}; predicted infoTypes: {', '.join(names) or 'none'}.",
        assets=with_asset([name], asset, typed_asset(AssetType.OTHER, asset)),
        asset=asset,
        # a profile predicts infoTypes with a prevalence, not a count of matches: no detections
    )


SOURCE = WebhookSource(name="google-dlp", display_name="Google DLP", verify=verify_pidesk, parse=parse)
