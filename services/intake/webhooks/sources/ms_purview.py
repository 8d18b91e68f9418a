"""`ms-purview`: Microsoft Purview DLP events from the Office 365 Management Activity API, content type
DLP.All, as a forwarder posts them (one record or a JSON array). The subscription's validation
notification (`{"validationCode": …}`) is answered 200, as Microsoft expects.

Only type names, counts and places are read: `SensitiveInformationDetections.DetectedValues` holds
the matched values themselves and is never read or kept. Record times have no zone (UTC) and up to
seven fractional digits; type names may carry trailing spaces and operation names vary in casing.
Authenticated with our X-Pidesk headers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pidesk.services.intake.webhooks.common import (
    CategoryTable,
    Fallbacks,
    actor_key,
    as_id,
    as_list,
    asset_key,
    dig,
    int_or_none,
    optional_time,
    rule_key,
    text_or_none,
    typed_asset,
    with_asset,
)
from pidesk.services.intake.webhooks.model import Handshake, UnreadablePayload, VendorAlert, WebhookSource
from pidesk.services.intake.webhooks.signatures import verify_pidesk
from pidesk.shared.events import AssetRef
from pidesk.shared.vocabulary import AssetType, IncidentKind
from pidesk.shared.vocabulary import DataCategory as C

# Sensitive information type names (learn.microsoft.com/purview/sit-sensitive-information-type-entity-definitions)
SENSITIVE_TYPES = CategoryTable(
    {
        "Credit Card Number": C.CREDIT_CARD,
        "EU Debit Card Number": C.CREDIT_CARD,
        "U.S. Social Security Number (SSN)": C.SSN,
        "Japan My Number - Personal": C.MY_NUMBER,
        "Japanese My Number – Personal": C.MY_NUMBER,
        "Japan My Number - Corporate": C.OTHER,  # 法人番号: identifies a company, not a person
        "Japan Passport Number": C.GOVERNMENT_ID,
        "Japan Driver's License Number": C.GOVERNMENT_ID,
        "Japan Residence Card Number": C.GOVERNMENT_ID,
        "Japan Resident Registration Number": C.GOVERNMENT_ID,
        "Japan Social Insurance Number (SIN)": C.GOVERNMENT_ID,
        "Japan Bank Account Number": C.BANK_ACCOUNT,
        "EU Passport Number": C.GOVERNMENT_ID,
        "U.S. / U.K. Passport Number": C.GOVERNMENT_ID,
        "EU Driver's License Number": C.GOVERNMENT_ID,
        "EU National Identification Number": C.GOVERNMENT_ID,
        "U.S. Driver's License Number": C.GOVERNMENT_ID,
        "EU Tax Identification Number": C.GOVERNMENT_ID,
        "U.S. Individual Taxpayer Identification Number (ITIN)": C.GOVERNMENT_ID,
        "U.K. National Insurance Number (NINO)": C.GOVERNMENT_ID,
        "International Banking Account Number (IBAN)": C.BANK_ACCOUNT,
        "U.S. Bank Account Number": C.BANK_ACCOUNT,
        "ABA Routing Number": C.OTHER,
        "SWIFT Code": C.OTHER,  # identify banks, not people
        "All Full Names": C.NAME,
        "All Physical Addresses": C.ADDRESS,
        "Email Address": C.EMAIL,
        "IP Address": C.OTHER,
        "General Password": C.CREDENTIALS,
        "Azure Storage Account Key": C.CREDENTIALS,
        "Amazon S3 Client Secret Access Key": C.CREDENTIALS,
        "Azure AD Client Secret": C.CREDENTIALS,
        "General Symmetric Key": C.CREDENTIALS,
        "Client Secret / API Key": C.CREDENTIALS,
        "All Medical Terms And Conditions": C.HEALTH,
        "Diseases": C.MEDICAL_HISTORY,
        "International Classification of Diseases (ICD-10-CM)": C.MEDICAL_HISTORY,
        "International Classification of Diseases (ICD-9-CM)": C.MEDICAL_HISTORY,
        "Drug Name": C.MEDICAL_HISTORY,
        "Blood Test Terms": C.HEALTH_CHECKUP,
        "Lab Test Terms": C.HEALTH_CHECKUP,
    }
)
# `SensitiveType` (a GUID) is what the schema guarantees; the name is not: built-in type ids we know
TYPE_IDS = {
    "50842eb7-edc8-4019-85dd-5a5c1f2bb085": "Credit Card Number",
    "a44669fe-0d48-453d-a9b1-2cc83f2cba77": "U.S. Social Security Number (SSN)",
}
MATCH, UNDO = "dlprulematch", "dlpruleundo"


def _type_name(info: dict[str, Any]) -> str:
    """The sensitive information type's name, else the name of a built-in type id we know, else ""."""
    name = text_or_none(info.get("SensitiveInformationTypeName"))
    return name or TYPE_IDS.get(str(info.get("SensitiveType") or "").strip().lower(), "")


BLOCKING_ACTIONS = {"blockaccess", "blockaccessexternal", "block", "restrictaccess", "blockeveryone"}


def validation(payload: Any, headers: Mapping[str, str]) -> Handshake | None:
    """Office 365's webhook validation notification: answered 200 before any signature check, since
    Microsoft sends it without our headers; it creates nothing."""
    if isinstance(payload, dict) and "validationCode" in payload and "Operation" not in payload:
        return Handshake(body={"status": "validated"})
    return None


def _policies(record: dict[str, Any], fallbacks: Fallbacks) -> list[dict[str, Any]]:
    """`PolicyDetails[]`, each with its `Rules[]` as a list of objects (what is not an object is skipped)."""
    return [
        {**policy, "Rules": fallbacks.objects(policy, "Rules", "PolicyDetails[].Rules")}
        for policy in fallbacks.objects(record, "PolicyDetails")
    ]


def _sensitive_information(policies: list[dict[str, Any]], fallbacks: Fallbacks) -> list[dict[str, Any]]:
    found = []
    for policy in policies:
        for rule in policy["Rules"]:
            conditions = fallbacks.mapping(rule, "ConditionsMatched", "Rules[].ConditionsMatched")
            found.extend(
                fallbacks.objects(conditions, "SensitiveInformation", "ConditionsMatched.SensitiveInformation")
            )
    return found


def _actions(policies: list[dict[str, Any]]) -> set[str]:
    return {
        str(action).lower()
        for policy in policies
        for rule in policy["Rules"]
        for action in as_list(rule.get("Actions"))
        if isinstance(action, str)
    }


SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


def _rule(policies: list[dict[str, Any]]) -> str | None:
    """The rule that fired, by name; of several (one record can match rules of several policies), the
    most severe, then the first listed. A policy without rule names stands for its rules."""
    ranked = [
        (SEVERITY_RANK.get(str(rule.get("Severity", "")).strip().lower(), 3), rule_key(rule.get("RuleName")))
        for policy in policies
        for rule in policy["Rules"]
    ]
    named = [name for _, name in sorted(ranked, key=lambda r: r[0]) if name]
    return named[0] if named else rule_key(*(p.get("PolicyName") for p in policies))


def _alert_id(record: dict[str, Any], fallbacks: Fallbacks) -> str:
    """`IncidentId` (optional) groups the records of one DLP incident; the record's `Id` (common schema,
    always sent) stands in when it is absent or unreadable."""
    incident = record.get("IncidentId")
    if incident not in (None, ""):
        try:
            return as_id(incident, "IncidentId")
        except UnreadablePayload:
            fallbacks.note("IncidentId", "unreadable: the record's Id stands for the alert")
    return as_id(record.get("Id"), "Id")


def _asset(record: dict[str, Any], workload: str) -> str | None:
    """Mail (Exchange, Teams): the sender's mailbox; SharePoint and OneDrive: the site collection;
    a device (Endpoint): its name."""
    mailbox = dig(record, "ExchangeMetaData", "From")
    site = dig(record, "SharePointMetaData", "SiteCollectionUrl")
    device = dig(record, "EndpointMetaData", "DeviceName")
    if workload in {"sharepoint", "onedrive"}:
        return asset_key(site, mailbox, device)
    if workload == "endpoint":
        return asset_key(device, site, mailbox)
    return asset_key(mailbox, site, device)


def _typed_assets(record: dict[str, Any]) -> list[AssetRef | None]:
    """The site collection (SharePoint, OneDrive), the sender's mailbox (Exchange, Teams) and the device
    (Endpoint) the record names."""
    return [
        typed_asset(AssetType.SHAREPOINT, dig(record, "SharePointMetaData", "SiteCollectionUrl")),
        typed_asset(AssetType.MAILBOX, dig(record, "ExchangeMetaData", "From")),
        typed_asset(AssetType.OTHER, dig(record, "EndpointMetaData", "DeviceName")),
    ]


def _kind(workload: str) -> IncidentKind:
    if workload in {"exchange", "sharepoint", "onedrive", "microsoftteams", "teams"}:
        return IncidentKind.UNAUTHORIZED_PROVISION
    if workload == "endpoint":
        return IncidentKind.INSIDER_TAKEOUT
    return IncidentKind.OTHER


def parse(payload: Any, headers: Mapping[str, str]) -> list[VendorAlert] | Handshake:
    if (early := validation(payload, headers)) is not None:
        return early
    records = payload if isinstance(payload, list) else [payload]
    if records and all(isinstance(r, dict) and "contentUri" in r for r in records):
        raise UnreadablePayload("content notifications carry no records: fetch each contentUri and post its records")
    alerts = []
    skipped = []
    for record in records:
        if not isinstance(record, dict) or "Operation" not in record:
            raise UnreadablePayload("expected DLP.All audit records with an Operation")
        operation = str(record["Operation"]).strip().lower()
        if operation not in {MATCH, UNDO}:
            skipped.append(text_or_none(record["Operation"]))
            continue  # DlpInfo, MipLabel…: not a rule match
        fallbacks = Fallbacks()
        policies = _policies(record, fallbacks)
        sensitive = _sensitive_information(policies, fallbacks)
        if not sensitive:
            fallbacks.note("SensitiveInformation", "no sensitive information type: category other")
        per_type: dict[str, int] = {}
        type_names: dict[str, str] = {}
        for s in sensitive:  # a type repeats once per matching rule and policy: count it once
            type_key = str(s.get("SensitiveType") or s.get("SensitiveInformationTypeName", "")).strip().lower()
            count = int_or_none(s.get("UniqueCount")) or int_or_none(s.get("Count"))
            if count is None or not type_key:
                continue
            per_type[type_key] = max(per_type.get(type_key, 0), count)
            type_names.setdefault(type_key, _type_name(s) or type_key)
        # matches per sensitive information type, by its name (never DetectedValues: those are the matches)
        detections: dict[str, int] = {}
        for type_key, count in per_type.items():
            name = type_names[type_key][:300]
            detections[name] = max(detections.get(name, 0), count)
        names = [_type_name(s) for s in sensitive]
        if sensitive and not any(names):
            fallbacks.note("SensitiveInformationTypeName", "absent and the type ids unknown: category other")
        workload = str(record.get("Workload", "")).strip().lower()
        policy_names = sorted({str(p.get("PolicyName")) for p in policies if text_or_none(p.get("PolicyName"))})
        subject = (
            dig(record, "ExchangeMetaData", "Subject")
            or dig(record, "SharePointMetaData", "FileName")
            or dig(record, "EndpointMetaData", "TargetFilePath")
            or record.get("ObjectId")
        )
        recipients = dig(record, "ExchangeMetaData", "RecipientCount")
        asset = _asset(record, workload)
        alerts.append(
            VendorAlert(
                alert_id=_alert_id(record, fallbacks),
                incident_kind=_kind(workload),
                data_categories=SENSITIVE_TYPES.categories(names),
                aware_at=optional_time(record.get("CreationTime"), "CreationTime"),
                title=f"Microsoft Purview DLP: {', '.join(policy_names) or 'policy match'} — {record.get('Workload')}",
                summary=fallbacks.summary(
                    f"Purview DLP record {record.get('Id')} ({record['Operation']}, {record.get('Workload')}) for "
                    f"{record.get('UserId')}: policies {', '.join(policy_names) or 'unknown'}; sensitive types "
                    f"{', '.join(sorted({n.strip() for n in names if n.strip()})) or 'unknown'}; largest count "
                    f"{max(per_type.values()) if per_type else 'unknown'}; item: {subject}"
                    f"{f'; recipients: {recipients}' if recipients is not None else ''}."
                ),
                affected_count=max(per_type.values()) if per_type else None,
                recovered_before_access=bool(_actions(policies) & BLOCKING_ACTIONS),
                assets=with_asset(
                    [str(a) for a in (dig(record, "SharePointMetaData", "FilePathUrl"), record.get("ObjectId")) if a],
                    asset,
                    *_typed_assets(record),
                ),
                vendor_state="undone" if operation == UNDO else "matched",
                rule=_rule(policies),
                asset=asset,
                actor=actor_key(record.get("UserId")),
                detections=detections,
            )
        )
    if not alerts and skipped:  # DLP.All also carries DlpInfo, MipLabel…: acknowledged, nothing to report
        return Handshake(body={"status": "ignored", "operations": sorted({o or "" for o in skipped})})
    if not alerts:
        raise UnreadablePayload("no DlpRuleMatch or DlpRuleUndo record in the delivery")
    return alerts


SOURCE = WebhookSource(
    name="ms-purview",
    display_name="Microsoft Purview",
    verify=verify_pidesk,
    parse=parse,
    handshake_before_auth=validation,
)
