"""Use case step: look an incident's assets up in the personal-information ledger (issue 16; the rules in
domain/ledger_facts.py). Runs inside the transaction that records or re-assesses the incident; the
assessment (service/assessing.py) then reads the facts the ledger fills.

The ledger is read once per transaction (a consumer batch of reported incidents, an update, a ledger
change), and only when an incident names an asset at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.ledger import LedgerRepository
from pidesk.services.escalation.adapters.orm import Incident, IncidentAsset
from pidesk.services.escalation.adapters.repository import IncidentStore
from pidesk.services.escalation.domain.ledger_assets import AlertAsset
from pidesk.services.escalation.domain.ledger_facts import (
    MAX_NAMED,
    HeldEntry,
    LedgerIndex,
    Lookup,
    look_up,
    named_assets,
    previously_named,
)
from pidesk.shared.events import IncidentReported

HELD = "pidesk.ledger.held"  # the session's cache of the ledger in force, for one transaction


async def held_entries(session: AsyncSession, *, fresh: bool = False) -> LedgerIndex:
    """The ledger's entries in force, indexed, read once per session transaction (`fresh`: read again)."""
    transaction = session.get_transaction()
    cached = session.info.get(HELD)
    if not fresh and cached is not None and cached[0] is transaction:
        return cast(LedgerIndex, cached[1])
    entries = await LedgerRepository(session).held()
    session.info[HELD] = (transaction, entries)
    return entries


def names_assets(event: IncidentReported) -> bool:
    """The report names an asset or an alert a place: the ledger is worth reading."""
    return bool(event.assets) or any(alert.asset for alert in event.alerts)


def _rows(incident_id: uuid.UUID, lookup: Lookup) -> list[IncidentAsset]:
    rows = [
        IncidentAsset(
            incident_id=incident_id,
            asset=m.asset,
            kind=m.asset.split(":", 1)[0],
            entry_id=m.entry_id,
            entry_version=m.version,
        )
        for m in lookup.matches
    ]
    rows += [
        IncidentAsset(incident_id=incident_id, asset=a, kind=a.split(":", 1)[0], entry_id=None, entry_version=None)
        for a in lookup.unknown
    ]
    return rows


def look_up_reported(
    store: IncidentStore, incident: Incident, event: IncidentReported, entries: LedgerIndex | Sequence[HeldEntry]
) -> None:
    """A new incident: the assets its report and alerts name, looked up (nothing when it names none)."""
    assets: list[Any] = incident.facts.get("assets") or []
    named = named_assets(event.source.value, assets, [(a.source.value, a.asset) for a in event.alerts])
    if not named:
        return
    lookup = look_up(entries, named)
    incident.ledger = lookup.record()
    for row in _rows(incident.id, lookup):
        store.add(row)


async def look_up_again(
    session: AsyncSession, incident: Incident, *, more: Sequence[AlertAsset] = (), fresh: bool = False
) -> bool:
    """An incident whose assets or the ledger changed: looked up again, from the assets its facts name, those
    it named before and `more` (an update's alerts, an incident merged into it). True when the ledger's
    answer differs from the one it had."""
    assets: list[Any] = incident.facts.get("assets") or []
    named = named_assets(incident.source, assets)
    named += previously_named(incident.ledger) + list(more)
    # each once (its first mention), and at most MAX_NAMED: a storm's incident gains alerts on new objects
    # with every batch, and is looked up by the first ones (docs/rules.md §1c)
    unique = list({(a.kind, a.identifier.strip()): a for a in reversed(named)}.values())[::-1][:MAX_NAMED]
    if not unique:
        return False
    lookup = look_up(await held_entries(session, fresh=fresh), unique)
    record = lookup.record()
    if record == incident.ledger:
        return False
    incident.ledger = record
    await LedgerRepository(session).replace_incident_assets(incident.id, _rows(incident.id, lookup))
    return True
