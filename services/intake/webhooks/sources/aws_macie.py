"""`aws-macie`: Amazon Macie findings as Amazon EventBridge events ("detail-type": "Macie Finding"),
posted by an EventBridge API destination — one event or an array of them.

Sensitive-data findings list managed data identifiers under
`classificationDetails.result.sensitiveData[].detections[]` with occurrence counts; Macie never updates
them. Policy findings (e.g. a bucket made public) are re-published with the same id, a higher `count`
and a later `updatedAt`: that is the "later delivery". Authenticated with our X-Pidesk headers (an API
destination connection can send X-Pidesk-Api-Key)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pidesk.services.intake.webhooks.common import (
    CategoryTable,
    Fallbacks,
    actor_key,
    add_count,
    as_id,
    asset_key,
    dig,
    int_or_none,
    optional_time,
    rule_key,
    typed_asset,
    with_asset,
)
from pidesk.services.intake.webhooks.model import UnreadablePayload, VendorAlert, WebhookSource
from pidesk.services.intake.webhooks.signatures import verify_pidesk
from pidesk.shared.events import AssetRef
from pidesk.shared.vocabulary import AssetType, IncidentKind
from pidesk.shared.vocabulary import DataCategory as C

# Managed data identifiers (docs.aws.amazon.com/macie/latest/user/mdis-reference-quick.html)
IDENTIFIERS = CategoryTable(
    {
        "AWS_CREDENTIALS": C.CREDENTIALS,
        "GCP_API_KEY": C.CREDENTIALS,
        "HTTP_BASIC_AUTH_HEADER": C.CREDENTIALS,
        "JSON_WEB_TOKEN": C.CREDENTIALS,
        "OPENSSH_PRIVATE_KEY": C.CREDENTIALS,
        "PGP_PRIVATE_KEY": C.CREDENTIALS,
        "PKCS": C.CREDENTIALS,
        "PUTTY_PRIVATE_KEY": C.CREDENTIALS,
        "STRIPE_CREDENTIALS": C.CREDENTIALS,
        "HTTP_COOKIE": C.CREDENTIALS,
        "CREDIT_CARD_NUMBER": C.CREDIT_CARD,
        "CREDIT_CARD_NUMBER_(NO_KEYWORD)": C.CREDIT_CARD,
        "CREDIT_CARD_EXPIRATION": C.CREDIT_CARD,
        "CREDIT_CARD_MAGNETIC_STRIPE": C.CREDIT_CARD,
        "CREDIT_CARD_SECURITY_CODE": C.CREDIT_CARD,
        "BANK_ACCOUNT_NUMBER": C.BANK_ACCOUNT,
        "NAME": C.NAME,
        "ADDRESS": C.ADDRESS,
        "BRAZIL_CEP_CODE": C.ADDRESS,
        "PHONE_NUMBER": C.PHONE,
        "DATE_OF_BIRTH": C.BIRTH_DATE,
        "LATITUDE_LONGITUDE": C.LOCATION,
        "USA_SOCIAL_SECURITY_NUMBER": C.SSN,
        "SPAIN_SOCIAL_SECURITY_NUMBER": C.SSN,
        "UK_NATIONAL_INSURANCE_NUMBER": C.GOVERNMENT_ID,
        "CANADA_SOCIAL_INSURANCE_NUMBER": C.GOVERNMENT_ID,
        "UK_ELECTORAL_ROLL_NUMBER": C.GOVERNMENT_ID,
        "INDIA_PERMANENT_ACCOUNT_NUMBER": C.GOVERNMENT_ID,
        "USA_HEALTH_INSURANCE_CLAIM_NUMBER": C.HEALTH,
        "USA_MEDICARE_BENEFICIARY_IDENTIFIER": C.HEALTH,
        "CANADA_HEALTH_NUMBER": C.HEALTH,
        "EUROPEAN_HEALTH_INSURANCE_CARD_NUMBER": C.HEALTH,
        "FINLAND_EUROPEAN_HEALTH_INSURANCE_NUMBER": C.HEALTH,
        "FRANCE_HEALTH_INSURANCE_NUMBER": C.HEALTH,
        "UK_NHS_NUMBER": C.HEALTH,
        "USA_HEALTHCARE_PROCEDURE_CODE": C.MEDICAL_HISTORY,
        "USA_NATIONAL_DRUG_CODE": C.MEDICAL_HISTORY,
        "MEDICAL_DEVICE_UDI": C.MEDICAL_HISTORY,
    }
)
# whole families by their suffix: *_BANK_ACCOUNT_NUMBER, *_PASSPORT_NUMBER, *_DRIVERS_LICENSE, national and
# individual tax ids (organisation tax ids name companies, not people)
SUFFIXES: list[tuple[re.Pattern[str], C]] = [
    (re.compile(r"_BANK_ACCOUNT_NUMBER$"), C.BANK_ACCOUNT),
    (re.compile(r"PASSPORT_NUMBER$"), C.GOVERNMENT_ID),
    (re.compile(r"DRIVERS_LICENSE$"), C.GOVERNMENT_ID),
    (
        re.compile(r"_(NATIONAL_IDENTIFICATION|DNI|RG|RUT|CITIZENSHIP_CARD|AADHAAR|CURP|CPF|NIE|NIF)_NUMBER$"),
        C.GOVERNMENT_ID,
    ),
    (re.compile(r"_(INDIVIDUAL_)?TAX_(IDENTIFICATION|FILE)_NUMBER$|INDIVIDUAL_(NIT|RFC)_NUMBER$"), C.GOVERNMENT_ID),
]
CATEGORY_FALLBACK = {"CREDENTIALS": C.CREDENTIALS}
PUBLIC_POLICIES = {"Policy:IAMUser/S3BucketPublic", "Policy:IAMUser/S3BlockPublicAccessDisabled"}
SHARED_POLICIES = {"Policy:IAMUser/S3BucketSharedExternally", "Policy:IAMUser/S3BucketSharedWithCloudFront"}


def identifier_categories(detections: list[tuple[str, str]]) -> list[C]:
    found: list[C] = []
    for identifier, macie_category in detections:
        if IDENTIFIERS.knows(identifier):
            found.extend(IDENTIFIERS.categories([identifier]))
            continue
        by_suffix = [category for pattern, category in SUFFIXES if pattern.search(identifier.upper())]
        found.extend(by_suffix or [CATEGORY_FALLBACK.get(macie_category, C.OTHER)])
    unique = list(dict.fromkeys(found))
    return [c for c in unique if c is not C.OTHER] or [C.OTHER]


def _events(payload: Any) -> list[dict[str, Any]]:
    items = payload if isinstance(payload, list) else [payload]
    events = []
    for item in items:
        if not isinstance(item, dict):
            raise UnreadablePayload("expected an EventBridge event object")
        finding = item.get("detail") if "detail" in item else item
        if not isinstance(finding, dict) or "id" not in finding:  # the type is optional: other
            raise UnreadablePayload("expected an EventBridge 'Macie Finding' event with detail.id")
        events.append(finding)
    return events


def _public(finding: dict[str, Any]) -> bool:
    bucket = str(dig(finding, "resourcesAffected", "s3Bucket", "publicAccess", "effectivePermission", default=""))
    object_public = dig(finding, "resourcesAffected", "s3Object", "publicAccess") is True
    return bucket.upper() == "PUBLIC" or object_public


def _actor(finding: dict[str, Any]) -> str | None:
    """Policy findings name the principal whose API call changed the bucket; sensitive-data findings
    name nobody."""
    identity = dig(finding, "policyDetails", "actor", "userIdentity", default={}) or {}
    if not isinstance(identity, dict):
        return None
    return actor_key(
        *(dig(identity, kind, "arn") for kind in ("iamUser", "assumedRole", "federatedUser", "root")),
        dig(identity, "awsAccount", "accountId"),
        dig(identity, "awsService", "invokedBy"),
    )


def _detections(sensitive: list[dict[str, Any]], custom: list[dict[str, Any]]) -> dict[str, int]:
    """Occurrences per managed data identifier (`type`) and per custom data identifier (`name`)."""
    found: dict[str, int] = {}
    for group in sensitive:
        for d in group["detections"]:
            add_count(found, d.get("type"), d.get("count"))
    for d in custom:
        add_count(found, d.get("name"), d.get("count"))
    return found


def parse(payload: Any, headers: Mapping[str, str]) -> list[VendorAlert]:
    alerts = []
    for finding in _events(payload):
        fallbacks = Fallbacks()
        kind_name = str(finding.get("type") or "finding of an unnamed type")
        if rule_key(finding.get("type")) is None:
            fallbacks.note("detail.type", "absent: kind other, no correlation rule")
        result = dig(finding, "classificationDetails", "result", default={})
        sensitive = [
            {**group, "detections": fallbacks.objects(group, "detections", "sensitiveData[].detections")}
            for group in fallbacks.objects(result, "sensitiveData", "classificationDetails.result.sensitiveData")
        ]
        identifiers = [
            (str(d.get("type")), str(group.get("category", "")))
            for group in sensitive
            for d in group["detections"]
            if d.get("type")
        ]
        custom = fallbacks.objects(
            dig(result, "customDataIdentifiers", default={}), "detections", "customDataIdentifiers.detections"
        )
        identifiers += [(str(d.get("name", "custom")), "CUSTOM_IDENTIFIER") for d in custom]
        if not identifiers and not kind_name.startswith("Policy:"):
            fallbacks.note("classificationDetails.result", "no data identifiers: category other")
        detections = _detections(sensitive, custom)
        largest = max(detections.values()) if detections else None
        public = _public(finding) or kind_name in PUBLIC_POLICIES
        if kind_name in PUBLIC_POLICIES or (public and identifiers):
            kind = IncidentKind.PUBLIC_EXPOSURE
        elif kind_name in SHARED_POLICIES:
            kind = IncidentKind.UNAUTHORIZED_PROVISION
        else:
            kind = IncidentKind.OTHER
        bucket = dig(finding, "resourcesAffected", "s3Bucket", "name") or "unknown bucket"
        key = dig(finding, "resourcesAffected", "s3Object", "key")
        where = f"s3://{bucket}/{key}" if key else f"s3://{bucket}"
        occurrences = int_or_none(finding.get("count")) or 1
        asset = asset_key(
            dig(finding, "resourcesAffected", "s3Bucket", "arn"), dig(finding, "resourcesAffected", "s3Bucket", "name")
        )
        alerts.append(
            VendorAlert(
                alert_id=as_id(finding["id"], "detail.id"),
                incident_kind=kind,
                data_categories=identifier_categories(identifiers) if identifiers else [C.OTHER],
                aware_at=optional_time(finding.get("createdAt"), "detail.createdAt"),
                title=f"Amazon Macie: {kind_name} — {where}",
                summary=fallbacks.summary(
                    f"Macie finding {finding['id']} ({kind_name}, severity "
                    f"{dig(finding, 'severity', 'description') or 'unknown'}) in account {finding.get('accountId')} "
                    f"{finding.get('region')}: {where}. Identifiers: "
                    f"{', '.join(sorted({d for d, _ in identifiers})) or 'none (policy finding)'}; largest count "
                    f"{largest if largest is not None else 'n/a'}; occurrences of the finding: {occurrences}; "
                    f"last seen {finding.get('updatedAt')}."
                ),
                affected_count=largest,
                publicly_viewable=public,
                assets=with_asset(
                    [a for a in (dig(finding, "resourcesAffected", "s3Bucket", "arn"), key) if isinstance(a, str)],
                    asset,
                    _bucket_asset(finding),
                ),
                # policy findings recur: the occurrence count is the vendor's news for the desk
                vendor_state=f"{'archived' if finding.get('archived') else 'active'}:{occurrences}",
                rule=rule_key(finding.get("type")),  # Macie has no rules: the finding type is what fired
                asset=asset,
                actor=_actor(finding),
                detections=detections,
            )
        )
    return alerts


def _bucket_asset(finding: Mapping[str, Any]) -> AssetRef | None:
    """The S3 asset the finding concerns: its object in its bucket when it names one, else the bucket
    (its name, or its ARN)."""
    bucket = dig(finding, "resourcesAffected", "s3Bucket", "name")
    key = dig(finding, "resourcesAffected", "s3Object", "key")
    if isinstance(bucket, str) and bucket.strip():
        return typed_asset(AssetType.S3, f"{bucket.strip()}/{key}" if isinstance(key, str) and key else bucket)
    return typed_asset(AssetType.S3, dig(finding, "resourcesAffected", "s3Bucket", "arn"))


SOURCE = WebhookSource(name="aws-macie", display_name="Amazon Macie", verify=verify_pidesk, parse=parse)
