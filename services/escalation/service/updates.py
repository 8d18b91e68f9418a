"""Use case: `incident.updated` events in batches — coalesced per incident, kept when early.

A storm of DLP alerts reaches escalation as many small `alerts_grouped` updates of a few incidents
(intake sends one per group per transaction). Applied one by one, each would re-count its group and
re-assess its incident; coalesced, a consumer batch re-assesses each incident once with all the
alerts that joined it. Only consecutive pure `alerts_grouped` events of one incident are joined, so
every incident still sees its updates in the order they were made.

The reported and the updated topics are read independently, so an update may arrive before its
incident. It is then kept (`early_updates`) and applied, in order, in the transaction that records
the incident. Both sides first take an advisory lock per incident (PostgreSQL), so an update is
never kept just after its incident was recorded and then forgotten.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import EarlyUpdate
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.assessing import PRODUCER
from pidesk.services.escalation.service.incidents import record_incident_update
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import on_postgresql
from pidesk.shared.events import Envelope, IncidentUpdated
from pidesk.shared.vocabulary import UpdateReason

ALERTS_GROUPED = UpdateReason.ALERTS_GROUPED
MAX_ALERTS_PER_EVENT = 1000


def coalesce(events: Sequence[tuple[Envelope, IncidentUpdated]]) -> list[tuple[Envelope, IncidentUpdated]]:
    """The events with each run of consecutive pure `alerts_grouped` updates of one incident joined
    into the first of the run (all their alerts, the latest time); every other event as it was."""
    out: list[tuple[Envelope, IncidentUpdated]] = []
    latest: dict[uuid.UUID, int] = {}  # incident -> index in `out` of its latest event
    for envelope, event in events:
        at = latest.get(envelope.incident_id)
        if at is not None and _joinable(event) and _joinable(out[at][1]):
            first_envelope, first = out[at]
            if len(first.alerts) + len(event.alerts) <= MAX_ALERTS_PER_EVENT:
                joined = first.model_copy(
                    update={
                        "alerts": [*first.alerts, *event.alerts],
                        "updated_at": max(first.updated_at, event.updated_at),
                        "source_alert_id": event.source_alert_id,
                    }
                )
                out[at] = (first_envelope, joined)
                continue
        latest[envelope.incident_id] = len(out)
        out.append((envelope, event))
    return out


def _joinable(event: IncidentUpdated) -> bool:
    return event.reason == ALERTS_GROUPED and not event.changes and event.merged_into is None


async def lock_incidents(session: AsyncSession, incident_ids: Iterable[uuid.UUID]) -> None:
    """Advisory locks on these incidents until the transaction ends, taken in one order by everyone."""
    if not on_postgresql(session):
        return  # one writer at a time
    numbers = sorted({_lock_number(i) for i in incident_ids})
    if numbers:
        await session.execute(
            text("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS s"),
            {"keys": numbers},
        )


def _lock_number(incident_id: uuid.UUID) -> int:
    return (1 << 40) | zlib.crc32(b"pidesk-incident:" + incident_id.bytes)


async def record_incident_updates(
    session: AsyncSession, rules: RoutingRules, events: Sequence[tuple[Envelope, IncidentUpdated]]
) -> None:
    """Apply a consumer batch of updates (intake's; the desk's own were applied when made)."""
    todo = [(e, u) for e, u in events if e.producer != PRODUCER]
    await lock_incidents(session, (e.incident_id for e, _ in todo))
    repository = IncidentRepository(session)
    for envelope, event in coalesce(todo):
        if not await record_incident_update(repository, rules, incident_id=envelope.incident_id, event=event):
            keep_early(session, envelope, event)


def keep_early(session: AsyncSession, envelope: Envelope, event: IncidentUpdated) -> None:
    stored = envelope.model_copy(update={"payload": event.model_dump(mode="json")})
    session.add(EarlyUpdate(incident_id=envelope.incident_id, received_at=utcnow(), envelope=stored.model_dump_json()))


async def apply_early_updates(session: AsyncSession, rules: RoutingRules, incident_ids: Sequence[uuid.UUID]) -> int:
    """Apply, in arrival order, the updates kept for these newly recorded incidents; returns how many."""
    if not incident_ids:
        return 0
    kept = (
        await session.scalars(
            select(EarlyUpdate).where(EarlyUpdate.incident_id.in_(incident_ids)).order_by(EarlyUpdate.id)
        )
    ).all()
    if not kept:
        return 0
    await session.flush()  # the incidents of a bulk batch are written; the ORM reads them from here on
    repository = IncidentRepository(session)
    for row in kept:
        envelope = Envelope.model_validate_json(row.envelope)
        event = IncidentUpdated.model_validate(envelope.payload)
        await record_incident_update(repository, rules, incident_id=row.incident_id, event=event)
    await session.execute(delete(EarlyUpdate).where(EarlyUpdate.id.in_([row.id for row in kept])))
    return len(kept)
