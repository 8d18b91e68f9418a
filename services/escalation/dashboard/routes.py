"""The dashboard's pages: sign-in, the live board, an incident, a notice's preview, snoozes, statistics.

Pages are rendered on the server; every change goes through the desk API (/v1/…) from the page's
script, with the session cookie and the session's CSRF token. Roles decide which buttons a page shows,
and the API checks them again.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import hmac
import io
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from pidesk.services.escalation.adapters.notifier_client import NotifierUnavailable
from pidesk.services.escalation.adapters.orm import Incident, NoticeRecord, Snooze, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.adapters.snoozes import SNOOZED, SnoozeRepository
from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.dashboard import board, stats, streams
from pidesk.services.escalation.dashboard.i18n import LANG_COOKIE, LANGUAGES, language_of, translator, word
from pidesk.services.escalation.dashboard.snooze_page import DURATIONS, duration_label, snooze_page
from pidesk.services.escalation.dashboard.streams import EventStreams
from pidesk.services.escalation.dashboard.timeline_notes import timeline_note
from pidesk.services.escalation.domain.authorities import local_due
from pidesk.services.escalation.entrypoints.deps import SESSION_COOKIE, session_principal
from pidesk.services.escalation.entrypoints.views import alert_view, notice_view
from pidesk.services.escalation.service import accounts, alert_listing
from pidesk.services.escalation.service.desk import DeskError
from pidesk.shared import labels
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.auth import Principal
from pidesk.shared.http.csrf import CsrfProtector
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.http.ratelimit import RateLimits
from pidesk.shared.japan_time import JST
from pidesk.shared.vocabulary import (
    APPROVERS,
    CLOSERS,
    FACT_KEEPERS,
    RESPONDERS,
    IncidentKind,
    NoticeKind,
    RiskLevel,
)

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
EVENTS_POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0
ALERTS_PER_PAGE = 50
SIGN_INS_PER_MINUTE = 30
MERGE_CANDIDATES = 200

TARGETS = (
    "security_contact_desk",
    "promotion_bureau",
    "division_manager",
    "pi_administrator",
    "officer_in_charge",
    "privacy_compliance_supervisor",
)


# a page without a session sends the browser to sign in (bootstrap.py maps SignInRequired to this)
SIGN_IN = {
    303: {
        "description": "Not signed in: to /desk/login?next=…",
        "headers": {"Location": {"schema": {"type": "string"}}},
    }
}
PAGE = documented(auth=["session"], also=SIGN_IN)
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


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


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


def dashboard_router(context: EscalationContext, csrf: CsrfProtector, rates: RateLimits) -> APIRouter:
    router = APIRouter(tags=["dashboard"])
    env = _environment()
    sign_in_limit = rates.per_minute(SIGN_INS_PER_MINUTE)  # per client address, across all processes
    live_streams = EventStreams()

    def secure(request: Request) -> bool:
        return request.url.scheme == "https" or context.settings.env == "production"

    def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        language = language_of(request)
        query = {k: v for k, v in request.query_params.items() if k != "lang"}
        switch = "en" if language == "ja" else "ja"
        html = env.get_template(template).render(
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
                LANG_COOKIE, language, max_age=365 * 86400, samesite="lax", secure=secure(request), httponly=True
            )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    async def signed_in(request: Request) -> tuple[Principal, str]:
        found = await session_principal(request)
        if found is None:
            raise SignInRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        request.state.principal = found[0]
        return found

    def can(principal: Principal) -> dict[str, bool]:
        return {
            "respond": principal.role in RESPONDERS,
            "facts": principal.role in FACT_KEEPERS,
            "close": principal.role in CLOSERS,
            "approve": principal.role in APPROVERS,
        }

    # sign-in and sign-out ------------------------------------------------------------------------

    @router.get("/desk/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "/desk") -> Response:
        token, nonce = csrf.token_for(request)
        response = render(request, "login.html", form_token=token, next=_safe_next(next), error=None, name="")
        csrf.remember(response, nonce, request)
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
    async def login(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        await sign_in_limit.hit("desk-login", client)
        form = await request.form()
        name = str(form.get("username") or form.get("name") or "")[:200]
        password = str(form.get("password", ""))[:1000]
        next_path = _safe_next(str(form.get("next", "/desk")))
        token, nonce = csrf.token_for(request)

        def again(error: str, status: int) -> Response:
            response = render(request, "login.html", status, form_token=token, next=next_path, error=error, name=name)
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
            secure=secure(request),
            path="/",
        )
        return response

    @router.post(
        "/desk/logout",
        response_class=HTMLResponse,
        **documented(body_types={"application/x-www-form-urlencoded": LOGOUT_FORM}, errors=[400, 413], also=REDIRECT),
    )
    async def logout(request: Request) -> Response:
        found = await session_principal(request)
        form = await request.form()
        if found is not None and _same(str(form.get("csrf_token", "")), found[1]):
            async with context.sessions() as session, session.begin():
                await accounts.end_session(session, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/desk/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # the board ------------------------------------------------------------------------------------

    async def board_rows(request: Request) -> list[board.BoardRow]:
        async with context.sessions() as session:
            open_incidents = (
                select(Incident)
                .where(Incident.closed_at.is_(None), Incident.status != SNOOZED)  # not closed, merged or snoozed
                .options(lazyload(Incident.timeline))  # deadlines and routes, never the timelines
                .limit(2000)
            )
            incidents = (await session.scalars(open_incidents)).all()
            rows = board.sort_board([board.board_row(i) for i in incidents])
        q = request.query_params
        return board.filter_board(
            rows,
            risk=q.get("risk") or None,
            kind=q.get("kind") or None,
            entity=q.get("company") or None,
            ack=q.get("ack") or None,
        )

    @router.get("/desk", response_class=HTMLResponse, **PAGE)
    @router.get("/desk/", response_class=HTMLResponse, include_in_schema=False)
    async def board_page(request: Request) -> Response:
        principal, session_csrf = await signed_in(request)
        rows = await board_rows(request)
        async with context.sessions() as session:
            companies = (await session.scalars(select(Incident.entity).distinct().order_by(Incident.entity))).all()
            snoozed = await SnoozeRepository(session).snoozed_count()
        return render(
            request,
            "board.html",
            principal=principal,
            csrf_token=session_csrf,
            rows=rows,
            snoozed_count=snoozed,
            filters=dict(request.query_params),
            risks=[r.value for r in RiskLevel],
            kinds=[k.value for k in IncidentKind],
            companies=companies,
            now=utcnow(),
        )

    @router.get("/desk/board", response_class=HTMLResponse, **PAGE)
    async def board_fragment(request: Request) -> Response:
        await signed_in(request)
        return render(request, "board_rows.html", rows=await board_rows(request), now=utcnow())

    @router.get(
        "/desk/events",
        **documented(produces="text/event-stream", errors=[422, 429], auth=["session"], also=SIGN_IN),
    )
    async def events(request: Request, incident: uuid.UUID | None = None) -> Response:
        """`changed` whenever the board (or, given `incident`, that incident) changes; `signed-out`, and
        the end of the stream, once the session has ended (signed out, expired or idle)."""
        await signed_in(request)
        cookie = request.cookies.get(SESSION_COOKIE, "")
        slot = live_streams.acquire(hashlib.sha256(cookie.encode()).hexdigest())
        if slot is None:
            raise ApiError(
                429,
                "too_many_streams",
                f"too many live streams (at most {streams.MAX_STREAMS_PER_SESSION} a session); retry later",
                headers={"Retry-After": "30"},
            )

        async def stream() -> AsyncIterator[bytes]:
            try:
                yield b"retry: 2000\n\n"
                async for chunk in changes(request, incident, cookie):
                    yield chunk
            finally:
                slot.release()

        body = stream()
        slot.bind(body)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(body, media_type="text/event-stream", headers=headers)

    async def changes(request: Request, incident: uuid.UUID | None, cookie: str) -> AsyncIterator[bytes]:
        last, quiet = None, 0.0
        while not await request.is_disconnected():
            async with context.sessions() as session:
                if not await accounts.still_signed_in(session, cookie, utcnow()):
                    yield b"event: signed-out\ndata: \n\n"
                    return
            version = await _version(context, incident)
            if version != last:
                if last is not None:
                    yield f"event: changed\ndata: {version}\n\n".encode()
                last, quiet = version, 0.0
            elif quiet >= HEARTBEAT_SECONDS:
                yield b": keep-alive\n\n"
                quiet = 0.0
            await asyncio.sleep(EVENTS_POLL_SECONDS)
            quiet += EVENTS_POLL_SECONDS

    # an incident ---------------------------------------------------------------------------------

    @router.get(
        "/desk/incidents/{incident_id}",
        response_class=HTMLResponse,
        **documented(errors=[422], pages=[404], auth=["session"], also=SIGN_IN),
    )
    async def incident_page(incident_id: uuid.UUID, request: Request) -> Response:
        principal, session_csrf = await signed_in(request)
        async with context.sessions() as session:
            incident = await IncidentRepository(session).get(incident_id)
            if incident is None:
                return render(request, "not_found.html", 404, principal=principal, csrf_token=session_csrf)
            known = (await session.scalars(select(NoticeRecord).where(NoticeRecord.incident_id == incident_id))).all()
            notices = await _live_notices(context, incident_id, known)
            allowed = can(principal)
            linked = [i for i in (incident.follows_incident_id, incident.merged_into) if i is not None]
            references = await IncidentRepository(session).references(linked)
            candidates = await _merge_candidates(session, incident) if allowed["facts"] else []
            alerts = await _alert_page(context, incident, request.query_params.get("alerts"))
            matched = await session.get(Snooze, incident.matched_snooze_id) if incident.matched_snooze_id else None
            return render(
                request,
                "incident.html",
                principal=principal,
                csrf_token=session_csrf,
                incident=incident,
                row=board.board_row(incident),
                notices=notices,
                can=allowed,
                targets=TARGETS,
                now=utcnow(),
                alerts=alerts,
                alerts_cursor=request.query_params.get("alerts"),
                references=references,
                merge_candidates=candidates,
                snooze=matched,
                note=lambda entry: timeline_note(entry.kind, entry.detail, language_of(request)),
            )

    # snoozes ---------------------------------------------------------------------------------------

    @router.get("/desk/snoozes", response_class=HTMLResponse, **PAGE)
    async def snoozes_page(request: Request) -> Response:
        principal, session_csrf = await signed_in(request)
        async with context.sessions() as session:
            page = await snooze_page(session, utcnow())
        return render(
            request,
            "snoozes.html",
            principal=principal,
            csrf_token=session_csrf,
            page=page,
            can=can(principal),
            durations=DURATIONS,
            duration_label=duration_label,
        )

    @router.get(
        "/desk/incidents/{incident_id}/notices/{notice_id}",
        response_class=HTMLResponse,
        **documented(errors=[422], pages=[404], auth=["session"], also=SIGN_IN),
    )
    async def notice_page(incident_id: uuid.UUID, notice_id: uuid.UUID, request: Request) -> Response:
        principal, session_csrf = await signed_in(request)
        previews: list[dict[str, Any] | None] = []  # a sibling the notifier no longer knows: None
        unavailable = False
        if context.notifier is not None:
            try:
                notice = await context.notifier.notice(notice_id)
                if notice is not None and notice["incident_id"] == str(incident_id):
                    siblings = await context.notifier.notices(incident_id)
                    previews = [
                        notice,
                        *[
                            await context.notifier.notice(uuid.UUID(s["notice_id"]))
                            for s in siblings
                            if s["kind"] == notice["kind"]
                            and s["variant"] == notice["variant"]
                            and s["notice_id"] != notice["notice_id"]
                        ],
                    ]
            except NotifierUnavailable:
                unavailable = True
        if not previews and not unavailable:
            return render(request, "not_found.html", 404, principal=principal, csrf_token=session_csrf)
        return render(
            request,
            "notice.html",
            principal=principal,
            csrf_token=session_csrf,
            incident_id=str(incident_id),
            notice=previews[0] if previews else None,
            previews=[p for p in previews if p],
            unavailable=unavailable,
            can=can(principal),
        )

    # statistics ----------------------------------------------------------------------------------

    async def year_stats(year: int) -> stats.YearStats:
        start, end = stats.fiscal_year_bounds(year)
        async with context.sessions() as session:
            incidents = (
                await session.scalars(
                    select(Incident)
                    .where(Incident.received_at >= start, Incident.received_at < end)
                    .options(lazyload(Incident.timeline), lazyload(Incident.routes))
                )
            ).all()
            return stats.year_stats(year, list(incidents), utcnow())

    @router.get("/desk/stats", response_class=HTMLResponse, **documented(errors=[422], auth=["session"], also=SIGN_IN))
    async def stats_page(request: Request, fy: int | None = Query(default=None, ge=2000, le=2100)) -> Response:
        principal, session_csrf = await signed_in(request)
        year = fy or stats.fiscal_year(utcnow())
        return render(
            request,
            "stats.html",
            principal=principal,
            csrf_token=session_csrf,
            year=year,
            years=list(range(stats.fiscal_year(utcnow()), stats.fiscal_year(utcnow()) - 5, -1)),
            s=await year_stats(year),
        )

    @router.get("/desk/stats.csv", **documented(produces="text/csv", errors=[422], auth=["session"], also=SIGN_IN))
    async def stats_csv(request: Request, fy: int | None = Query(default=None, ge=2000, le=2100)) -> Response:
        await signed_in(request)
        year = fy or stats.fiscal_year(utcnow())
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["fiscal_year", "dimension", "value", "count"])
        for dimension, value, count in (await year_stats(year)).rows():
            writer.writerow([year, dimension, _csv_safe(value), count])
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="pidesk-stats-FY{year}.csv"'},
        )

    return router


def _safe_next(path: str) -> str:
    """Only a path on the dashboard: never an open redirect."""
    return path if path.startswith("/desk") and not path.startswith("//") and "\\" not in path else "/desk"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


async def _version(context: EscalationContext, incident_id: uuid.UUID | None = None) -> str:
    """Changes whenever an incident is added or anything lands on a timeline (of `incident_id` if given)."""
    latest_entry, last_update = select(func.max(TimelineEntry.id)), select(func.max(Incident.updated_at))
    if incident_id is not None:
        latest_entry = latest_entry.where(TimelineEntry.incident_id == incident_id)
        last_update = last_update.where(Incident.id == incident_id)
    async with context.sessions() as session:  # one round trip a poll
        row = (await session.execute(select(latest_entry.scalar_subquery(), last_update.scalar_subquery()))).one()
    latest, updated = row
    return f"{latest or 0}:{updated.timestamp() if updated else 0}"


async def _alert_page(
    context: EscalationContext, incident: Incident, cursor: str | None
) -> alert_listing.AlertPage | None:
    """A page of the incident's grouped alerts (a cursor from an older link starts again at the newest)."""
    if not incident.alert_count:
        return None
    try:
        return await alert_listing.list_alerts(
            context.uow(), incident.id, cursor=cursor, limit=ALERTS_PER_PAGE, present=alert_view
        )
    except DeskError:
        return await alert_listing.list_alerts(
            context.uow(), incident.id, cursor=None, limit=ALERTS_PER_PAGE, present=alert_view
        )


async def _merge_candidates(session: Any, incident: Incident) -> list[dict[str, Any]]:
    """Open incidents this one could be merged into, newest first (grouped ones and reports alike)."""
    if incident.closed_at is not None:
        return []
    rows = await session.execute(
        select(Incident.id, Incident.reference, Incident.facts, Incident.alert_count)
        .where(Incident.closed_at.is_(None), Incident.id != incident.id)
        .order_by(Incident.received_at.desc())
        .limit(MERGE_CANDIDATES)
    )
    return [
        {"id": str(i), "reference": ref, "kind": (facts or {}).get("incident_kind", "other"), "alert_count": n}
        for i, ref, facts, n in rows.all()
    ]


async def _live_notices(context: EscalationContext, incident_id: uuid.UUID, known: Any) -> list[dict[str, Any]]:
    """The incident's notices with live progress from the notifier, else as the desk last heard of them."""
    if context.notifier is not None:
        try:
            return [n for n in await context.notifier.notices(incident_id) if n["kind"] != NoticeKind.INTERNAL]
        except NotifierUnavailable:
            pass
    return [notice_view(n) for n in known if n.kind != NoticeKind.INTERNAL]
