"""What every dashboard page shares: the templates, the page headers, the session check and the roles.

Pages are rendered on the server; every change goes through the desk API (/v1/…) from the page's
script, with the session cookie and the session's CSRF token. Roles decide which buttons a page shows,
and the API checks them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.dashboard.i18n import LANG_COOKIE, LANGUAGES, language_of, translator, word
from pidesk.services.escalation.domain.authorities import local_due
from pidesk.services.escalation.entrypoints.deps import Ctx, session_principal
from pidesk.shared import labels
from pidesk.shared.http.auth import Principal
from pidesk.shared.http.openapi import documented
from pidesk.shared.japan_time import JST
from pidesk.shared.vocabulary import APPROVERS, CLOSERS, FACT_KEEPERS, RESPONDERS

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
)

# a page without a session sends the browser to sign in (bootstrap.py maps SignInRequired to this)
SIGN_IN = {
    303: {
        "description": "Not signed in: to /desk/login?next=…",
        "headers": {"Location": {"schema": {"type": "string"}}},
    }
}
PAGE = documented(auth=["session"], also=SIGN_IN)


class SignInRequired(Exception):
    """Raised by a page without a session; the app answers with a redirect to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def _as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _local_due(obligation: Any) -> str:
    """An obligation's due time on its authority's clock ("" where JST and UTC say it all)."""
    local = local_due(obligation.regime, _as_datetime(obligation.due_at))
    return f"{local[0]:%Y-%m-%d %H:%M} {local[1]}" if local else ""


def _fmt(value: Any, zone: timezone, label: str) -> str:
    if not value:
        return ""
    return f"{_as_datetime(value).astimezone(zone):%Y-%m-%d %H:%M} {label}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["jst"] = lambda v: _fmt(v, JST, "JST")
    env.filters["utc"] = lambda v: _fmt(v, UTC, "UTC")
    env.filters["iso"] = lambda v: _as_datetime(v).isoformat() if v else ""
    env.filters["local_due"] = _local_due
    return env


TEMPLATE_ENV = _environment()


def can(principal: Principal) -> dict[str, bool]:
    """Which of a page's actions the role may take (the buttons it shows)."""
    return {
        "respond": principal.role in RESPONDERS,
        "facts": principal.role in FACT_KEEPERS,
        "close": principal.role in CLOSERS,
        "approve": principal.role in APPROVERS,
    }


@dataclass(frozen=True)
class PageRenderer:
    """One request's pages: its session, its language, and the headers every page is sent with."""

    request: Request
    context: EscalationContext

    @property
    def secure(self) -> bool:
        """Cookies only over TLS: the request came by https, or this is production (behind a proxy)."""
        return self.request.url.scheme == "https" or self.context.settings.env == "production"

    async def signed_in(self) -> tuple[Principal, str]:
        """(principal, CSRF token) of the session; without one, SignInRequired (to the sign-in form)."""
        request = self.request
        found = await session_principal(request)
        if found is None:
            raise SignInRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        request.state.principal = found[0]
        return found

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        request = self.request
        language = language_of(request)
        query = {k: v for k, v in request.query_params.items() if k != "lang"}
        switch = "en" if language == "ja" else "ja"
        html = TEMPLATE_ENV.get_template(template).render(
            lang=language,
            t=translator(language),
            label=lambda table, code: labels.label(getattr(labels, table), str(code), language),
            w=lambda value: word(value, language),
            switch_url=f"{request.url.path}?{urlencode({**query, 'lang': switch})}",
            path=request.url.path,
            **values,
        )
        response = HTMLResponse(html, status_code=status)
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE, language, max_age=365 * 86400, samesite="lax", secure=self.secure, httponly=True
            )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response


def page_renderer(request: Request, context: Ctx) -> PageRenderer:
    return PageRenderer(request, context)


Page = Annotated[PageRenderer, Depends(page_renderer)]
