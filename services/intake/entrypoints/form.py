"""GET/POST /report: the employee report form, in Japanese and English, working without JavaScript."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from pidesk.services.intake.entrypoints.deps import Intake, client_of
from pidesk.services.intake.form import choices
from pidesk.services.intake.form.messages import Language, error_text, pick_language, text
from pidesk.services.intake.form.parse import DEFAULT_TIMEZONE, parse_form
from pidesk.services.intake.service.reports import SubmitReport, submit_report
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.body import media_type
from pidesk.shared.http.csrf import CsrfProtector
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.http.page_headers import page_headers, style_hashes
from pidesk.shared.vocabulary import ReportSource

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_FORM_FIELDS = 200
# the form's fields, all text as a browser sends them; parse.py checks them and shows the form again with errors
FORM_BODY = {
    "type": "object",
    "required": ["csrf_token"],
    "properties": {
        "csrf_token": {"type": "string"},
        "lang": {"type": "string", "enum": ["ja", "en"]},
        **{
            name: {"type": "string"}
            for name in (
                "reporter_name",
                "reporter_email",
                "reporter_division",
                "reporter_entity",
                "reporter_entity_country",
                "title",
                "description",
                "incident_kind",
                "aware_at",
                "occurred_at",
                "timezone",
                "affected_count",
                "encryption",
                "malicious",
                "entity_role",
                "contact_info_available",
                "recovered_before_access",
                "publicly_viewable",
                "assets",
            )
        },
        "data_categories": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {"type": "string"},
}


router = APIRouter(tags=["report form"])
ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
SECURITY_HEADERS = page_headers(style_hashes(*sorted(TEMPLATES.glob("*.html"))))


@router.get("/report", response_class=HTMLResponse)
async def show_form(request: Request, context: Intake, lang: str | None = None) -> HTMLResponse:
    return render(
        request, context.csrf, "report_form.html", pick_language(lang, request.headers.get("accept-language"))
    )


@router.post(
    "/report",
    response_class=HTMLResponse,
    **documented(
        body_types={media: {"schema": FORM_BODY} for media in FORM_TYPES},
        errors=[400, 413, 415, 429],
        pages=[403, 422],  # a forged or expired form, a field to correct: the form again
    ),
)
async def submit_form(request: Request, context: Intake) -> HTMLResponse:
    await context.report_rate.hit("reports", client_of(request))
    if media_type(request) not in FORM_TYPES:
        raise ApiError(415, "unsupported_media_type", "send the form as application/x-www-form-urlencoded")
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    language = pick_language(_first(form.get("lang")), request.headers.get("accept-language"))
    values = {k: v for k, v in form.items() if isinstance(v, str) and k not in {"csrf_token", "data_categories"}}
    checked = [c for c in form.getlist("data_categories") if isinstance(c, str)]
    again = {"values": values, "checked_categories": checked}  # the form shown again keeps what was typed
    if not context.csrf.valid(request, _first(form.get("csrf_token"))):
        return render(request, context.csrf, "report_form.html", language, 403, **again, errors={"csrf": "invalid"})
    outcome = parse_form(form, utcnow)
    if outcome.submission is None:
        return render(request, context.csrf, "report_form.html", language, 422, **again, errors=outcome.errors)
    accepted = await submit_report(
        SubmitReport(submission=outcome.submission, source=ReportSource.FORM),
        uow=context.uow(),
        cipher=context.cipher,
        batcher=context.batcher,
    )
    return render(request, context.csrf, "report_received.html", language, reference=accepted.reference)


def render(
    request: Request,
    csrf: CsrfProtector,
    template: str,
    language: Language,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A page in `language`, with a fresh CSRF token, never cached."""
    token, nonce = csrf.token_for(request)
    page = ENVIRONMENT.get_template(template).render(
        lang=language,
        other_lang="en" if language == "ja" else "ja",
        t=lambda key: text(key, language),
        e=lambda code: error_text(code, language),
        pick=lambda label: label[0] if language == "ja" else label[1],
        field_label=lambda name: _field_label(name, language),
        csrf_token=token,
        incident_kinds=choices.INCIDENT_KINDS,
        category_groups=choices.CATEGORY_GROUPS,
        encryption=choices.ENCRYPTION,
        malicious=choices.MALICIOUS,
        entity_role=choices.ENTITY_ROLE,
        yes_no=choices.YES_NO,
        regions=choices.REGIONS,
        countries=choices.COUNTRIES,
        timezones=choices.TIMEZONES,
        now_local=datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).strftime("%Y-%m-%dT%H:%M"),
        **{"values": {}, "errors": {}, "checked_categories": [], **values},
    )
    response = HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store", **SECURITY_HEADERS})
    csrf.remember(response, nonce, request)
    return response


def _first(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _field_label(name: str, language: Language) -> str:
    if name.startswith("region_"):
        return text("subject_regions", language)
    key = {"data_categories": "section_data", "reporter_entity_country_other": "country_other"}.get(name, name)
    try:
        return text(key, language)
    except KeyError:
        return name
