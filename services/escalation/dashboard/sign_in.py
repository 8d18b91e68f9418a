"""Signing in to the dashboard and out of it: the password form (break-glass once the company's
identity provider is configured), the company sign-in (OIDC, dashboard/oidc.py), the sign-in rate.

Both sign-ins end in the same server-side session (service/accounts.py `open_session`) and cookie."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pidesk.services.escalation.dashboard.deps import Csrf, Rates
from pidesk.services.escalation.dashboard.oidc import (
    FLOW_COOKIE,
    FLOW_PATH,
    FLOW_SECONDS,
    CompanySignIn,
    SignInRefused,
    company_sign_in,
)
from pidesk.services.escalation.dashboard.pages import Page, PageRenderer
from pidesk.services.escalation.entrypoints.deps import SESSION_COOKIE, Ctx, session_principal
from pidesk.services.escalation.service import accounts, company_accounts
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.auth import Principal
from pidesk.shared.http.csrf import CsrfProtector
from pidesk.shared.http.openapi import documented
from pidesk.shared.vocabulary import Role

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

# how the page says each refusal of the company sign-in
REFUSAL_STATUS = {"oidc_failed": 400, "oidc_unavailable": 502}  # the others (no role, disabled, name taken): 403

router = APIRouter(tags=["dashboard"])
Company = Annotated[CompanySignIn | None, Depends(company_sign_in)]


def _login_form(
    page: PageRenderer,
    csrf: CsrfProtector,
    company: CompanySignIn | None,
    *,
    status: int = 200,
    next_path: str = "/desk",
    error: str | None = None,
    name: str = "",
) -> Response:
    """The sign-in page: the company sign-in first when configured, the password form always."""
    token, nonce = csrf.token_for(page.request)
    response = page.render(
        "login.html", status, form_token=token, next=next_path, error=error, name=name, company=company is not None
    )
    csrf.remember(response, nonce, page.request)
    return response


@router.get("/desk/login", response_class=HTMLResponse)
async def login_page(page: Page, csrf: Csrf, company: Company, next: str = "/desk") -> Response:
    return _login_form(page, csrf, company, next_path=_safe_next(next))


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
async def login(request: Request, page: Page, csrf: Csrf, rates: Rates, context: Ctx, company: Company) -> Response:
    client = request.client.host if request.client else "unknown"
    await rates.per_minute(SIGN_INS_PER_MINUTE).hit("desk-login", client)
    form = await request.form()
    name = str(form.get("username") or form.get("name") or "")[:200]
    password = str(form.get("password", ""))[:1000]
    next_path = _safe_next(str(form.get("next", "/desk")))

    def again(error: str, status: int) -> Response:
        return _login_form(page, csrf, company, status=status, next_path=next_path, error=error, name=name)

    if not csrf.valid(request, str(form.get("csrf_token", ""))):
        return again("expired_form", 400)
    async with context.sessions() as session, session.begin():
        outcome = await accounts.sign_in(session, name, password, utcnow(), client)
        if outcome.user is None:
            log.info("dashboard sign-in refused", extra={"reason": outcome.refusal, "client": client})
            return again(outcome.refusal or "invalid", 401)
        cookie, _csrf = await accounts.open_session(session, outcome.user, utcnow())
    response = RedirectResponse(next_path, status_code=303)
    _set_session_cookie(response, cookie, page)
    return response


@router.get(FLOW_PATH, include_in_schema=False)
async def company_sign_in_start(page: Page, csrf: Csrf, company: Company, next: str = "/desk") -> Response:
    """To the company's identity provider, with this browser's flow in a cookie (dashboard/oidc.py)."""
    if company is None:
        return RedirectResponse("/desk/login", status_code=303)
    try:
        url, flow = await company.start(_safe_next(next))
    except SignInRefused as refused:
        log.warning("company sign-in unavailable", extra={"detail": refused.detail})
        return _login_form(page, csrf, company, status=502, next_path=_safe_next(next), error=refused.reason)
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    # Lax, not Strict: the provider's answer arrives as a navigation from the provider's site
    response.set_cookie(
        FLOW_COOKIE, flow, max_age=FLOW_SECONDS, httponly=True, samesite="lax", secure=page.secure, path=FLOW_PATH
    )
    return response


@router.get(f"{FLOW_PATH}/callback", include_in_schema=False)
async def company_sign_in_callback(
    request: Request, page: Page, csrf: Csrf, rates: Rates, context: Ctx, company: Company
) -> Response:
    """The provider's answer: a verified identity with a mapped role gets the same session as a password.

    The session cookie is SameSite=Strict, and a browser withholds it from a navigation that began on
    the provider's site, redirects included; so this answers with a page of ours that moves on to the
    desk by itself (a same-site navigation, which carries the cookie), not with a redirect.
    """
    if company is None:
        return RedirectResponse("/desk/login", status_code=303)
    client = request.client.host if request.client else "unknown"
    await rates.per_minute(SIGN_INS_PER_MINUTE).hit("desk-login", client)

    def refused(reason: str, detail: str = "") -> Response:
        log.info("dashboard sign-in refused", extra={"reason": reason, "detail": detail, "client": client})
        response = _login_form(page, csrf, company, status=REFUSAL_STATUS.get(reason, 403), error=reason)
        response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
        return response

    try:
        identity, next_path = await company.finish(dict(request.query_params), request.cookies.get(FLOW_COOKIE))
    except SignInRefused as refusal:
        return refused(refusal.reason, refusal.detail)
    async with context.sessions() as session, session.begin():
        outcome = await company_accounts.sign_in_with_company_account(
            session,
            issuer=identity.issuer,
            subject=identity.subject,
            username=identity.username,
            role=identity.role,
            now=utcnow(),
        )
        if outcome.user is None:
            return refused(outcome.refusal or "oidc_failed", f"groups {list(identity.groups)[:20]}")
        user = outcome.user
        cookie, _csrf = await accounts.open_session(session, user, utcnow())
        principal = Principal(name=user.name, role=Role(user.role), token_id=f"session:{user.id}")
    request.state.principal = principal  # the audit entry of this request names who signed in
    log.info("dashboard sign-in", extra={"user": principal.name, "role": principal.role.value, "via": "oidc"})
    next_path = _safe_next(next_path)
    response = page.render("signed_in.html", next=next_path, user=principal.name, role=principal.role.value)
    _set_session_cookie(response, cookie, page)
    response.delete_cookie(FLOW_COOKIE, path=FLOW_PATH)
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


def _set_session_cookie(response: Response, cookie: str, page: PageRenderer) -> None:
    """The session cookie, the same for every way of signing in."""
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(accounts.ABSOLUTE_TIMEOUT.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=page.secure,
        path="/",
    )


def _safe_next(path: str) -> str:
    """Only a path on the dashboard: never an open redirect."""
    return path if path.startswith("/desk") and not path.startswith("//") and "\\" not in path else "/desk"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
