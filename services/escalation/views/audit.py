"""The desk's read of the audit log: who called what, newest first."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from pidesk.services.escalation.adapters.orm import AuditEntry
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.views.models import AuditItem, AuditPage


async def audit_page(
    uow: EscalationUnitOfWork, *, incident_id: uuid.UUID | None, before_id: int | None, limit: int
) -> AuditPage:
    """Newest first; `next_before_id` is set when the page is full (there may be more)."""
    async with uow:
        statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if incident_id:
            statement = statement.where(AuditEntry.incident_id == incident_id)
        if before_id:
            statement = statement.where(AuditEntry.id < before_id)
        rows = (await uow.session.scalars(statement)).all()
        items = [
            AuditItem(
                id=r.id,
                at=r.at.isoformat(),
                actor=r.actor,
                role=r.role,
                method=r.method,
                path=r.path,
                incident_id=str(r.incident_id) if r.incident_id else None,
                status=r.status,
                client=r.client,
            )
            for r in rows
        ]
    return AuditPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)
