"""`nightfall`: Nightfall scan-result webhooks, signed with `X-Nightfall-Signature` (hex HMAC-SHA256 of
"timestamp:body") and `X-Nightfall-Timestamp`. The URL-verification challenge is echoed as plain text.

A delivery names one upload (`uploadID`, the alert id). Findings may come inline or only behind a
`findingsURL` that expires; without them the incident starts with categories `other` and fills in
when a later delivery lists them. Only detector identities are read: `finding`, `beforeContext`
and `afterContext` hold the matched data itself and are never kept."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pidesk.services.intake.webhooks.common import (
    CategoryTable,
    Fallbacks,
    add_count,
    as_id,
    asset_key,
    dig,
    optional_time,
    rule_key,
    text_or_none,
    with_asset,
)
from pidesk.services.intake.webhooks.model import Handshake, UnreadablePayload, VendorAlert, WebhookSource
from pidesk.services.intake.webhooks.signatures import verify_nightfall
from pidesk.shared.http.json_limits import loads_bounded
from pidesk.shared.vocabulary import DataCategory as C
from pidesk.shared.vocabulary import IncidentKind

# built-in detector UUIDs seen in Nightfall's documentation (display names are caller-chosen)
DETECTOR_UUIDS = {
    "e30d9a87-f6c7-46b9-a8f4-16547901e069": C.SSN,
    "74c1815e-c0c3-4df5-8b1e-6cf98864a454": C.CREDIT_CARD,
    "0e95732f-bc5c-448f-9d15-bd1417177360": C.CREDENTIALS,
}
# NIGHTFALL_DETECTOR enum names and their display names (docs.nightfall.ai detector glossary)
DETECTORS = CategoryTable(
    {
        "PERSON_NAME": C.NAME,
        "Person Name": C.NAME,
        "STREET_ADDRESS": C.ADDRESS,
        "Street Address": C.ADDRESS,
        "EMAIL_ADDRESS": C.EMAIL,
        "Email Address": C.EMAIL,
        "PHONE_NUMBER": C.PHONE,
        "Phone Number": C.PHONE,
        "DATE_OF_BIRTH": C.BIRTH_DATE,
        "Date of Birth": C.BIRTH_DATE,
        "US_SOCIAL_SECURITY_NUMBER": C.SSN,
        "US Social Security Number": C.SSN,
        "US social security number (SSN)": C.SSN,
        "US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER": C.GOVERNMENT_ID,
        "US Individual Taxpayer Identification Number": C.GOVERNMENT_ID,
        "US_PASSPORT": C.GOVERNMENT_ID,
        "US Passport": C.GOVERNMENT_ID,
        "US_DRIVERS_LICENSE_NUMBER": C.GOVERNMENT_ID,
        "US Driver's License Number": C.GOVERNMENT_ID,
        "BRAZIL_CPF_NUMBER": C.GOVERNMENT_ID,
        "CANADA_GOVERNMENT_ID": C.GOVERNMENT_ID,
        "CANADA_DRIVERS_LICENSE_NUMBER": C.GOVERNMENT_ID,
        "CANADA_BC_PHN": C.GOVERNMENT_ID,
        "CANADA_BANK_ACCOUNT": C.BANK_ACCOUNT,
        "US_BANK_ROUTING_MICR": C.BANK_ACCOUNT,
        "IBAN_CODE": C.BANK_ACCOUNT,
        "IBAN Code": C.BANK_ACCOUNT,
        "CREDIT_CARD_NUMBER": C.CREDIT_CARD,
        "Credit Card Number": C.CREDIT_CARD,
        "ICD9_CODE": C.MEDICAL_HISTORY,
        "ICD10_CODE": C.MEDICAL_HISTORY,
        "ICD10 Code": C.MEDICAL_HISTORY,
        "ICD9 Code": C.MEDICAL_HISTORY,
        "PROTECTED_HEALTH_INFORMATION": (C.HEALTH, C.MEDICAL_HISTORY),
        "Protected Health Information": (C.HEALTH, C.MEDICAL_HISTORY),
        "US_MEDICARE_BENEFICIARY_ID": (C.GOVERNMENT_ID, C.HEALTH),
        "API_KEY": C.CREDENTIALS,
        "API Key": C.CREDENTIALS,
        "CRYPTOGRAPHIC_KEY": C.CREDENTIALS,
        "Cryptographic Key": C.CREDENTIALS,
        "PASSWORD_IN_CODE": C.CREDENTIALS,
        "Password": C.CREDENTIALS,
        "DATABASE_CONNECTION_STRING": C.CREDENTIALS,
        "Database Connection String": C.CREDENTIALS,
        "RANDOMLY_GENERATED_TOKEN": C.CREDENTIALS,
    }
)


def challenge(payload: Any, headers: Mapping[str, str]) -> Handshake | None:
    """Nightfall's URL verification: {"challenge": "…"} answered with the bare value as text/plain."""
    if isinstance(payload, dict) and set(payload) == {"challenge"} and isinstance(payload["challenge"], str):
        return Handshake(body=payload["challenge"], media_type="text/plain")
    return None


def _category(detector: Mapping[str, Any]) -> list[C]:
    uuid = str(detector.get("uuid") or detector.get("id") or "").lower()
    if uuid in DETECTOR_UUIDS:
        return [DETECTOR_UUIDS[uuid]]
    return DETECTORS.categories([detector.get("nightfallDetector") or detector.get("name")])


def _detector_name(detector: Mapping[str, Any]) -> Any:
    return detector.get("name") or detector.get("nightfallDetector") or detector.get("uuid") or detector.get("id")


def _rule(findings: list[dict[str, Any]], detections: dict[str, int]) -> str | None:
    """The detection rule the findings matched (the one most of them matched, then the first seen);
    without rule names, the detector with most findings."""
    rules: dict[str, int] = {}
    for finding in findings:
        names = finding.get("matchedDetectionRules")
        for name in names if isinstance(names, list) else []:
            if key := rule_key(name):
                rules[key] = rules.get(key, 0) + 1
    tally = rules or detections
    return rule_key(max(tally, key=lambda n: tally[n])) if tally else None


def _aware_at(payload: Mapping[str, Any], headers: Mapping[str, str]) -> datetime:
    stamp = headers.get("x-nightfall-timestamp", "").strip()
    if stamp.isdecimal():
        return datetime.fromtimestamp(int(stamp), UTC)
    if payload.get("validUntil"):  # findings stay downloadable for 24 hours after the scan
        valid_until = optional_time(payload["validUntil"], "validUntil")
        if valid_until is not None:
            return valid_until - timedelta(hours=24)
    return datetime.now(UTC)


def parse(payload: Any, headers: Mapping[str, str]) -> list[VendorAlert] | Handshake:
    if (early := challenge(payload, headers)) is not None:
        return early
    if not isinstance(payload, dict) or "uploadID" not in payload:
        raise UnreadablePayload("expected a scan result with uploadID")
    if str(payload.get("findingsPresent")).strip().lower() == "false" and not payload.get("findings"):
        return Handshake(body={"status": "no findings", "uploadID": payload["uploadID"]})
    fallbacks = Fallbacks()
    findings = fallbacks.objects(payload, "findings")
    errors = fallbacks.items(payload, "errors")
    if not findings:
        fallbacks.note("findings", "not inline: category other until a delivery lists them")
    detections: dict[str, int] = {}  # each finding is one match of its detector
    categories: list[C] = []
    for finding in findings:
        found = finding.get("detector")
        detector: dict[str, Any] = found if isinstance(found, dict) else {}
        add_count(detections, _detector_name(detector), 1)
        categories.extend(_category(detector))
    names = sorted({str(dig(f, "detector", "name")) for f in findings if dig(f, "detector", "name")})
    metadata: Any = payload.get("requestMetadata")
    if isinstance(metadata, str) and metadata.strip():  # the uploader's own text: JSON where ours wrote it
        try:
            metadata = loads_bounded(metadata)
        except (TypeError, ValueError):
            metadata = {}
    file_name = text_or_none(metadata.get("fileName")) if isinstance(metadata, dict) else None
    asset = asset_key(file_name)  # the scan names no place but what our uploader put in requestMetadata
    unique: list[C] = [c for c in dict.fromkeys(categories) if c is not C.OTHER] or [C.OTHER]
    return [
        VendorAlert(
            alert_id=as_id(payload["uploadID"], "uploadID"),
            incident_kind=IncidentKind.OTHER,
            data_categories=unique,
            aware_at=_aware_at(payload, headers),
            title=f"Nightfall: sensitive data found in {file_name or 'upload ' + str(payload['uploadID'])}",
            summary=fallbacks.summary(
                f"Nightfall scan of upload {payload['uploadID']}"
                f"{f' ({file_name})' if file_name else ''}: "
                f"{len(findings) if findings else 'findings not inline'} finding(s); detectors: "
                f"{', '.join(names) or 'see the findings link (valid until ' + str(payload.get('validUntil')) + ')'}"
                f"{'; scan errors: ' + str(len(errors)) if errors else ''}."
            ),
            affected_count=max(detections.values()) if detections and not errors else None,
            assets=with_asset([str(file_name)] if file_name else [], asset),
            rule=_rule(findings, detections),
            asset=asset,
            detections=detections,
        )
    ]


SOURCE = WebhookSource(
    name="nightfall", display_name="Nightfall", verify=verify_nightfall, parse=parse, handshake_before_auth=challenge
)
