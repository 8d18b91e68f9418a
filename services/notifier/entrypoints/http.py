"""The notices API (CONTRACT.md, "Notices API") and the public notices page with its Atom feed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.notifier.adapters.orm import Delivery, Notice
from pidesk.services.notifier.adapters.people import RecipientCipher
from pidesk.services.notifier.adapters.rendering import TEMPLATES, markdown_html, pages
from pidesk.services.notifier.domain.approval import hash_of
from pidesk.services.notifier.domain.plan import INTERNAL, LANGUAGES, PUBLIC
from pidesk.services.notifier.domain.webhooks import fingerprint, role_of
from pidesk.services.notifier.service.drafting import DraftLocked, edit_draft, gaps
from pidesk.services.notifier.service.issuing import covered_drafts
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.auth import Principal, bearer_principal, require_role
from pidesk.shared.http.body import parse_json_body
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.openapi import documented
from pidesk.shared.http.page_headers import page_headers, style_hashes
from pidesk.shared.http.params import OffsetQuery
from pidesk.shared.vocabulary import APPROVERS, DeliveryChannel, DeliveryStatus, NoticeStatus

KINDS = ("data_subject", "public", "regulator_draft", "internal")
STATUSES = tuple(NoticeStatus)
DELIVERY_STATUSES = tuple(DeliveryStatus)
PUBLIC_PAGE_HEADERS = page_headers(style_hashes(TEMPLATES / "pages" / "public_notices.html"))
FEED_HEADERS = page_headers()
READ = documented(errors=[401, 404, 422], auth=["bearer"])


async def reader(request: Request) -> Principal:
    """Any desk role may read notices (the same bearer tokens as the desk API); 401 without one."""
    return bearer_principal(request)


Reader = Annotated[Principal, Depends(reader)]


async def editor(principal: Reader) -> Principal:
    """Drafts are worded by those who approve them."""
    require_role(principal, APPROVERS)
    return principal


Editor = Annotated[Principal, Depends(editor)]


class DraftEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str | None = Field(default=None, min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=100_000)


def notice_summary(notice: Notice, held: int = 0) -> dict[str, Any]:
    """`held`: an internal alert's recipients whose mail waits (rate limit, group-update window, daily digest),
    counted among `recipients.pending`."""
    delivered = notice.sent + notice.unconfirmed
    return {
        "notice_id": str(notice.id),
        "incident_id": str(notice.incident_id),
        "reference": notice.reference,
        "kind": notice.kind,
        "variant": notice.variant,
        "language": notice.language,
        "channel": notice.channel,
        "status": notice.status,
        "current": notice.current,
        "subject": notice.subject,
        "obligations": list(notice.obligations),
        "recipients": {
            "total": notice.total,
            "sent": delivered,
            "failed": notice.failed,
            "unconfirmed": notice.unconfirmed,
            "pending": max(notice.total - delivered - notice.failed, 0),
        },
        "held": held,
        "gaps": gaps(notice.body),
        # what the desk approves: its hash goes with the approval, and only that wording is ever sent
        "wording_hash": hash_of(notice),
        "locked": notice.approved_wording is not None,
        "failed_reason": notice.failed_reason,
        "edited_by": notice.edited_by,
        "edited_at": _iso(notice.edited_at),
        "facts_changed_since_edit": notice.facts_changed_since_edit,
        "approved_by": notice.approved_by,
        "approved_at": _iso(notice.approved_at),
        "issued_at": _iso(notice.issued_at),
        "created_at": _iso(notice.created_at),
        "updated_at": _iso(notice.updated_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _shown_recipient(row: Delivery, notice: Notice, people: RecipientCipher) -> dict[str, Any]:
    """A mail recipient's address and name, opened for the desk's readers; a chat webhook (a credential) only
    as its role and fingerprint, to anyone."""
    address = people.address(row.address_sealed, notice_id=row.notice_id, index=row.address)
    name = people.name(row.name, notice_id=row.notice_id, index=row.address)
    if row.channel != DeliveryChannel.CHAT:
        return {"address": address, "name": name}
    fp = fingerprint(address)
    return {"address": f"chat webhook {fp}", "role": role_of(notice.variant), "fingerprint": fp, "name": name}


async def _held(session: AsyncSession, notice_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Per internal notice, its recipients whose alert waits (pending with a `hold`)."""
    if not notice_ids:
        return {}
    statement = (
        select(Delivery.notice_id, func.count())
        .where(
            Delivery.notice_id.in_(notice_ids), Delivery.status == DeliveryStatus.PENDING, Delivery.hold.is_not(None)
        )
        .group_by(Delivery.notice_id)
    )
    return {notice_id: count for notice_id, count in (await session.execute(statement)).all()}


def notices_router(sessions: async_sessionmaker[AsyncSession], people: RecipientCipher) -> APIRouter:
    router = APIRouter(tags=["notices"])

    async def _notice(session: AsyncSession, notice_id: uuid.UUID) -> Notice:
        notice = await session.get(Notice, notice_id)
        if notice is None:
            raise ApiError(404, "notice_not_found", "no notice with this id")
        return notice

    @router.get("/v1/notices", **documented(errors=[401, 422], auth=["bearer"]))
    async def list_notices(
        _principal: Reader,
        incident_id: uuid.UUID | None = None,
        kind: Annotated[str | None, Query(pattern="^(" + "|".join(KINDS) + ")$")] = None,
        status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    ) -> list[dict[str, Any]]:
        statement = select(Notice).order_by(Notice.created_at.desc(), Notice.id).limit(limit)
        if incident_id:
            statement = statement.where(Notice.incident_id == incident_id)
        if kind:
            statement = statement.where(Notice.kind == kind)
        if status:
            statement = statement.where(Notice.status == status)
        async with sessions() as session:
            notices = (await session.scalars(statement)).all()
            held = await _held(session, [n.id for n in notices if n.kind == INTERNAL])
            return [notice_summary(n, held.get(n.id, 0)) for n in notices]

    @router.get("/v1/notices/{notice_id}", **READ)
    async def get_notice(notice_id: uuid.UUID, _principal: Reader) -> dict[str, Any]:
        async with sessions() as session:
            notice = await _notice(session, notice_id)
            held = await _held(session, [notice.id])
            covered = [] if notice.kind == INTERNAL else await covered_drafts(session, notice, lock=False)
            return {
                **notice_summary(notice, held.get(notice.id, 0)),
                # what approving this notice approves: the wording of each language draft it covers (the desk
                # sends these hashes with the approval; nothing else is sent)
                "approval_covers": {n.language: hash_of(n) for n in covered},
                "body": notice.body,
                "body_html": markdown_html(notice.body),
                "approvals": notice.approvals,
            }

    @router.put(
        "/v1/notices/{notice_id}",
        **documented(body=DraftEdit, errors=[400, 401, 403, 404, 409, 413, 415, 422], auth=["bearer"]),
    )
    async def edit_notice(notice_id: uuid.UUID, principal: Editor, request: Request) -> dict[str, Any]:
        """Complete or reword a draft before approval (Markdown); re-drafts then leave the wording alone."""
        edit = await parse_json_body(request, DraftEdit)
        try:
            async with sessions() as session, session.begin():
                notice = await edit_draft(session, notice_id, edit.subject, edit.body, principal.name, utcnow())
                if notice is None:
                    raise ApiError(404, "notice_not_found", "no notice with this id")
                answer = {**notice_summary(notice), "body": notice.body}
        except DraftLocked as exc:
            raise ApiError(409, "not_a_draft", f"only an unapproved draft can be edited ({exc})") from None
        request.app.state.runtime.relay.wake()
        return answer

    @router.get("/v1/notices/{notice_id}/recipients", **READ)
    async def recipients(
        notice_id: uuid.UUID,
        _principal: Reader,
        status: Annotated[str | None, Query(pattern="^(" + "|".join(DELIVERY_STATUSES) + ")$")] = None,
        after: OffsetQuery = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        async with sessions() as session:
            notice = await _notice(session, notice_id)
            statement = (
                select(Delivery)
                .where(Delivery.notice_id == notice_id, Delivery.id > after)
                .order_by(Delivery.id)
                .limit(limit)
            )
            if status:
                statement = statement.where(Delivery.status == status)
            rows = (await session.scalars(statement)).all()
            items = [
                {
                    "id": r.id,
                    "channel": r.channel,
                    **_shown_recipient(r, notice, people),
                    "language": r.language,
                    "status": r.status,
                    "attempts": r.attempts,
                    "last_error": r.last_error,
                    "sent_at": _iso(r.sent_at),
                    "next_attempt_at": _iso(r.next_attempt_at) if r.status == DeliveryStatus.PENDING else None,
                    # an internal alert's mail: why it waited, what became of it, whose mail carried it
                    "hold": r.hold,
                    "note": r.note,
                    "carried_by": r.carried_by,
                }
                for r in rows
            ]
            return {"items": items, "next_after": rows[-1].id if len(rows) == limit else None}

    @router.get(
        "/v1/notices/{notice_id}/download.md",
        **documented(produces="text/markdown", errors=[401, 404, 422], auth=["bearer"]),
    )
    async def download(notice_id: uuid.UUID, _principal: Reader) -> Response:
        async with sessions() as session:
            notice = await _notice(session, notice_id)
            text = f"# {notice.subject}\n\n{notice.body}"
            name = f"{notice.reference}-{notice.kind}-{notice.variant}-{notice.language}.md"
        return Response(
            text,
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def _published(session: AsyncSession) -> list[dict[str, Any]]:
        rows = (
            await session.scalars(
                select(Notice)
                .where(Notice.kind == PUBLIC, Notice.status == NoticeStatus.SENT)
                .order_by(Notice.issued_at.desc())
                .limit(200)
            )
        ).all()
        return [
            {
                "id": str(n.id),
                "reference": n.reference,
                "language": n.language,
                "subject": n.subject,
                "html": markdown_html(n.body),
                "issued_at": n.issued_at,
            }
            for n in rows
        ]

    @router.get("/notices/public", response_class=HTMLResponse)
    async def public_page(request: Request) -> HTMLResponse:
        async with sessions() as session:
            notices = await _published(session)
        html = pages().get_template("public_notices.html").render(notices=notices, languages=LANGUAGES)
        return HTMLResponse(html, headers={"Cache-Control": "public, max-age=60", **PUBLIC_PAGE_HEADERS})

    @router.get("/notices/public.atom", **documented(produces="application/atom+xml"))
    async def public_feed(request: Request) -> Response:
        async with sessions() as session:
            notices = await _published(session)
        base = request.app.state.public_url.rstrip("/")  # the configured address, never the Host header
        updated = max((n["issued_at"] for n in notices), default=utcnow())
        xml = pages().get_template("public_notices.atom.xml").render(notices=notices, base=base, updated=updated)
        return Response(xml, media_type="application/atom+xml; charset=utf-8", headers=FEED_HEADERS)

    return router
