"""Webhook deliveries a vendor numbers itself (GitHub's `X-GitHub-Delivery`): a redelivery of one
already applied answers with its incident and changes nothing, so replaying an old `created` after a
`resolved` cannot flip the alert's state back. Kept in the idempotency-key table under
`delivery:<source>:<id>`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError

from pidesk.services.intake.adapters.repository import IntakeUnitOfWork
from pidesk.services.intake.service.reports import ReportAccepted

DELIVERY_MARK = "delivery"  # stored as the fingerprint: a delivery id names its body


def delivery_key(source: str, header: str | None, headers: Mapping[str, str]) -> str | None:
    """The key of this delivery, or None when the source numbers none or the header is absent."""
    text = headers.get(header, "").strip() if header else ""
    return f"delivery:{source}:{text}"[:200] if text else None


async def applied_delivery(key: str, *, uow: IntakeUnitOfWork) -> ReportAccepted | None:
    async with uow:
        remembered = await uow.reports.idempotency_key(key)
        if remembered is None:
            return None
        report = await uow.reports.get(remembered.incident_id)
        if report is None:
            return None
        return ReportAccepted(report.id, report.reference, report.received_at, created=False)


async def remember_delivery(key: str, incident_id: uuid.UUID, *, uow: IntakeUnitOfWork) -> None:
    try:
        async with uow:
            uow.reports.remember_idempotency_key(key, DELIVERY_MARK, incident_id)
            await uow.commit()
    except IntegrityError:  # the same delivery was applied concurrently: once is remembered
        pass
