"""The government-request and complaint forms' fields (issue 17) → the API's submissions, with an
error code per form field (the codes of services/intake/form/messages.py) when they do not validate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from pidesk.services.intake.form.choices import TIMEZONES
from pidesk.services.intake.form.parse import DEFAULT_TIMEZONE

DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")
SUBMITTER_FIELDS = {"name": "name", "email": "email", "division": "division", "entity": "company"}


@dataclass
class CaseFormOutcome:
    submission: BaseModel | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _when(raw: str, zone: str) -> datetime | None:
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=ZoneInfo(zone))
        except ValueError:
            continue
    return None


def _list(raw: str, separator: str) -> list[str]:
    return [item.strip() for item in raw.split(separator) if item.strip()]


def parse_case_form(form: FormData, model: type[BaseModel], fields: dict[str, str]) -> CaseFormOutcome:
    """`fields`: form field -> kind (`text`, `optional`, `datetime`, `optional_datetime`, `flag`, `lines`,
    `commas`, `upper`, `optional_upper`, `categories`). The submitter's fields are common to both forms."""
    errors: dict[str, str] = {}
    zone = _text(form, "timezone") or DEFAULT_TIMEZONE
    if zone not in TIMEZONES:
        zone = DEFAULT_TIMEZONE
    body: dict[str, Any] = {
        "submitted_by": {
            "name": _text(form, "name"),
            "email": _text(form, "email"),
            "division": _text(form, "division"),
            "entity": _text(form, "company"),
            "entity_country": _text(form, "company_country").upper(),
        }
    }
    for name, kind in fields.items():
        raw = _text(form, name)
        if kind in ("datetime", "optional_datetime"):
            if not raw:
                if kind == "datetime":
                    errors[name] = "missing"
                continue
            when = _when(raw, zone)
            if when is None:
                errors[name] = "datetime"
            else:
                body[name] = when
        elif kind == "flag":
            body[name] = raw in ("1", "on", "true")
        elif kind == "lines":
            body[name] = _list(raw, "\n")
        elif kind == "commas":
            body[name] = _list(raw, ",")
        elif kind == "categories":
            body[name] = [c for c in form.getlist(name) if isinstance(c, str)]
        elif kind in ("upper", "optional_upper"):
            if raw or kind == "upper":
                body[name] = raw.upper()
        elif raw or kind == "text":
            body[name] = raw
    try:
        submission = model.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            errors.setdefault(_field(error, fields), _code(error))
        return CaseFormOutcome(errors=errors)
    if errors:
        return CaseFormOutcome(errors=errors)
    return CaseFormOutcome(submission=submission)


def _field(error: Any, fields: dict[str, str]) -> str:
    """The form field an error of the submission is about."""
    loc = [str(p) for p in error["loc"]]
    if loc[:1] == ["submitted_by"]:
        return SUBMITTER_FIELDS.get(loc[1] if len(loc) > 1 else "", "company_country")
    if loc and loc[0] in fields:
        return loc[0]
    message = str(error.get("msg", ""))
    return next((name for name in fields if message.startswith(f"Value error, {name}:")), "summary")


def _code(error: Any) -> str:
    kind = str(error.get("type", ""))
    if kind == "missing" or (kind == "string_too_short" and error.get("input") in ("", None)):
        return "missing"
    if kind == "string_too_long" or kind == "too_long":
        return "too_long"
    if "email" in str(error.get("loc", "")):
        return "email"
    if kind in ("enum", "literal_error"):
        return "choose"
    return "invalid"
