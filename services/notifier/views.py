"""Read models of the notices API and the public page: what the desk and the public are shown of notices.

Times are ISO 8601 strings as `datetime.isoformat()` writes them (the contract's JSON since the first
version), never re-serialised by pydantic; a mail recipient has no `role` nor `fingerprint` key at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from pidesk.services.notifier.adapters.orm import Delivery, Notice
from pidesk.services.notifier.adapters.people import RecipientCipher
from pidesk.services.notifier.adapters.rendering import markdown_html
from pidesk.services.notifier.adapters.repository import NotifierUnitOfWork
from pidesk.services.notifier.domain.approval import hash_of
from pidesk.services.notifier.domain.plan import INTERNAL
from pidesk.services.notifier.domain.webhooks import fingerprint, role_of
from pidesk.services.notifier.service.drafting import gaps
from pidesk.shared.vocabulary import DeliveryChannel, DeliveryStatus
from pidesk.shared.wording import EditedNotice, NoticeSummary, RecipientCounts


class NoticeDetail(NoticeSummary):
    """`approval_covers`: what approving this notice approves, the wording hash of each language draft it
    covers (the desk sends these hashes with the approval; nothing else is sent)."""

    approval_covers: dict[str, str]
    body: str
    body_html: str
    approvals: dict[str, Any]


class Recipient(BaseModel):
    """A mail recipient's address and name, opened for the desk's readers; a chat webhook (a credential)
    only as its role and fingerprint. `hold`, `note`, `carried_by`: an internal alert's mail, why it waited,
    what became of it, whose mail carried it. Serialise without unset fields (`role`, `fingerprint`)."""

    id: int
    channel: str
    address: str
    role: str | None = None
    fingerprint: str | None = None
    name: str
    language: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: str | None
    next_attempt_at: str | None
    hold: str | None
    note: str | None
    carried_by: int | None


class RecipientPage(BaseModel):
    """`next_after`: the `after` of the next page, null on the last one."""

    items: list[Recipient]
    next_after: int | None


@dataclass(frozen=True)
class PublishedNotice:
    """A public notice as the page and its Atom feed show it."""

    id: str
    reference: str
    language: str
    subject: str
    html: str
    issued_at: datetime


def notice_summary(notice: Notice, held: int = 0) -> NoticeSummary:
    return NoticeSummary(**_summary_fields(notice, held))


def edited_notice(notice: Notice) -> EditedNotice:
    return EditedNotice(**_summary_fields(notice, 0), body=notice.body)


def _summary_fields(notice: Notice, held: int) -> dict[str, Any]:
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
        "recipients": RecipientCounts(
            total=notice.total,
            sent=delivered,
            failed=notice.failed,
            unconfirmed=notice.unconfirmed,
            pending=max(notice.total - delivered - notice.failed, 0),
        ),
        "held": held,
        "gaps": gaps(notice.body),
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


async def notice_list(
    uow: NotifierUnitOfWork,
    *,
    incident_id: uuid.UUID | None = None,
    kind: str | None = None,
    status: str | None = None,
    limit: int = 500,
) -> list[NoticeSummary]:
    """Newest first, with each internal alert's held recipients counted."""
    async with uow:
        notices = await uow.notices.listing(incident_id=incident_id, kind=kind, status=status, limit=limit)
        held = await uow.deliveries.held_counts([n.id for n in notices if n.kind == INTERNAL])
        return [notice_summary(n, held.get(n.id, 0)) for n in notices]


async def notice_detail(uow: NotifierUnitOfWork, notice_id: uuid.UUID) -> NoticeDetail | None:
    """The notice with its wording and what approving it covers; None for an unknown notice."""
    async with uow:
        notice = await uow.notices.get(notice_id)
        if notice is None:
            return None
        held = await uow.deliveries.held_counts([notice.id])
        covered = [] if notice.kind == INTERNAL else await uow.notices.covered_by_approval(notice)
        return NoticeDetail(
            **_summary_fields(notice, held.get(notice.id, 0)),
            approval_covers={n.language: hash_of(n) for n in covered},
            body=notice.body,
            body_html=markdown_html(notice.body),
            approvals=notice.approvals,
        )


async def notice_recipients(
    uow: NotifierUnitOfWork,
    people: RecipientCipher,
    notice_id: uuid.UUID,
    *,
    status: str | None = None,
    after: int = 0,
    limit: int = 200,
) -> RecipientPage | None:
    """One page of a notice's recipients in id order; None for an unknown notice."""
    async with uow:
        notice = await uow.notices.get(notice_id)
        if notice is None:
            return None
        rows = await uow.deliveries.page(notice_id, status=status, after=after, limit=limit)
        items = [recipient(row, notice, people) for row in rows]
        return RecipientPage(items=items, next_after=rows[-1].id if len(rows) == limit else None)


def recipient(row: Delivery, notice: Notice, people: RecipientCipher) -> Recipient:
    address = people.address(row.address_sealed, notice_id=row.notice_id, index=row.address)
    shown: dict[str, Any] = {"address": address}
    if row.channel == DeliveryChannel.CHAT:
        fp = fingerprint(address)
        shown = {"address": f"chat webhook {fp}", "role": role_of(notice.variant), "fingerprint": fp}
    return Recipient(
        id=row.id,
        channel=row.channel,
        **shown,
        name=people.name(row.name, notice_id=row.notice_id, index=row.address),
        language=row.language,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=_iso(row.sent_at),
        next_attempt_at=_iso(row.next_attempt_at) if row.status == DeliveryStatus.PENDING else None,
        hold=row.hold,
        note=row.note,
        carried_by=row.carried_by,
    )


@dataclass(frozen=True)
class Download:
    """A notice as a Markdown file."""

    filename: str
    text: str


async def notice_download(uow: NotifierUnitOfWork, notice_id: uuid.UUID) -> Download | None:
    async with uow:
        notice = await uow.notices.get(notice_id)
        if notice is None:
            return None
        return Download(
            filename=f"{notice.reference}-{notice.kind}-{notice.variant}-{notice.language}.md",
            text=f"# {notice.subject}\n\n{notice.body}",
        )


async def published_notices(uow: NotifierUnitOfWork) -> list[PublishedNotice]:
    """Issued public notices, newest first, their Markdown rendered."""
    async with uow:
        rows = await uow.notices.published()
        return [
            PublishedNotice(
                id=str(n.id),
                reference=n.reference,
                language=n.language,
                subject=n.subject,
                html=markdown_html(n.body),
                issued_at=n.issued_at,
            )
            for n in rows
            if n.issued_at is not None
        ]
