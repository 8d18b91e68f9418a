"""The desk's reads of the personal-information ledger: the list (search and filters, in pages by id), one
entry, and an entry's history."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pidesk.services.escalation.adapters.ledger import LedgerFilter
from pidesk.services.escalation.adapters.orm import LedgerRecord
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.domain.ledger import ENTRY_ID
from pidesk.services.escalation.service.desk import DeskError
from pidesk.services.escalation.views.models import LedgerEntryView, LedgerHistory, LedgerPage


def entry_view(row: LedgerRecord, **extra: Any) -> dict[str, Any]:
    return {
        **row.record,
        "version": row.version,
        "updated_at": row.updated_at.isoformat(),
        "updated_by": row.updated_by,
        **extra,
    }


def _encode_cursor(entry_id: str) -> str:
    return base64.urlsafe_b64encode(entry_id.encode()).decode()


def _decode_cursor(cursor: str) -> str:
    try:
        entry_id = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        entry_id = ""
    if not ENTRY_ID.match(entry_id):
        raise DeskError("invalid_cursor", "the cursor is not one this API returned")
    return entry_id


async def ledger_page(uow: EscalationUnitOfWork, flt: LedgerFilter, *, cursor: str | None, limit: int) -> LedgerPage:
    """The entries the filter selects, by id; `next_cursor` continues the list."""
    after = _decode_cursor(cursor) if cursor else None
    async with uow:
        rows = await uow.ledger.page(flt, after=after, limit=limit + 1)
        more, rows = len(rows) > limit, rows[:limit]
        return LedgerPage.model_validate(
            {"items": [entry_view(r) for r in rows], "next_cursor": _encode_cursor(rows[-1].id) if more else None}
        )


async def ledger_entry(uow: EscalationUnitOfWork, entry_id: str) -> LedgerEntryView:
    async with uow:
        row = await uow.ledger.get(entry_id)
        if row is None:
            raise DeskError("not_found", "no ledger entry with this id")
        return LedgerEntryView.model_validate(entry_view(row))


async def ledger_history(uow: EscalationUnitOfWork, entry_id: str) -> LedgerHistory:
    async with uow:
        versions = await uow.ledger.versions(entry_id)
        if not versions:
            raise DeskError("not_found", "no ledger entry with this id")
        return LedgerHistory.model_validate(
            {
                "entry_id": entry_id,
                "versions": [
                    {
                        "version": v.version,
                        "at": v.at.isoformat(),
                        "by": v.by,
                        "via": v.via,
                        "change": v.change,
                        "changed_fields": v.changed_fields,
                        "entry": v.record,
                    }
                    for v in versions
                ],
            }
        )
