"""The notices API (docs/contract.md, notices API) and the public notices page with its Atom feed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from pidesk.services.notifier import views
from pidesk.services.notifier.adapters.rendering import TEMPLATES, pages
from pidesk.services.notifier.context import NotifierContext
from pidesk.services.notifier.domain.plan import LANGUAGES
from pidesk.services.notifier.service import drafting
from pidesk.services.notifier.service.drafting import DraftLocked, EditDraft
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.auth import Principal, bearer_principal, require_role
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.http.page_headers import page_headers, style_hashes
from pidesk.shared.http.params import OffsetQuery
from pidesk.shared.vocabulary import APPROVERS, DeliveryStatus, NoticeStatus
from pidesk.shared.wording import EditedNotice, NoticeSummary, NoticeWording

KINDS = ("data_subject", "public", "regulator_draft", "internal")
STATUSES = tuple(NoticeStatus)
DELIVERY_STATUSES = tuple(DeliveryStatus)
PUBLIC_PAGE_HEADERS = page_headers(style_hashes(TEMPLATES / "pages" / "public_notices.html"))
FEED_HEADERS = page_headers()
READ = documented(errors=[401, 404, 422], auth=["bearer"])

router = APIRouter(tags=["notices"])


def notifier_context(request: Request) -> NotifierContext:
    """What the app was started with (bootstrap.py sets it)."""
    context: NotifierContext = request.app.state.context
    return context


Ctx = Annotated[NotifierContext, Depends(notifier_context)]


async def reader(request: Request) -> Principal:
    """Any desk role may read notices (the same bearer tokens as the desk API); 401 without one."""
    return bearer_principal(request)


Reader = Annotated[Principal, Depends(reader)]


async def editor(principal: Reader) -> Principal:
    """Drafts are worded by those who approve them."""
    require_role(principal, APPROVERS)
    return principal


Editor = Annotated[Principal, Depends(editor)]


def not_found() -> ApiError:
    return ApiError(404, "notice_not_found", "no notice with this id")


@router.get("/v1/notices", response_model=list[NoticeSummary], **documented(errors=[401, 422], auth=["bearer"]))
async def list_notices(
    ctx: Ctx,
    _principal: Reader,
    incident_id: uuid.UUID | None = None,
    kind: Annotated[str | None, Query(pattern="^(" + "|".join(KINDS) + ")$")] = None,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[NoticeSummary]:
    return await views.notice_list(ctx.uow(), incident_id=incident_id, kind=kind, status=status, limit=limit)


@router.get("/v1/notices/{notice_id}", response_model=views.NoticeDetail, **READ)
async def get_notice(notice_id: uuid.UUID, ctx: Ctx, _principal: Reader) -> views.NoticeDetail:
    detail = await views.notice_detail(ctx.uow(), notice_id)
    if detail is None:
        raise not_found()
    return detail


@router.put(
    "/v1/notices/{notice_id}",
    response_model=EditedNotice,
    **documented(body=NoticeWording, errors=[400, 401, 403, 404, 409, 413, 415, 422], auth=["bearer"]),
)
async def edit_notice(notice_id: uuid.UUID, ctx: Ctx, principal: Editor, request: Request) -> EditedNotice:
    """Complete or reword a draft before approval (Markdown); re-drafts then leave the wording alone."""
    body = await parse_json_body(request, NoticeWording)
    edit = EditDraft(notice_id, body.subject, body.body, principal.name, utcnow())
    try:
        edited = await drafting.edit_notice(edit, uow=ctx.uow(), answer=views.edited_notice)
    except DraftLocked as exc:
        raise ApiError(409, "not_a_draft", f"only an unapproved draft can be edited ({exc})") from None
    if edited is None:
        raise not_found()
    return edited


@router.get(
    "/v1/notices/{notice_id}/recipients",
    response_model=views.RecipientPage,
    response_model_exclude_unset=True,  # a mail recipient has no `role` nor `fingerprint` key
    **READ,
)
async def recipients(
    notice_id: uuid.UUID,
    ctx: Ctx,
    _principal: Reader,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(DELIVERY_STATUSES) + ")$")] = None,
    after: OffsetQuery = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> views.RecipientPage:
    page = await views.notice_recipients(ctx.uow(), ctx.people, notice_id, status=status, after=after, limit=limit)
    if page is None:
        raise not_found()
    return page


@router.get(
    "/v1/notices/{notice_id}/download.md",
    **documented(produces="text/markdown", errors=[401, 404, 422], auth=["bearer"]),
)
async def download(notice_id: uuid.UUID, ctx: Ctx, _principal: Reader) -> Response:
    found = await views.notice_download(ctx.uow(), notice_id)
    if found is None:
        raise not_found()
    return Response(
        found.text,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )


@router.get("/notices/public", response_class=HTMLResponse)
async def public_page(ctx: Ctx) -> HTMLResponse:
    notices = await views.published_notices(ctx.uow())
    html = pages().get_template("public_notices.html").render(notices=notices, languages=LANGUAGES)
    return HTMLResponse(html, headers={"Cache-Control": "public, max-age=60", **PUBLIC_PAGE_HEADERS})


@router.get("/notices/public.atom", **documented(produces="application/atom+xml"))
async def public_feed(ctx: Ctx) -> Response:
    notices = await views.published_notices(ctx.uow())
    base = ctx.public_url.rstrip("/")  # the configured address, never the Host header
    updated = max((n.issued_at for n in notices), default=utcnow())
    xml = pages().get_template("public_notices.atom.xml").render(notices=notices, base=base, updated=updated)
    return Response(xml, media_type="application/atom+xml; charset=utf-8", headers=FEED_HEADERS)
