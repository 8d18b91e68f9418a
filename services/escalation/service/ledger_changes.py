"""Use case: re-assess the open incidents a ledger entry's change concerns (issue 16).

Every change of an entry (created, updated, retired, restored; from the desk API or an import) is written
as a `ledger_changes` row in the transaction that changed it (adapters/ledger.py `save`). The timer
scheduler (service/timers.py) takes the oldest pending one, looks the concerned incidents up again — those
the entry covered, and those naming an asset of a kind it names (not in the ledger until now, or covered
by a less specific entry) — and re-assesses through the usual path (service/assessing.py `reassess`) each
whose ledger answer changed, with a timeline entry saying why; the row is marked done in that same
transaction. A process that stops after the ledger's commit loses nothing: the row waits for the next tick.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.ledger import LedgerRepository, stored_entry
from pidesk.services.escalation.adapters.orm import Incident, LedgerChange, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository, IncidentStore
from pidesk.services.escalation.domain.assessment import Assessment
from pidesk.services.escalation.service.assessing import PRODUCER, reassess
from pidesk.services.escalation.service.ledger_lookup import held_entries, look_up_again
from pidesk.services.escalation.service.routing import RoutingRules, route_incident, tell
from pidesk.services.escalation.service.snooze_states import is_snoozed

LEDGER_CHANGED = "ledger_changed"  # the timeline entry's kind and the re-assessment's reason
DIVISION_MANAGER = "division_manager"


async def reassess_for_change(
    session: AsyncSession, change: LedgerChange, rules: RoutingRules, *, now: datetime
) -> int:
    """Re-assess the open incidents the change concerns; returns how many were re-assessed."""
    ledger = LedgerRepository(session)
    row = await ledger.get(change.entry_id)
    if row is None:
        return 0
    kinds = [kind.value for kind in stored_entry(row).asset_kinds]
    await held_entries(session, fresh=True)  # the ledger as this transaction sees it, read once
    incidents = IncidentRepository(session)
    reassessed = 0
    for incident_id in await ledger.open_incidents_naming(change.entry_id, kinds):
        incident = await incidents.get_for_update(incident_id)
        if incident is None or incident.closed_at is not None or incident.merged_into is not None:
            continue
        if not await look_up_again(session, incident):
            continue  # the ledger's answer for its assets is the same as before
        incident.timeline.append(
            TimelineEntry(
                at=now,
                kind=LEDGER_CHANGED,
                by=PRODUCER,
                detail={"entry_id": row.id, "version": row.version, "change": change.change},
            )
        )
        owner = (incident.entity, incident.division)
        result = reassess(incidents, incident, reason=LEDGER_CHANGED, by=PRODUCER, now=now, directory=rules.directory)
        await route_incident(incidents, incident, result, rules, now=now)
        tell_new_owner(incidents, incident, owner, result, rules, now=now)
        reassessed += 1
    return reassessed


def tell_new_owner(
    store: IncidentStore,
    incident: Incident,
    before: tuple[str, str],
    result: Assessment,
    rules: RoutingRules,
    *,
    now: datetime,
) -> None:
    """The holding's owner changed on re-assessment (an entry now covers the asset, or names another
    division): the new owner's division manager is told too, when the incident's division manager was
    told already (the routing policy tells each target once; docs/rules.md §1c and §4)."""
    if (incident.entity, incident.division) == before or incident.closed_at is not None or is_snoozed(incident):
        return
    if DIVISION_MANAGER not in {r.target for r in incident.routes}:
        return  # not told yet: the routing policy tells the new owner's, if it wants one told
    step = max((r.step for r in incident.routes), default=1)
    deadline = now + rules.policy.ack_deadline(result.risk_level) if incident.acknowledged_at is None else None
    tell(store, incident, rules, target=DIVISION_MANAGER, step=step, reason="routed", now=now, ack_due_at=deadline)


async def handle_next_ledger_change(
    sessions: async_sessionmaker[AsyncSession], rules: RoutingRules, *, now: datetime
) -> LedgerChange | None:
    """Handle the oldest pending ledger change, if any, in one transaction; returns it (done) or None."""
    async with sessions() as session, session.begin():
        change = await LedgerRepository(session).next_change()
        if change is None:
            return None
        change.reassessed = await reassess_for_change(session, change, rules, now=now)
        change.done_at = now
        return change
