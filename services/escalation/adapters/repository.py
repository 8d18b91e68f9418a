"""Escalation persistence. Never commits: the unit of work (or the consumer's transaction) does.

Two stores take the records a use case makes: `IncidentRepository`, the ORM session (the desk, the
timers, updates), and `NewIncidents`, the consumer's batch of newly reported incidents, written as
multi-row INSERTs (their grouped alerts too). The assessment, routing, alert-grouping and snooze
code is the same for both (`IncidentStore`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.alerts import AlertKey, AlertRepository
from pidesk.services.escalation.adapters.orm import EscalationTimer, Incident, IncidentAlert, OutboxMessage
from pidesk.services.escalation.adapters.snoozes import running_windows
from pidesk.services.escalation.domain.snoozes import SnoozeWindow
from pidesk.shared.db.bulk import BulkRows
from pidesk.shared.db.engine import on_postgresql
from pidesk.shared.events import Envelope
from pidesk.shared.messaging.records import add_to_outbox, outbox_values

OBLIGATION_REMINDER = "obligation_reminder"


class IncidentStore(Protocol):
    def add(self, record: object) -> None: ...

    def publish(self, envelope: Envelope) -> None: ...

    async def pending_timers(self, incident: Incident) -> list[EscalationTimer]: ...

    async def fired_reminders(self, incident: Incident) -> set[tuple[str | None, datetime]]: ...

    async def alert_owners(self, keys: Collection[AlertKey]) -> dict[AlertKey, uuid.UUID]:
        """Which incident owns each of these vendor alerts already (staged ones included)."""
        ...

    async def running_snoozes(self, now: datetime) -> list[SnoozeWindow]:
        """The desk's snoozes that may cover an alert recorded now (read once per transaction)."""
        ...

    def staged_alerts(self, incident: Incident) -> list[IncidentAlert]:
        """The alert rows added for this incident in this transaction, not written yet."""
        ...


class IncidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, incident_id: uuid.UUID) -> Incident | None:
        return await self.session.get(Incident, incident_id)

    async def get_for_update(self, incident_id: uuid.UUID) -> Incident | None:
        """The incident, its row locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
        if not on_postgresql(self.session):
            return await self.get(incident_id)
        return await self.session.get(Incident, incident_id, with_for_update=True, populate_existing=True)

    async def locked(self, incident_id: uuid.UUID, *, for_update: bool = True) -> Incident | None:
        """The incident a desk action changes, its row locked (PostgreSQL) so two actions take turns."""
        statement = select(Incident).where(Incident.id == incident_id)
        if for_update and on_postgresql(self.session):
            statement = statement.with_for_update()
        incident: Incident | None = await self.session.scalar(statement)
        return incident

    def add(self, record: object) -> None:
        self.session.add(record)

    def publish(self, envelope: Envelope) -> None:
        add_to_outbox(self.session, OutboxMessage, envelope)

    async def pending_timers(self, incident: Incident) -> list[EscalationTimer]:
        statement = select(EscalationTimer).where(
            EscalationTimer.incident_id == incident.id, EscalationTimer.fired_at.is_(None)
        )
        return list((await self.session.scalars(statement)).all())

    async def fired_reminders(self, incident: Incident) -> set[tuple[str | None, datetime]]:
        rows = await self.session.execute(
            select(EscalationTimer.obligation_code, EscalationTimer.due_at).where(
                EscalationTimer.incident_id == incident.id,
                EscalationTimer.kind == OBLIGATION_REMINDER,
                EscalationTimer.fired_at.is_not(None),
            )
        )
        return {(code, due) for code, due in rows.all()}

    async def alert_owners(self, keys: Collection[AlertKey]) -> dict[AlertKey, uuid.UUID]:
        return await AlertRepository(self.session).owners(keys)

    async def running_snoozes(self, now: datetime) -> list[SnoozeWindow]:
        return await running_windows(self.session, now)

    def staged_alerts(self, incident: Incident) -> list[IncidentAlert]:
        return [o for o in self.session.new if isinstance(o, IncidentAlert) and o.incident is incident]

    async def references(self, incident_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The reference of each of these incidents that is stored (one query)."""
        wanted = list(incident_ids)
        if not wanted:
            return {}
        rows = await self.session.execute(select(Incident.id, Incident.reference).where(Incident.id.in_(wanted)))
        return {incident_id: reference for incident_id, reference in rows.all()}

    async def known(self, incident_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Which of these incidents are stored already (one query for a whole batch)."""
        wanted = list(incident_ids)
        if not wanted:
            return set()
        return set((await self.session.scalars(select(Incident.id).where(Incident.id.in_(wanted)))).all())


class NewIncidents:
    """Incidents first seen in this batch, with everything recorded about them, inserted in one go.

    They have no timers or reminders yet beyond the ones staged here, so those questions need no query.
    Their alerts stay objects until the insert, so the snooze step may still mark them; the running
    snoozes are read once for the batch (from `session`; none without one).
    """

    def __init__(
        self, alert_owners: dict[AlertKey, uuid.UUID] | None = None, session: AsyncSession | None = None
    ) -> None:
        self._incidents: list[Incident] = []
        self._records = BulkRows()
        self._timers: dict[uuid.UUID, list[EscalationTimer]] = defaultdict(list)
        self._alerts: dict[uuid.UUID, list[IncidentAlert]] = defaultdict(list)
        # the owners of the batch's alerts already stored (one query for the batch), and of those staged
        self._alert_owners: dict[AlertKey, uuid.UUID] = dict(alert_owners or {})
        self._session = session

    def __len__(self) -> int:
        return len(self._incidents)

    def add(self, record: object) -> None:
        if isinstance(record, Incident):
            self._incidents.append(record)
            return
        if isinstance(record, EscalationTimer):
            self._timers[record.incident.id].append(record)
        elif isinstance(record, IncidentAlert):
            self._alert_owners[(record.source, record.alert_id)] = record.incident.id
            self._alerts[record.incident.id].append(record)
            return
        self._records.add(record)

    def publish(self, envelope: Envelope) -> None:
        self._records.add_values(OutboxMessage, outbox_values(envelope))  # a row: no ORM object needed

    async def pending_timers(self, incident: Incident) -> list[EscalationTimer]:
        return [t for t in self._timers.get(incident.id, []) if t.fired_at is None]

    async def fired_reminders(self, incident: Incident) -> set[tuple[str | None, datetime]]:
        return set()

    async def alert_owners(self, keys: Collection[AlertKey]) -> dict[AlertKey, uuid.UUID]:
        return {key: self._alert_owners[key] for key in keys if key in self._alert_owners}

    async def running_snoozes(self, now: datetime) -> list[SnoozeWindow]:
        return [] if self._session is None else await running_windows(self._session, now)

    def staged_alerts(self, incident: Incident) -> list[IncidentAlert]:
        return list(self._alerts.get(incident.id, []))

    async def insert(self, session: AsyncSession) -> None:
        """The incidents, their timelines, obligations and routes, then the rest in the order staged."""
        rows = BulkRows()
        for incident in self._incidents:
            rows.add(incident)
            for child in (*incident.timeline, *incident.obligations, *incident.routes):
                rows.add(child)
        for alerts in self._alerts.values():
            for alert in alerts:
                rows.add(alert)
        await rows.insert(session)
        await self._records.insert(session)
        self._incidents, self._timers, self._alerts = [], defaultdict(list), defaultdict(list)
