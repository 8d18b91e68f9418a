"""The desk's reads of incidents: one incident with its notices, the list in pages, an incident's alerts."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select

from pidesk.services.escalation.adapters.orm import Incident, NoticeRecord, Snooze
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.service import alert_listing
from pidesk.services.escalation.service.desk import DeskError
from pidesk.services.escalation.views.models import AlertPage, IncidentDetail, IncidentPage
from pidesk.services.escalation.views.presenters import alert_view, incident_detail, incident_summary, notice_view
from pidesk.shared.vocabulary import NoticeKind


async def incident(uow: EscalationUnitOfWork, incident_id: uuid.UUID) -> IncidentDetail:
    """The incident, the snooze it matched, and the notices drafted for it (internal alerts left out)."""
    async with uow:
        found = await uow.session.get(Incident, incident_id)
        if found is None:
            raise DeskError("not_found", "no incident with this id")
        notices = await uow.session.scalars(
            select(NoticeRecord).where(NoticeRecord.incident_id == incident_id).order_by(NoticeRecord.kind)
        )
        snooze = await uow.session.get(Snooze, found.matched_snooze_id) if found.matched_snooze_id else None
        return IncidentDetail.model_validate(
            {
                **incident_detail(found, snooze),
                "notices": [notice_view(n) for n in notices if n.kind != NoticeKind.INTERNAL],
            }
        )


def _encode_cursor(row: Incident) -> str:
    raw = json.dumps([row.received_at.isoformat(), str(row.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        received, ident = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(received), uuid.UUID(ident)
    except (ValueError, TypeError, binascii.Error):
        raise DeskError("invalid_cursor", "the cursor is not one this API returned") from None


async def incident_page(
    uow: EscalationUnitOfWork,
    *,
    status: str | None,
    risk_level: str | None,
    cursor: str | None,
    limit: int,
    snooze_id: int | None = None,
) -> IncidentPage:
    """Newest first; the cursor is the last item's (received_at, id), stable under new arrivals.
    `snooze_id`: only the incidents that snooze matched."""
    async with uow:
        statement = select(Incident).order_by(Incident.received_at.desc(), Incident.id.desc()).limit(limit + 1)
        if status:
            statement = statement.where(Incident.status == status)
        if risk_level:
            statement = statement.where(Incident.risk_level == risk_level)
        if snooze_id is not None:
            statement = statement.where(Incident.matched_snooze_id == snooze_id)
        if cursor:
            received, ident = _decode_cursor(cursor)
            statement = statement.where(
                or_(Incident.received_at < received, and_(Incident.received_at == received, Incident.id < ident))
            )
        rows = list((await uow.session.scalars(statement)).all())
        more = len(rows) > limit
        items = rows[:limit]  # presented inside the transaction, while the rows are loaded
        return IncidentPage.model_validate(
            {
                "items": [incident_summary(i) for i in items],
                "next_cursor": _encode_cursor(items[-1]) if more and items else None,
            }
        )


async def alert_page(uow: EscalationUnitOfWork, incident_id: uuid.UUID, *, cursor: str | None, limit: int) -> AlertPage:
    """The DLP alerts the incident groups, newest first, with how many there are in all."""
    page = await alert_listing.list_alerts(uow, incident_id, cursor=cursor, limit=limit, present=alert_view)
    return AlertPage.model_validate({"items": page.items, "total": page.total, "next_cursor": page.next_cursor})
