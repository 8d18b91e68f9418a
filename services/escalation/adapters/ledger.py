"""The personal-information ledger's tables (`ledger_entries`, `ledger_versions`): the entries as they
stand and every version of each. Never commits: the caller's transaction does.

An entry is stored as its plain record (domain/ledger.py `entry_record`) and read back through
`read_entry`, so what the database holds is always what the domain would accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import LedgerRecord, LedgerVersion
from pidesk.services.escalation.domain.ledger import LedgerEntry, entry_record, read_entry
from pidesk.shared.db.engine import on_postgresql


def stored_entry(row: LedgerRecord | LedgerVersion) -> LedgerEntry:
    return read_entry(row.record)


def _delimited(values: Sequence[str]) -> str:
    return ";" + ";".join(values) + ";" if values else ""


def _search_text(entry: LedgerEntry) -> str:
    words = [entry.id, entry.name, entry.company, entry.division, entry.purpose, entry.responsible]
    words += [str(a) for a in entry.assets]
    return "\n".join(words).casefold()


def _like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (escape character `\\`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class LedgerFilter:
    """What the desk's list asks for: text anywhere (id, name, owner, purpose, assets), a company, a data
    category, an asset type, and whether retired entries are shown."""

    search: str | None = None
    company: str | None = None
    category: str | None = None
    asset_kind: str | None = None
    retired: bool | None = False  # False: in force only; True: retired only; None: both


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, entry_id: str, *, for_update: bool = False) -> LedgerRecord | None:
        if for_update and on_postgresql(self.session):
            return await self.session.get(LedgerRecord, entry_id, with_for_update=True, populate_existing=True)
        return await self.session.get(LedgerRecord, entry_id)

    async def all(self, *, for_update: bool = False) -> list[LedgerRecord]:
        """Every entry, retired ones included, by id (locked, on PostgreSQL, for an import)."""
        statement = select(LedgerRecord).order_by(LedgerRecord.id)
        if for_update and on_postgresql(self.session):
            statement = statement.with_for_update()
        return list((await self.session.scalars(statement)).all())

    async def page(self, flt: LedgerFilter, *, after: str | None, limit: int) -> list[LedgerRecord]:
        """By id, from after `after`; `limit` rows at most."""
        statement = select(LedgerRecord).order_by(LedgerRecord.id).limit(limit)
        if flt.retired is not None:
            statement = statement.where(LedgerRecord.retired.is_(flt.retired))
        if flt.search:
            statement = statement.where(
                LedgerRecord.search_text.like(f"%{_like(flt.search.strip().casefold())}%", escape="\\")
            )
        if flt.company:
            statement = statement.where(func.lower(LedgerRecord.company) == flt.company.strip().lower())
        if flt.category:
            statement = statement.where(LedgerRecord.categories.like(f"%;{_like(flt.category)};%", escape="\\"))
        if flt.asset_kind:
            statement = statement.where(LedgerRecord.asset_kinds.like(f"%;{_like(flt.asset_kind)};%", escape="\\"))
        if after is not None:
            statement = statement.where(LedgerRecord.id > after)
        return list((await self.session.scalars(statement)).all())

    async def ids(self) -> list[str]:
        return list((await self.session.scalars(select(LedgerRecord.id))).all())

    async def versions(self, entry_id: str) -> list[LedgerVersion]:
        """Every version of the entry, newest first."""
        statement = (
            select(LedgerVersion).where(LedgerVersion.entry_id == entry_id).order_by(LedgerVersion.version.desc())
        )
        return list((await self.session.scalars(statement)).all())

    async def save(
        self,
        row: LedgerRecord | None,
        entry: LedgerEntry,
        *,
        change: str,
        changed_fields: list[str],
        by: str,
        via: str,
        now: datetime,
    ) -> LedgerRecord:
        """Stage the entry as it now stands and its new version (the first, when `row` is None)."""
        record = entry_record(entry)
        version = 1 if row is None else row.version + 1
        if row is None:
            row = LedgerRecord(id=entry.id)
            self.session.add(row)
        row.version = version
        row.name, row.company, row.division = entry.name, entry.company, entry.division
        row.categories = _delimited([c.value for c in entry.data_categories])
        row.asset_kinds = _delimited([k.value for k in entry.asset_kinds])
        row.search_text = _search_text(entry)
        row.retired = entry.retired
        row.record = record
        row.updated_at, row.updated_by = now, by
        self.session.add(
            LedgerVersion(
                entry_id=entry.id,
                version=version,
                at=now,
                by=by,
                via=via,
                change=change,
                changed_fields=changed_fields,
                record=record,
            )
        )
        return row
