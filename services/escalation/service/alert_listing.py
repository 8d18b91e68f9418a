"""Desk read: an incident's grouped alerts, newest first, in pages with a stable cursor."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from pidesk.services.escalation.adapters.alerts import AlertRepository
from pidesk.services.escalation.adapters.orm import Incident, IncidentAlert
from pidesk.services.escalation.service.desk import DeskError
from pidesk.shared.db.uow import UnitOfWork
from pidesk.shared.http.params import row_id_in_range


@dataclass(frozen=True)
class AlertPage:
    items: list[dict[str, Any]]
    total: int
    next_cursor: str | None


def _encode(alert: IncidentAlert) -> str:
    raw = json.dumps([alert.received_at.isoformat(), alert.id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        received, row_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if isinstance(row_id, bool) or not isinstance(row_id, int) or not row_id_in_range(row_id):
            raise ValueError("not a row id")
        return datetime.fromisoformat(received), row_id
    except (ValueError, TypeError, binascii.Error):
        raise DeskError("invalid_cursor", "the cursor is not one this API returned") from None


async def list_alerts(
    uow: UnitOfWork,
    incident_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
    present: Callable[[IncidentAlert], dict[str, Any]],
) -> AlertPage:
    """Newest first by (received_at, row id), with how many the incident groups in all."""
    async with uow:
        total = await uow.session.scalar(select(Incident.alert_count).where(Incident.id == incident_id))
        if total is None:
            raise DeskError("not_found", "no incident with this id")
        after = _decode(cursor) if cursor else None
        rows, more = await AlertRepository(uow.session).page(incident_id, after=after, limit=limit)
        return AlertPage([present(r) for r in rows], total, _encode(rows[-1]) if more and rows else None)
