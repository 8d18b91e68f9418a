"""A complaint that reveals a leak opens a linked incident in one click (issue 17).

The incident is made by escalation's own creation path, as a split makes one (service/regrouping.py):
recorded, assessed and routed at once through `record_reported_incident`, and announced on
`pidesk.incident.reported.v1` with producer `escalation` so the notifier drafts its notices (this
service's own consumer skips it). Its reference is the complaint's with `-I`. The link goes both ways:
the complaint keeps the incident's id, the incident's timeline names the complaint.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pidesk.services.escalation.adapters.orm import TimelineEntry
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.service.assessing import PRODUCER
from pidesk.services.escalation.service.cases import COMPLAINT
from pidesk.services.escalation.service.desk import DeskError, actor
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.shared.events import IncidentReported, ReporterRef
from pidesk.shared.http.auth import Principal
from pidesk.shared.vocabulary import DataCategory, IncidentKind, ReportSource

DESK_ADDRESS = "privacy-desk@pidesk.invalid"  # the desk reports it; no person's address travels


async def open_linked_incident(
    uow: EscalationUnitOfWork,
    rules: RoutingRules,
    case_id: uuid.UUID,
    kind: IncidentKind,
    principal: Principal,
    now: datetime,
) -> uuid.UUID:
    """Open the incident the complaint reveals, link both ways; returns the incident's id."""
    async with uow:
        complaint = await uow.cases.complaint(case_id, for_update=True)
        if complaint is None:
            raise DeskError("not_found", "no complaint with this id")
        if complaint.incident_id is not None:
            raise DeskError("already_linked", "the complaint has a linked incident already")
        entity = rules.directory.find(complaint.company)
        event = IncidentReported(
            reference=f"{complaint.reference}-I"[:20],
            source=ReportSource.API,
            reporter=ReporterRef(
                name=actor(principal),
                email=DESK_ADDRESS,
                division=complaint.division,
                entity=complaint.company,
                entity_country=entity.country if entity is not None else rules.directory.group_office.country,
            ),
            incident_kind=kind,
            aware_at=now,
            received_at=now,
            data_categories=[DataCategory(c) for c in complaint.data_categories],
            subject_regions={},
        )
        incident_id = uuid.uuid4()
        await record_reported_incident(uow.incidents, rules, incident_id=incident_id, event=event, now=now)
        uow.incidents.publish(event.envelope(incident_id=incident_id, producer=PRODUCER, occurred_at=now))
        uow.incidents.add(
            TimelineEntry(
                incident_id=incident_id,
                at=now,
                kind="linked_complaint",
                by=actor(principal),
                detail={"complaint_id": str(case_id), "reference": complaint.reference},
            )
        )
        complaint.incident_id = incident_id
        uow.cases.note(COMPLAINT, [case_id], principal, "incident_opened", now)
        await uow.commit()
        return incident_id
