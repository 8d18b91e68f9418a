"""The notices the notifier drafted and issued, as the desk sees them (from their events)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import Incident, NoticeRecord, TimelineEntry
from pidesk.shared.events import NoticeDrafted, NoticeIssued
from pidesk.shared.vocabulary import NoticeKind, NoticeStatus


async def record_notice_drafted(session: AsyncSession, incident_id: uuid.UUID, event: NoticeDrafted) -> None:
    notice = await session.get(NoticeRecord, event.notice_id)
    if notice is None:
        notice = NoticeRecord(id=event.notice_id, incident_id=incident_id, recipients={})
        session.add(notice)
    elif notice.status != NoticeStatus.DRAFTED:
        return  # an approval or issue already moved it on
    notice.kind, notice.variant, notice.language = event.kind, event.variant, event.language
    notice.status, notice.current, notice.subject = event.status, event.current, event.subject
    notice.obligations, notice.updated_at = list(event.obligations), event.drafted_at


async def record_notice_issued(session: AsyncSession, incident_id: uuid.UUID, event: NoticeIssued) -> None:
    notice = await session.get(NoticeRecord, event.notice_id)
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
    notice.status, notice.updated_at = event.status, event.issued_at
    notice.recipients = event.recipients.model_dump()
    if event.kind == NoticeKind.INTERNAL or await session.get(Incident, incident_id) is None:
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
