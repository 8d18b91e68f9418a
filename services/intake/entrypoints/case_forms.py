"""GET/POST /government-request and /complaint (issue 17): the receiving division's forms, in Japanese
and English, working without JavaScript. They post what the API takes (entrypoints/cases.py), with the
report form's CSRF protection, rate limit and security headers; the answer shows the reference only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from pidesk.services.intake.context import IntakeContext
from pidesk.services.intake.domain.cases import ComplaintSubmission, GovernmentRequestSubmission
from pidesk.services.intake.entrypoints.deps import Intake, client_of
from pidesk.services.intake.entrypoints.form import ENVIRONMENT, FORM_TYPES, MAX_FORM_FIELDS, SECURITY_HEADERS
from pidesk.services.intake.form import choices
from pidesk.services.intake.form.case_messages import case_text
from pidesk.services.intake.form.case_parse import parse_case_form
from pidesk.services.intake.form.messages import Language, error_text, pick_language
from pidesk.services.intake.service.cases import receive_complaint, receive_government_request
from pidesk.shared import labels
from pidesk.shared.http.body import media_type
from pidesk.shared.http.csrf import CsrfProtector
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented

router = APIRouter(tags=["case forms"])
COMMON = ("name", "email", "division", "company", "company_country", "timezone", "lang", "csrf_token")
REQUEST_FIELDS = {
    "authority": "text",
    "authority_country": "upper",
    "instrument": "text",
    "authority_reference": "optional",
    "received_at": "datetime",
    "deadline_at": "optional_datetime",
    "data_categories": "categories",
    "subject_regions": "commas",
    "people": "lines",
    "assets": "commas",
    "confidential": "flag",
    "summary": "text",
}
COMPLAINT_FIELDS = {
    "complainant_kind": "text",
    "complainant_name": "optional",
    "complainant_contact": "optional",
    "authority": "optional",
    "authority_country": "optional_upper",
    "request_kind": "text",
    "received_at": "datetime",
    "data_categories": "categories",
    "subject_regions": "commas",
    "alleges_leak": "flag",
    "summary": "text",
}


def _body(fields: dict[str, str]) -> dict[str, Any]:
    properties: dict[str, Any] = {name: {"type": "string"} for name in (*COMMON, *fields)}
    properties["data_categories"] = {"type": "array", "items": {"type": "string"}}
    properties["lang"] = {"type": "string", "enum": ["ja", "en"]}
    schema = {
        "type": "object",
        "required": ["csrf_token"],
        "properties": properties,
        "additionalProperties": {"type": "string"},
    }
    return {media: {"schema": schema} for media in FORM_TYPES}


FORMS: dict[str, tuple[str, dict[str, str], type[BaseModel]]] = {
    "/government-request": ("request", REQUEST_FIELDS, GovernmentRequestSubmission),
    "/complaint": ("complaint", COMPLAINT_FIELDS, ComplaintSubmission),
}


def render(
    request: Request, csrf: CsrfProtector, form: str, language: Language, status: int = 200, **values: Any
) -> HTMLResponse:
    token, nonce = csrf.token_for(request)

    def pick(label: dict[str, str] | tuple[str, str]) -> str:
        return label[language] if isinstance(label, dict) else label[0 if language == "ja" else 1]

    page = ENVIRONMENT.get_template("case_form.html" if "reference" not in values else "case_received.html").render(
        lang=language,
        other_lang="en" if language == "ja" else "ja",
        form=form,
        action="/government-request" if form == "request" else "/complaint",
        t=lambda key: case_text(key, language),
        e=lambda code: error_text(code, language),
        pick=pick,
        csrf_token=token,
        instruments=labels.INSTRUMENT_LABELS,
        complainant_kinds=labels.COMPLAINANT_LABELS,
        request_kinds=labels.COMPLAINT_KIND_LABELS,
        category_groups=choices.CATEGORY_GROUPS,
        timezones=choices.TIMEZONES,
        **{"values": {}, "errors": {}, "checked_categories": [], **values},
    )
    response = HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store", **SECURITY_HEADERS})
    csrf.remember(response, nonce, request)
    return response


async def _submit(request: Request, context: IntakeContext, path: str) -> HTMLResponse:
    form_name, fields, model = FORMS[path]
    await context.report_rate.hit("reports", client_of(request))
    if media_type(request) not in FORM_TYPES:
        raise ApiError(415, "unsupported_media_type", "send the form as application/x-www-form-urlencoded")
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    lang = form.get("lang")
    language = pick_language(lang if isinstance(lang, str) else None, request.headers.get("accept-language"))
    values = {k: v for k, v in form.items() if isinstance(v, str) and k not in {"csrf_token", "data_categories"}}
    again = {"values": values, "checked_categories": [c for c in form.getlist("data_categories") if isinstance(c, str)]}
    token = form.get("csrf_token")
    if not context.csrf.valid(request, token if isinstance(token, str) else None):
        return render(request, context.csrf, form_name, language, 403, **again, errors={"csrf": "invalid"})
    outcome = parse_case_form(form, model, fields)
    if outcome.submission is None:
        return render(request, context.csrf, form_name, language, 422, **again, errors=outcome.errors)
    if isinstance(outcome.submission, GovernmentRequestSubmission):
        accepted = await receive_government_request(
            outcome.submission, uow=context.uow(), numbers=context.case_numbers, cipher=context.cipher
        )
    else:
        assert isinstance(outcome.submission, ComplaintSubmission)
        accepted = await receive_complaint(
            outcome.submission, uow=context.uow(), numbers=context.case_numbers, cipher=context.cipher
        )
    return render(request, context.csrf, form_name, language, reference=accepted.reference)


def _documented(fields: dict[str, str]) -> dict[str, Any]:
    """As the report form: 403 a forged or expired form, 422 a field to correct (both the form again)."""
    return documented(body_types=_body(fields), errors=[400, 413, 415, 429], pages=[403, 422])


@router.get("/government-request", response_class=HTMLResponse)
async def show_request_form(request: Request, context: Intake, lang: str | None = None) -> HTMLResponse:
    return render(request, context.csrf, "request", pick_language(lang, request.headers.get("accept-language")))


@router.post("/government-request", response_class=HTMLResponse, **_documented(REQUEST_FIELDS))
async def submit_request_form(request: Request, context: Intake) -> HTMLResponse:
    return await _submit(request, context, "/government-request")


@router.get("/complaint", response_class=HTMLResponse)
async def show_complaint_form(request: Request, context: Intake, lang: str | None = None) -> HTMLResponse:
    return render(request, context.csrf, "complaint", pick_language(lang, request.headers.get("accept-language")))


@router.post("/complaint", response_class=HTMLResponse, **_documented(COMPLAINT_FIELDS))
async def submit_complaint_form(request: Request, context: Intake) -> HTMLResponse:
    return await _submit(request, context, "/complaint")
