"""The personal-information ledger's tables (`ledger_entries`, `ledger_versions`): the entries as they
stand and every version of each. Never commits: the caller's transaction does.

An entry is stored as its plain record (domain/ledger.py `entry_record`) and read back through
`read_entry`, so what the database holds is always what the domain would accept.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import Incident, IncidentAsset, LedgerChange, LedgerRecord, LedgerVersion
from pidesk.services.escalation.domain.ledger import LedgerEntry, entry_record, read_entry
from pidesk.services.escalation.domain.ledger_facts import HeldEntry, LedgerIndex
from pidesk.shared.db.engine import on_postgresql

# the ledger in force as this process last read it, per database: (its fingerprint, the entries indexed)
_HELD: dict[str, tuple[tuple[int, int], LedgerIndex]] = {}
HELD_DATABASES = 8


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
        # its incidents are re-assessed after the commit, durably (service/ledger_changes.py)
        self.session.add(LedgerChange(entry_id=entry.id, version=version, change=change, at=now))
        return row

    async def held(self) -> LedgerIndex:
        """The entries in force as they stand, each with its version, indexed (what alerts are looked up
        in). Read and decoded again only when the ledger changed since this process last read it: every
        change adds a version, so the count of entries and the sum of their versions tell one state of it
        from another."""
        count, versions = (
            await self.session.execute(select(func.count(), func.coalesce(func.sum(LedgerRecord.version), 0)))
        ).one()
        database = self.session.get_bind().engine.url.render_as_string(hide_password=True)
        fingerprint = (int(count), int(versions))
        cached = _HELD.get(database)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        statement = (
            select(LedgerRecord.record, LedgerRecord.version)
            .where(LedgerRecord.retired.is_(False))
            .order_by(LedgerRecord.id)
        )
        rows = (await self.session.execute(statement)).all()
        held = LedgerIndex(HeldEntry(read_entry(record), version) for record, version in rows)
        if len(_HELD) >= HELD_DATABASES:
            _HELD.pop(next(iter(_HELD)))
        _HELD[database] = (fingerprint, held)
        return held

    async def incidents_of(self, entry_ids: Collection[str]) -> dict[str, list[uuid.UUID]]:
        """The incidents whose assets each of these entries covers now, by entry."""
        found: dict[str, list[uuid.UUID]] = {entry_id: [] for entry_id in entry_ids}
        if not found:
            return found
        statement = (
            select(IncidentAsset.entry_id, IncidentAsset.incident_id)
            .where(IncidentAsset.entry_id.in_(list(found)))
            .distinct()
            .order_by(IncidentAsset.entry_id, IncidentAsset.incident_id)
        )
        for entry_id, incident_id in (await self.session.execute(statement)).all():
            found[str(entry_id)].append(incident_id)
        return found

    async def open_incidents_naming(self, entry_id: str, kinds: Collection[str]) -> list[uuid.UUID]:
        """The open incidents (not closed, not merged) that an entry's change may concern: those it covered,
        and those naming an asset of a kind it names (not in the ledger, or covered by another entry it may
        now cover more closely)."""
        concerned = or_(IncidentAsset.entry_id == entry_id, IncidentAsset.kind.in_(list(kinds)))
        statement = (
            select(IncidentAsset.incident_id)
            .join(Incident, Incident.id == IncidentAsset.incident_id)
            .where(concerned, Incident.closed_at.is_(None), Incident.merged_into.is_(None))
            .distinct()
        )
        return sorted((await self.session.scalars(statement)).all())

    async def replace_incident_assets(self, incident_id: uuid.UUID, rows: Sequence[IncidentAsset]) -> None:
        """The incident's assets as the ledger now answers for them: the rows that no longer hold removed,
        the new ones added, the others left alone (a storm's incident names thousands of assets and is
        looked up again with every batch of alerts it gains)."""
        columns = (IncidentAsset.id, IncidentAsset.asset, IncidentAsset.entry_id, IncidentAsset.entry_version)
        stored = (await self.session.execute(select(*columns).where(IncidentAsset.incident_id == incident_id))).all()
        wanted = {(row.asset, row.entry_id, row.entry_version): row for row in rows}
        gone = [row_id for row_id, asset, entry, version in stored if wanted.pop((asset, entry, version), None) is None]
        if gone:
            await self.session.execute(delete(IncidentAsset).where(IncidentAsset.id.in_(gone)))
        self.session.add_all(wanted.values())

    async def next_change(self) -> LedgerChange | None:
        """The oldest change whose incidents are still to be re-assessed, locked (skipping one another
        instance is handling, on PostgreSQL)."""
        statement = select(LedgerChange).where(LedgerChange.done_at.is_(None)).order_by(LedgerChange.id).limit(1)
        if on_postgresql(self.session):
            statement = statement.with_for_update(skip_locked=True)
        return await self.session.scalar(statement)
