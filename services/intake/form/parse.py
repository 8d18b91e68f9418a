"""From the form's fields to a contract report, with errors keyed by form field."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from starlette.datastructures import ImmutableMultiDict

from pidesk.services.intake.domain.report import REGION, ReportSubmission
from pidesk.services.intake.form.choices import (
    CATEGORIES,
    ENCRYPTION,
    ENTITY_ROLE,
    INCIDENT_KINDS,
    MALICIOUS,
    REGIONS,
    TIMEZONES,
)

DEFAULT_TIMEZONE = "Asia/Tokyo"
CLOCK_SKEW = timedelta(minutes=10)
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M")

# where the contract puts each form field, for mapping validation errors back beside the field
CONTRACT_TO_FIELD = {
    ("reporter", "name"): "reporter_name",
    ("reporter", "email"): "reporter_email",
    ("reporter", "division"): "reporter_division",
    ("reporter", "entity"): "reporter_entity",
    ("reporter", "entity_country"): "reporter_entity_country",
}


FormData = ImmutableMultiDict[str, Any]  # a parsed form body (starlette's FormData is one)


@dataclass
class FormOutcome:
    submission: ReportSubmission | None
    errors: dict[str, str] = field(default_factory=dict)  # form field → error code


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _parse_local_time(raw: str, zone: str) -> datetime | None:
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=ZoneInfo(zone))
        except ValueError:
            continue
    return None


def parse_form(form: FormData, now: Callable[[], datetime]) -> FormOutcome:
    errors: dict[str, str] = {}
    zone = _text(form, "timezone") or DEFAULT_TIMEZONE
    if zone not in TIMEZONES:
        errors["timezone"] = "choose"
        zone = DEFAULT_TIMEZONE

    def when(name: str, required: bool) -> str | None:
        raw = _text(form, name)
        if not raw:
            if required:
                errors[name] = "missing"
            return None
        parsed = _parse_local_time(raw, zone)
        if parsed is None:
            errors[name] = "datetime"
            return None
        if parsed > now() + CLOCK_SKEW:
            errors[name] = "future"
            return None
        return parsed.isoformat()

    def choice(name: str, allowed: dict[str, Any], default: str | None = None) -> str | None:
        value = _text(form, name) or default
        if value not in allowed:
            errors[name] = "choose"
            return None
        return value

    country = _text(form, "reporter_entity_country")
    if country == "other":
        country = _text(form, "reporter_entity_country_other").upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            errors["reporter_entity_country_other"] = "country"

    affected: int | None = None
    if not form.get("affected_unknown"):
        raw_count = _text(form, "affected_count")
        if raw_count:
            affected = _count(raw_count, "affected_count", errors)

    regions: dict[str, int] = {}
    for code in REGIONS:
        raw = _text(form, f"region_{code}")
        if raw and (count := _count(raw, f"region_{code}", errors)) is not None:
            regions[code] = count
    other_code = _text(form, "region_other_code").upper()
    other_count = _text(form, "region_other_count")
    if other_code or other_count:
        if not REGION.match(other_code):
            errors["region_other_code"] = "region"
        elif (count := _count(other_count or "0", "region_other_count", errors)) is not None:
            regions[other_code] = regions.get(other_code, 0) + count

    categories = [c for c in form.getlist("data_categories") if isinstance(c, str)]
    if any(c not in CATEGORIES for c in categories):
        errors["data_categories"] = "invalid"
    malicious = choice("malicious", MALICIOUS, "unknown")
    body: dict[str, Any] = {
        "reporter": {
            "name": _text(form, "reporter_name"),
            "email": _text(form, "reporter_email"),
            "division": _text(form, "reporter_division"),
            "entity": _text(form, "reporter_entity"),
            "entity_country": country,
        },
        "title": _text(form, "title"),
        "description": _text(form, "description"),
        "incident_kind": choice("incident_kind", INCIDENT_KINDS),
        "aware_at": when("aware_at", required=True),
        "occurred_at": when("occurred_at", required=False),
        "data_categories": [c for c in categories if c in CATEGORIES] or ["other"],
        "affected_count": affected,
        "subject_regions": regions,
        "encryption": choice("encryption", ENCRYPTION, "none"),
        "recovered_before_access": bool(form.get("recovered_before_access")),
        "malicious": {"yes": True, "no": False}.get(malicious or "unknown"),
        "publicly_viewable": bool(form.get("publicly_viewable")),
        "entity_role": choice("entity_role", ENTITY_ROLE, "controller"),
        "contact_info_available": _text(form, "contact_info_available") != "no",
        "assets": [a.strip()[:200] for a in re.split(r"[,\n、]", _text(form, "assets")) if a.strip()][:200],
    }
    try:
        submission = ReportSubmission.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            name = _field_of(error["loc"])
            errors.setdefault(name, _code_of(error))
        return FormOutcome(None, errors)
    return FormOutcome(None if errors else submission, errors)


def _count(raw: str, name: str, errors: dict[str, str]) -> int | None:
    cleaned = raw.replace(",", "").replace("，", "").strip()
    if not cleaned.isdecimal() or len(cleaned) > 10:
        errors[name] = "number"
        return None
    return int(cleaned)


def _field_of(loc: tuple[Any, ...]) -> str:
    if tuple(loc[:2]) in CONTRACT_TO_FIELD:
        return CONTRACT_TO_FIELD[tuple(loc[:2])]
    head = str(loc[0]) if loc else "form"
    return {"subject_regions": "region_other_code"}.get(head, head)


def _code_of(error: Any) -> str:
    kind = str(error.get("type", ""))
    if kind in {"missing", "string_too_short"} or (kind == "enum" and not error.get("input")):
        return "missing"
    if kind == "enum" or kind == "literal_error":
        return "choose"
    if kind == "string_too_long":
        return "too_long"
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return "email"
    if kind == "string_pattern_mismatch":
        return "country"
    return "invalid"
