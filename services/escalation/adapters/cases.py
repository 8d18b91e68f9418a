"""Government requests and privacy complaints (issue 17): their rows, routes, documents and the case log.
Never commits: the unit of work (or the consumer's transaction) does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.ledger import stored_entry
from pidesk.services.escalation.adapters.orm import (
    CaseDocument,
    CaseLogEntry,
    CaseRoute,
    GovernmentRequestRecord,
    LedgerRecord,
    OutboxMessage,
    PrivacyComplaintRecord,
)
from pidesk.services.escalation.domain.ledger_assets import AlertAsset, AssetError, best_fit, parse_asset
from pidesk.shared.db.engine import on_postgresql
from pidesk.shared.events import Envelope
from pidesk.shared.http.auth import Principal
from pidesk.shared.messaging.records import add_to_outbox


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, record: object) -> None:
        self.session.add(record)

    def publish(self, envelope: Envelope) -> None:
        """An event in the outbox, in this transaction (the relay publishes it once committed)."""
        add_to_outbox(self.session, OutboxMessage, envelope)

    async def request(self, case_id: uuid.UUID, *, for_update: bool = False) -> GovernmentRequestRecord | None:
        statement = select(GovernmentRequestRecord).where(GovernmentRequestRecord.id == case_id)
        if for_update and on_postgresql(self.session):
            statement = statement.with_for_update()
        row: GovernmentRequestRecord | None = await self.session.scalar(statement)
        return row

    async def complaint(self, case_id: uuid.UUID, *, for_update: bool = False) -> PrivacyComplaintRecord | None:
        statement = select(PrivacyComplaintRecord).where(PrivacyComplaintRecord.id == case_id)
        if for_update and on_postgresql(self.session):
            statement = statement.with_for_update()
        row: PrivacyComplaintRecord | None = await self.session.scalar(statement)
        return row

    async def routes(self, case_id: uuid.UUID) -> list[CaseRoute]:
        rows = await self.session.scalars(
            select(CaseRoute).where(CaseRoute.case_id == case_id).order_by(CaseRoute.step, CaseRoute.id)
        )
        return list(rows)

    async def documents(self, case_id: uuid.UUID) -> list[CaseDocument]:
        rows = await self.session.scalars(
            select(CaseDocument).where(CaseDocument.case_id == case_id).order_by(CaseDocument.id)
        )
        return list(rows)

    async def log(self, case_id: uuid.UUID) -> list[CaseLogEntry]:
        rows = await self.session.scalars(
            select(CaseLogEntry).where(CaseLogEntry.case_id == case_id).order_by(CaseLogEntry.id)
        )
        return list(rows)

    def note(
        self, kind: str, case_ids: Sequence[uuid.UUID], principal: Principal | None, action: str, now: datetime
    ) -> None:
        """A line in the case log per case: who read or changed it, in which role, when."""
        for case_id in case_ids:
            self.session.add(
                CaseLogEntry(
                    case_kind=kind,
                    case_id=case_id,
                    at=now,
                    actor=principal.name if principal else "system",
                    role=principal.role.value if principal else None,
                    action=action,
                )
            )

    async def ledger_matches(self, assets: Sequence[str]) -> dict[str, list[str]]:
        """The ledger entries (not retired) whose assets cover each asset a request names."""
        if not assets:
            return {}
        entries = [stored_entry(row) for row in await self.session.scalars(select(LedgerRecord))]
        matches: dict[str, list[str]] = {}
        for asset in assets:
            wanted = _named(asset)
            matches[asset] = sorted(e.id for e in entries if not e.retired and best_fit(e.assets, wanted) is not None)
        return matches


def _named(asset: str) -> AlertAsset:
    """An asset as a request names it: `type:identifier` as the ledger writes it, else as an alert would
    (its type guessed from the identifier, e.g. an s3:// URL)."""
    try:
        parsed = parse_asset(asset)
    except AssetError:
        return AlertAsset(asset)
    return AlertAsset(parsed.identifier, parsed.kind)
