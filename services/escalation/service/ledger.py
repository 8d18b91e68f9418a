"""Use cases on the personal-information ledger (issue 16): add an entry, change one, retire one, import a
whole file. One transaction each. Every change is a new version keeping the entry in full, who made it,
when, how (`api` or `import`) and which fields changed; nothing is ever deleted. Saving an entry exactly
as it stands writes nothing. The reads are read models (services/escalation/views/ledger.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError

from pidesk.services.escalation.adapters.ledger import LedgerRepository, stored_entry
from pidesk.services.escalation.adapters.orm import LedgerRecord
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.ledger import (
    LedgerEntry,
    LedgerInvalid,
    changed_fields,
    company_names,
    read_entry,
)
from pidesk.services.escalation.service.desk import DeskError

NEW_ID = re.compile(r"^L-(\d{1,12})$")


class Via(StrEnum):
    API = "api"
    IMPORT = "import"


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    RETIRED = "retired"
    RESTORED = "restored"  # a retired entry in force again
    UNCHANGED = "unchanged"  # nothing differed: no version written


@dataclass(frozen=True)
class Saved:
    entry_id: str
    version: int
    change: Change


def invalid(problems: LedgerInvalid, prefix: Sequence[str] = ()) -> DeskError:
    """The domain's refusal in the one error shape: a detail per problem, its `loc` naming the field."""
    details = [
        {"loc": [*prefix, *([p.field] if p.field else [])], "msg": p.message, "type": "value_error"}
        for p in problems.problems
    ]
    return DeskError("validation_error", f"the ledger entry is not valid: {problems}"[:500], details)


def _change(before: LedgerEntry | None, after: LedgerEntry) -> Change:
    if before is None:
        return Change.CREATED
    if not changed_fields(before, after):
        return Change.UNCHANGED
    if after.retired != before.retired:
        return Change.RETIRED if after.retired else Change.RESTORED
    return Change.UPDATED


async def _save(
    ledger: LedgerRepository,
    row: LedgerRecord | None,
    entry: LedgerEntry,
    *,
    by: str,
    via: Via,
    now: datetime,
) -> Saved:
    before = stored_entry(row) if row is not None else None
    change = _change(before, entry)
    if change is Change.UNCHANGED and row is not None:
        return Saved(entry.id, row.version, change)
    saved = await ledger.save(
        row, entry, change=change.value, changed_fields=changed_fields(before, entry), by=by, via=via.value, now=now
    )
    return Saved(entry.id, saved.version, change)


async def _next_id(ledger: LedgerRepository) -> str:
    """`L-` and the next number after the highest `L-n` id (at least four digits)."""
    numbers = [int(m.group(1)) for i in await ledger.ids() if (m := NEW_ID.match(i))]
    return f"L-{max(numbers, default=0) + 1:04d}"


def directory_companies(directory: Directory) -> frozenset[str]:
    """The names an entry's `company` may take: the directory's group companies (ids and names)."""
    return company_names((entity.id, entity.names) for entity in directory.entities)


def _entry(raw: Mapping[str, Any], companies: Collection[str] | None) -> LedgerEntry:
    try:
        return read_entry(raw, companies)
    except LedgerInvalid as exc:
        raise invalid(exc) from None


async def create_entry(
    uow: EscalationUnitOfWork,
    raw: Mapping[str, Any],
    *,
    by: str,
    now: datetime,
    companies: Collection[str] | None = None,
) -> Saved:
    """A new entry (its id given, or the next `L-nnnn`); 409 `entry_exists` if the id is taken. With
    `companies` (`directory_companies`), its owner must be one of them."""
    async with uow:
        ledger = uow.ledger
        values = dict(raw)
        if not values.get("id"):
            values["id"] = await _next_id(ledger)
        entry = _entry(values, companies)
        if await ledger.get(entry.id) is not None:
            raise DeskError("entry_exists", f"the ledger has an entry {entry.id!r} already; change it with PUT")
        saved = await _save(ledger, None, entry, by=by, via=Via.API, now=now)
        try:
            await uow.commit()
        except IntegrityError:  # another request added the same id meanwhile
            raise DeskError("entry_exists", f"the ledger has an entry {entry.id!r} already") from None
        return saved


async def update_entry(
    uow: EscalationUnitOfWork,
    entry_id: str,
    raw: Mapping[str, Any],
    *,
    by: str,
    now: datetime,
    companies: Collection[str] | None = None,
) -> Saved:
    """The entry as the desk now gives it, in full (a field left out takes its default); a retired entry
    given this way is in force again. Nothing changed: no new version."""
    async with uow:
        ledger = uow.ledger
        row = await ledger.get(entry_id, for_update=True)
        if row is None:
            raise DeskError("not_found", "no ledger entry with this id")
        given = raw.get("id")
        if given not in (None, "", entry_id):
            raise DeskError(
                "validation_error",
                "the id in the body differs from the path's",
                [{"loc": ["id"], "msg": "differs from the entry's id in the path", "type": "value_error"}],
            )
        entry = _entry({**raw, "id": entry_id}, companies)
        saved = await _save(ledger, row, replace(entry, retired=False), by=by, via=Via.API, now=now)
        await uow.commit()
        return saved


async def retire_entry(uow: EscalationUnitOfWork, entry_id: str, *, by: str, now: datetime) -> Saved:
    """Retire an entry: a new version marked retired (its history stays); 409 if it is retired already."""
    async with uow:
        ledger = uow.ledger
        row = await ledger.get(entry_id, for_update=True)
        if row is None:
            raise DeskError("not_found", "no ledger entry with this id")
        if row.retired:
            raise DeskError("entry_retired", "the ledger entry is retired already")
        saved = await _save(ledger, row, replace(stored_entry(row), retired=True), by=by, via=Via.API, now=now)
        await uow.commit()
        return saved


@dataclass
class ImportSummary:
    """What an import did (or, dry, would do): the ids by change."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.created) + len(self.updated) + len(self.retired) + len(self.restored)

    def add(self, saved: Saved) -> None:
        getattr(self, saved.change.value).append(saved.entry_id)

    def __str__(self) -> str:
        counts = {
            "created": self.created,
            "updated": self.updated,
            "retired": self.retired,
            "restored": self.restored,
            "unchanged": self.unchanged,
        }
        return ", ".join(f"{len(ids)} {name}" for name, ids in counts.items())


async def import_entries(
    uow: EscalationUnitOfWork, entries: Sequence[LedgerEntry], *, by: str, now: datetime, dry_run: bool = False
) -> ImportSummary:
    """Upsert every entry of a file by id, in one transaction: a new version only where something
    changed. Entries the file does not name are left as they are. `dry_run`: report, change nothing.
    The caller commits (with its audit entry) unless it is a dry run."""
    summary = ImportSummary()
    ledger = uow.ledger
    rows = {row.id: row for row in await ledger.all(for_update=not dry_run)}
    for entry in entries:
        row = rows.get(entry.id)
        if dry_run:
            before = stored_entry(row) if row is not None else None
            summary.add(Saved(entry.id, 0, _change(before, entry)))
            continue
        summary.add(await _save(ledger, row, entry, by=by, via=Via.IMPORT, now=now))
    return summary


async def all_entries(uow: EscalationUnitOfWork) -> list[LedgerEntry]:
    """Every entry as it stands, retired ones included, by id (an export)."""
    return [stored_entry(row) for row in await uow.ledger.all()]
