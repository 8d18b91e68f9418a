"""`netskope`: Netskope DLP alerts as the REST API v2 returns them and forwarders post them — one alert,
an array, the v2 page `{"ok": 1, "result": [...]}` or the v1 `{"status": "success", "data": [...]}`.

Netskope raises one alert per matched rule, so alerts are folded per DLP incident (`dlp_incident_id`,
a 64-bit id kept exact): categories united, match counts by their maximum. Authenticated with our
X-Pidesk headers (Netskope signs nothing)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pidesk.services.intake.webhooks.common import (
    Fallbacks,
    KeywordTable,
    actor_key,
    as_id,
    asset_key,
    int_or_none,
    optional_time,
    rule_key,
    typed_asset,
    with_asset,
)
from pidesk.services.intake.webhooks.model import Handshake, UnreadablePayload, VendorAlert, WebhookSource
from pidesk.services.intake.webhooks.signatures import verify_pidesk
from pidesk.shared.vocabulary import AssetType, IncidentKind
from pidesk.shared.vocabulary import DataCategory as C


class CardPan:
    """`PAN` naming a card's primary account number, not India's PAN (the tax id): a `PAN` with no
    "india" after it on its line. Was the regex `\\bPAN\\b(?!.*india)`, whose look-ahead rescans the
    rest of the line from every `PAN` (quadratic); this scans each line once."""

    _PAN = re.compile(r"\bPAN\b", re.IGNORECASE)
    _INDIA = re.compile(r"india", re.IGNORECASE)

    def search(self, text: str) -> bool:
        for line in text.split("\n"):  # `.` in the old look-ahead stopped at a line break
            last = None
            for last in self._PAN.finditer(line):  # noqa: B007 - the last match is what counts
                pass
            if last is not None and self._INDIA.search(line, last.end()) is None:
                return True
        return False


# Rule and profile names are the tenant's own; these are the words Netskope's predefined identifiers
# and profiles use (docs.netskope.com "DLP profiles", "predefined data identifiers").
CATEGORIES = KeywordTable(
    [
        (r"\bPCI\b|credit.?card|card.?number|\bCCN\b|payment.?card", (C.CREDIT_CARD,)),
        (CardPan(), (C.CREDIT_CARD,)),
        (r"\bSSN\b|social.?security", (C.SSN,)),
        (r"my.?number|マイナンバー|個人番号|individual.?number", (C.MY_NUMBER,)),
        (
            r"passport|driv(er|ing).?licen[cs]e|national.?id|\bNRIC\b|aadhaar|india.?pan|\bITIN\b|\bNINO\b|"
            r"residen(ce|t).?card|在留カード|運転免許|tax.?id",
            (C.GOVERNMENT_ID,),
        ),
        (r"\bPHI\b|HIPAA|health|medical|patient|\bNPI\b|\bDEA\b|drug", (C.HEALTH,)),
        (r"\bICD\d*\b|diagnos|medical.?record|\bMRN\b", (C.MEDICAL_HISTORY,)),
        (r"health.?check|健康診断", (C.HEALTH_CHECKUP,)),
        (r"bank.?account|\bIBAN\b|routing|\bABA\b|\bSWIFT\b|\bBIC\b|\bGLBA\b|口座", (C.BANK_ACCOUNT,)),
        (r"online.?banking|net.?banking", (C.ONLINE_BANKING_CREDENTIALS,)),
        (r"password|credential|secret|api.?key|access.?key|private.?key|token|\bAWS\b|azure.?key", (C.CREDENTIALS,)),
        (r"name|persons", (C.NAME,)),
        (r"e.?mail", (C.EMAIL,)),
        (r"phone|telephone", (C.PHONE,)),
        (r"mobile|\bcell\b|携帯", (C.MOBILE_PHONE,)),
        (r"address|postal", (C.ADDRESS,)),
        (r"\bDOB\b|date.?of.?birth|birth.?date|生年月日", (C.BIRTH_DATE,)),
        (r"birthplace|place.?of.?birth", (C.BIRTHPLACE,)),
        (r"gender|\bsex\b", (C.GENDER,)),
        (r"employee.?(id|number)|社員番号", (C.EMPLOYEE_ID,)),
        (r"customer.?(id|number)|顧客番号", (C.CUSTOMER_ID,)),
        (r"biometric", (C.BIOMETRIC,)),
        (r"genetic|\bDNA\b", (C.GENETIC,)),
        (r"\brace\b|ethnic", (C.RACE_ETHNICITY,)),
        (r"religio", (C.RELIGION_CREED,)),
        (r"politic", (C.POLITICAL_OPINION,)),
        (r"trade.?union", (C.TRADE_UNION,)),
        (r"sexual.?orientation|LGBT", (C.SEXUAL_ORIENTATION,)),
        (r"criminal|conviction", (C.CRIMINAL_RECORD,)),
        (r"disabilit", (C.DISABILITY,)),
    ]
)


DLP_FIELDS = ("dlp_incident_id", "dlp_rule", "dlp_profile")


def _alert_type(record: dict[str, Any]) -> str | None:
    """The record's `alert_type`; a record without one that carries DLP fields is a DLP alert."""
    kind = str(record.get("alert_type") or "").strip().upper()
    return kind or ("DLP" if any(record.get(f) not in (None, "") for f in DLP_FIELDS) else None)


def all_records(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, list):
        items = payload
    elif isinstance(payload, dict) and isinstance(payload.get("result"), list):
        items = payload["result"]
    elif isinstance(payload, dict) and isinstance(payload.get("data"), list):
        items = payload["data"]
    elif isinstance(payload, dict):
        items = [payload]
    else:
        raise UnreadablePayload("expected an alert object, an array or a {result: [...]} page")
    return [r for r in items if isinstance(r, dict)]


def records(payload: Any) -> list[dict[str, Any]]:
    return [r for r in all_records(payload) if _alert_type(r) == "DLP"]


def _matches(record: dict[str, Any]) -> int | None:
    if str(record.get("dlp_is_unique_count", "")).lower() == "true":
        unique = int_or_none(record.get("dlp_unique_count"))
        if unique is not None:
            return unique
    return int_or_none(record.get("dlp_rule_count"))


def _detections(group: list[dict[str, Any]]) -> dict[str, int]:
    """Matches per DLP rule (its profile when the rule is not named). Netskope raises one alert per
    rule of an incident; a rule's alert seen twice reports the same matches, so its largest count."""
    found: dict[str, int] = {}
    for record in group:
        name, count = rule_key(record.get("dlp_rule"), record.get("dlp_profile")), _matches(record)
        if name and count is not None:
            found[name] = max(found.get(name, 0), count)
    return found


def _rule(group: list[dict[str, Any]], detections: dict[str, int]) -> str | None:
    """The incident's rule: of its alerts' rules, the one with most matches (then by name); without
    rule names, its DLP profile, then the real-time policy."""
    for field in ("dlp_rule", "dlp_profile", "policy"):
        names = {n for n in (rule_key(r.get(field)) for r in group) if n}
        if names:
            return min(names, key=lambda n: (-detections.get(n, -1), n))
    return None


def _asset(record: dict[str, Any]) -> str | None:
    """The app instance the data went to or sits in (`Google Drive/gmail.com` is someone's personal
    Drive); the app alone when Netskope names no instance."""
    app, instance = (str(record.get(k) or "").strip() for k in ("app", "instance_id"))
    return asset_key(f"{app}/{instance}" if app and instance else app or instance)


def _kind(record: dict[str, Any]) -> tuple[IncidentKind, bool]:
    exposure = str(record.get("exposure", "")).lower()
    if exposure == "public":
        return IncidentKind.PUBLIC_EXPOSURE, True
    if exposure == "external":
        return IncidentKind.UNAUTHORIZED_PROVISION, False
    activity = str(record.get("activity", "")).lower()
    if activity in {"upload", "post", "share", "edit", "create", "attach", "send"}:
        return IncidentKind.INSIDER_TAKEOUT, False
    return IncidentKind.OTHER, False


def _key(record: dict[str, Any], fallbacks: Fallbacks) -> str:
    """`dlp-incident:<dlp_incident_id>`; the alert's own `_id` when the incident id is absent or unreadable."""
    incident = record.get("dlp_incident_id")
    if incident not in (None, "", 0, "0"):
        try:
            return f"dlp-incident:{as_id(incident, 'dlp_incident_id')}"
        except UnreadablePayload:
            fallbacks.note("dlp_incident_id", "unreadable: the alert's _id stands for the incident")
    return as_id(record.get("_id"), "_id")


def parse(payload: Any, headers: Mapping[str, str]) -> list[VendorAlert] | Handshake:
    groups: dict[str, list[dict[str, Any]]] = {}
    noted: dict[str, Fallbacks] = {}  # per DLP incident: what its alerts left out
    for record in records(payload):
        fallbacks = Fallbacks()
        if not str(record.get("alert_type") or "").strip():
            fallbacks.note("alert_type", "absent: read as DLP (the alert carries DLP fields)")
        key = _key(record, fallbacks)
        groups.setdefault(key, []).append(record)
        group_notes = noted.setdefault(key, Fallbacks()).notes
        group_notes.extend(n for n in fallbacks.notes if n not in group_notes)
    every = all_records(payload)
    other_types = sorted({t for r in every if (t := _alert_type(r)) and t != "DLP"})
    if not groups and (other_types or (not every and payload not in ({}, None))):
        # malware, policy, anomaly… alerts share the stream, and a poller may post an empty page
        return Handshake(body={"status": "ignored", "alert_types": other_types})
    alerts = []
    for key, group in groups.items():
        first, fallbacks = group[0], noted.get(key, Fallbacks())
        names = [n for r in group for n in (r.get("dlp_rule"), r.get("dlp_profile"))]
        if not any(isinstance(n, str) and n.strip() for n in names):
            fallbacks.note("dlp_rule, dlp_profile", "absent: category other")
        counts = [c for c in (_matches(r) for r in group) if c is not None]
        detections = _detections(group)
        asset = _asset(first)
        kind, public = _kind(first)
        times = [
            optional_time(r.get("timestamp"), "timestamp")
            or optional_time(r.get("_insertion_epoch_timestamp"), "_insertion_epoch_timestamp")
            for r in group
        ]
        when = min((t for t in times if t is not None), default=None)
        rules = sorted({str(r.get("dlp_rule")) for r in group if r.get("dlp_rule")})
        app, file = first.get("app") or "unknown app", first.get("dlp_file") or first.get("object") or "unknown file"
        alerts.append(
            VendorAlert(
                alert_id=key,
                incident_kind=kind,
                data_categories=CATEGORIES.categories(names),
                aware_at=when,
                title=f"Netskope DLP: {', '.join(rules) or 'rule match'} — {file} ({app})",
                summary=fallbacks.summary(
                    f"Netskope DLP alert(s) {', '.join(str(r.get('_id')) for r in group)}. Profile: "
                    f"{first.get('dlp_profile')}; rules: {', '.join(rules)}; "
                    f"severity: {first.get('dlp_rule_severity')}; "
                    f"activity: {first.get('activity')} in {app}; action: {first.get('action')}; file: {file}; "
                    f"user: {first.get('user')}; matches: {max(counts) if counts else 'unknown'}."
                ),
                affected_count=max(counts) if counts else None,
                publicly_viewable=public,
                assets=with_asset(
                    [str(a) for a in (first.get("app"), first.get("instance_id"), first.get("object")) if a],
                    asset,
                    typed_asset(AssetType.APP, asset),
                ),
                vendor_state=str(first["status"]).lower() if first.get("status") else None,
                rule=_rule(group, detections),
                asset=asset,
                actor=actor_key(first.get("user"), first.get("ur_normalized"), first.get("userkey")),
                detections=detections,
            )
        )
    if not alerts:
        raise UnreadablePayload('no DLP alert (alert_type "DLP") in the delivery')
    return alerts


SOURCE = WebhookSource(name="netskope", display_name="Netskope", verify=verify_pidesk, parse=parse)
