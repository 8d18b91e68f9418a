"""The notices the notifier drafted and issued, as the desk sees them (from their events)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.notices import NoticeRepository
from pidesk.services.escalation.adapters.orm import NoticeRecord, TimelineEntry
from pidesk.shared.events import NoticeDrafted, NoticeIssued
from pidesk.shared.vocabulary import NoticeKind, NoticeStatus

Known = dict[uuid.UUID, NoticeRecord]


async def known_notices(session: AsyncSession, notice_ids: Iterable[uuid.UUID]) -> Known:
    """A consumer batch's notices, read in one query: each event then finds its row (or knows it is new)
    without a query of its own."""
    return await NoticeRepository(session).many(notice_ids)


async def _notice(session: AsyncSession, notice_id: uuid.UUID, known: Known | None) -> NoticeRecord | None:
    return known.get(notice_id) if known is not None else await NoticeRepository(session).get(notice_id)


async def record_notice_drafted(
    session: AsyncSession, incident_id: uuid.UUID, event: NoticeDrafted, known: Known | None = None
) -> None:
    notice = await _notice(session, event.notice_id, known)
    if notice is None:
        notice = NoticeRecord(id=event.notice_id, incident_id=incident_id, recipients={})
        session.add(notice)
        if known is not None:
            known[notice.id] = notice  # a later event of the batch about it finds it
    elif notice.status != NoticeStatus.DRAFTED:
        return  # an approval or issue already moved it on
    notice.kind, notice.variant, notice.language = event.kind, event.variant, event.language
    notice.status, notice.current, notice.subject = event.status, event.current, event.subject
    notice.obligations, notice.updated_at = list(event.obligations), event.drafted_at


async def record_notice_issued(
    session: AsyncSession, incident_id: uuid.UUID, event: NoticeIssued, known: Known | None = None
) -> None:
    notice = await _notice(session, event.notice_id, known)
    if notice is None:
        notice = NoticeRecord(
            id=event.notice_id,
            incident_id=incident_id,
            kind=event.kind,
            variant=event.variant,
            language=event.language,
            subject="",
            obligations=list(event.obligations),
        )
        session.add(notice)
        if known is not None:
            known[notice.id] = notice
    notice.status, notice.updated_at = event.status, event.issued_at
    notice.recipients = event.recipients.model_dump()
    if event.kind == NoticeKind.INTERNAL or not await NoticeRepository(session).incident_exists(incident_id):
        return
    session.add(
        TimelineEntry(
            incident_id=incident_id,
            at=event.issued_at,
            kind="notice_issued",
            by="notifier",
            detail={
                "notice_id": str(event.notice_id),
                "kind": event.kind,
                "variant": event.variant,
                "language": event.language,
                "status": event.status,
                "recipients": event.recipients.model_dump(),
                "obligations": list(event.obligations),
                **({"reason": event.reason} if event.reason else {}),  # e.g. the approved wording had changed
            },
        )
    )
