"""Signing in to the dashboard and out of it: the form, its CSRF token, and the sign-in rate."""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pidesk.services.escalation.dashboard.deps import Csrf, Rates
from pidesk.services.escalation.dashboard.pages import Page
from pidesk.services.escalation.entrypoints.deps import SESSION_COOKIE, Ctx, session_principal
from pidesk.services.escalation.service import accounts
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.openapi import documented

log = logging.getLogger(__name__)
SIGN_INS_PER_MINUTE = 30  # per client address, across all processes

LOGIN_FORM = {
    "schema": {
        "type": "object",
        "required": ["username", "password", "csrf_token"],
        "properties": {
            "username": {"type": "string"},
            "password": {"type": "string", "format": "password"},
            "csrf_token": {"type": "string"},
            "next": {"type": "string"},
        },
    }
}
LOGOUT_FORM = {"schema": {"type": "object", "properties": {"csrf_token": {"type": "string"}}}}
REDIRECT = {303: {"description": "Redirected", "headers": {"Location": {"schema": {"type": "string"}}}}}

router = APIRouter(tags=["dashboard"])


@router.get("/desk/login", response_class=HTMLResponse)
async def login_page(page: Page, csrf: Csrf, next: str = "/desk") -> Response:
    token, nonce = csrf.token_for(page.request)
    response = page.render("login.html", form_token=token, next=_safe_next(next), error=None, name="")
    csrf.remember(response, nonce, page.request)
    return response


@router.post(
    "/desk/login",
    response_class=HTMLResponse,
    # 303 to the page asked for; the form again with 400 (expired form) or 401 (the same answer for every failure)
    **documented(
        body_types={"application/x-www-form-urlencoded": LOGIN_FORM},
        errors=[400, 413, 429],
        pages=[400, 401],
        also=REDIRECT,
    ),
)
async def login(request: Request, page: Page, csrf: Csrf, rates: Rates, context: Ctx) -> Response:
    client = request.client.host if request.client else "unknown"
    await rates.per_minute(SIGN_INS_PER_MINUTE).hit("desk-login", client)
    form = await request.form()
    name = str(form.get("username") or form.get("name") or "")[:200]
    password = str(form.get("password", ""))[:1000]
    next_path = _safe_next(str(form.get("next", "/desk")))
    token, nonce = csrf.token_for(request)

    def again(error: str, status: int) -> Response:
        response = page.render("login.html", status, form_token=token, next=next_path, error=error, name=name)
        csrf.remember(response, nonce, request)
        return response

    if not csrf.valid(request, str(form.get("csrf_token", ""))):
        return again("expired_form", 400)
    async with context.sessions() as session, session.begin():
        outcome = await accounts.sign_in(session, name, password, utcnow(), client)
        if outcome.user is None:
            log.info("dashboard sign-in refused", extra={"reason": outcome.refusal, "client": client})
            return again(outcome.refusal or "invalid", 401)
        cookie, _csrf = await accounts.open_session(session, outcome.user, utcnow())
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(accounts.ABSOLUTE_TIMEOUT.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=page.secure,
        path="/",
    )
    return response


@router.post(
    "/desk/logout",
    response_class=HTMLResponse,
    **documented(body_types={"application/x-www-form-urlencoded": LOGOUT_FORM}, errors=[400, 413], also=REDIRECT),
)
async def logout(request: Request, context: Ctx) -> Response:
    found = await session_principal(request)
    form = await request.form()
    if found is not None and _same(str(form.get("csrf_token", "")), found[1]):
        async with context.sessions() as session, session.begin():
            await accounts.end_session(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/desk/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _safe_next(path: str) -> str:
    """Only a path on the dashboard: never an open redirect."""
    return path if path.startswith("/desk") and not path.startswith("//") and "\\" not in path else "/desk"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
