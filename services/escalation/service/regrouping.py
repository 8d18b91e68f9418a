"""Desk use cases on groups of alerts: split an alert out into an incident of its own, merge two
incidents into one. Every alert stays stored exactly once; both incidents are re-assessed, and both
timelines say what happened. One transaction each.

Snoozes: an alert split out of a snoozed incident makes an open incident (the desk singled it out);
a snoozed incident stays snoozed after a split unless a statutory obligation comes with it; merging
an open incident into a snoozed one opens the survivor."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from pidesk.services.escalation.adapters.alerts import AlertRepository, alert_facts
from pidesk.services.escalation.adapters.orm import Incident, IncidentAlert, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.domain.alert_groups import group_facts
from pidesk.services.escalation.domain.ledger_facts import named_assets, previously_named
from pidesk.services.escalation.domain.merging import merged_facts
from pidesk.services.escalation.domain.references import split_reference
from pidesk.services.escalation.service.assessing import PRODUCER, reassess
from pidesk.services.escalation.service.desk import DeskError, actor, status_event
from pidesk.services.escalation.service.group_updates import tell_growth
from pidesk.services.escalation.service.grouping import alert_record, facts_summary, regroup_stored
from pidesk.services.escalation.service.ledger_lookup import look_up_again
from pidesk.services.escalation.service.routing import RoutingRules, route_incident, schedule
from pidesk.services.escalation.service.snooze_states import BY_MERGE, is_snoozed, wake
from pidesk.shared.db.engine import on_postgresql
from pidesk.shared.db.uow import UnitOfWork
from pidesk.shared.events import REPORT_FACTS, IncidentReported
from pidesk.shared.http.auth import Principal
from pidesk.shared.vocabulary import IncidentStatus

MERGED = IncidentStatus.MERGED


async def _locked(uow: UnitOfWork, incident_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Incident]:
    """The incidents, their rows locked in id order (two desk calls never wait on each other in a cycle)."""
    statement = select(Incident).where(Incident.id.in_(list(incident_ids))).order_by(Incident.id)
    if on_postgresql(uow.session):
        statement = statement.with_for_update()
    return {i.id: i for i in (await uow.session.scalars(statement)).all()}


def _open(incident: Incident, code: str = "incident_closed", what: str = "the incident") -> None:
    if incident.closed_at is not None:
        raise DeskError(code, f"{what} is {incident.status}")


async def split_alert(
    uow: UnitOfWork, rules: RoutingRules, incident_id: uuid.UUID, alert_row_id: int, principal: Principal, now: datetime
) -> uuid.UUID:
    """The alert out of its incident into a new incident of its own (same reporter and kind, its facts
    from that one alert), routed as new; returns the new incident's id."""
    async with uow:
        original = (await _locked(uow, [incident_id])).get(incident_id)
        if original is None:
            raise DeskError("not_found", "no incident with this id")
        _open(original)
        alert = await AlertRepository(uow.session).one(original.id, alert_row_id)
        if alert is None:
            raise DeskError("alert_not_found", "the incident groups no alert with this id")
        if original.alert_count <= 1:
            raise DeskError("only_alert", "this is the incident's only alert: there is nothing to split it from")
        root = "-".join(original.reference.split("-")[:3])
        taken = set(
            (
                await uow.session.scalars(
                    select(Incident.reference).where(Incident.reference.startswith(f"{root}-", autoescape=True))
                )
            ).all()
        )
        try:
            reference = split_reference(original.reference, taken)
        except ValueError:
            raise DeskError("no_reference", "no reference number is left for another split") from None
        by = actor(principal)
        moved = {"source": alert.source, "alert_id": alert.alert_id, "alert_row_id": alert.id}
        split = _incident_of(original, alert, reference)
        split.timeline = [
            TimelineEntry(
                at=now,
                kind="split_from",
                by=by,
                detail={"incident_id": str(original.id), "reference": original.reference, "alert": moved},
            )
        ]
        uow.session.add(split)
        alert.incident, alert.grouped_at = split, now
        incidents = IncidentRepository(uow.session)
        await uow.session.flush()
        regrouped = await regroup_stored(incidents, original)
        await regroup_stored(incidents, split)
        original.timeline.append(
            TimelineEntry(
                at=now,
                kind="alert_split",
                by=by,
                detail={
                    "incident_id": str(split.id),
                    "reference": split.reference,
                    "alert": moved,
                    "changes": regrouped.changes,
                    "summary": "; ".join(
                        [f"1 alert split out, {regrouped.total_alerts:,} left", *facts_summary(regrouped)]
                    ),
                },
            )
        )
        incidents.publish(_reported(split, alert).envelope(incident_id=split.id, producer=PRODUCER, occurred_at=now))
        result = reassess(incidents, original, reason="alert_split", by=by, now=now, directory=rules.directory)
        await route_incident(incidents, original, result, rules, now=now)
        await look_up_again(uow.session, split, more=named_assets(split.source, [], [(alert.source, alert.asset)]))
        result = reassess(incidents, split, reason="split", by=by, now=now, directory=rules.directory)
        await route_incident(incidents, split, result, rules, now=now)
        await uow.commit()
        return split.id


def _incident_of(original: Incident, alert: IncidentAlert, reference: str) -> Incident:
    own = group_facts([alert_facts(alert)], categories=[], stated_count=None)
    facts = {
        **original.facts,
        "data_categories": own.data_categories,
        "affected_count": own.affected_count,
        "subject_regions": {},  # an alert says nothing of where its people are: the entity's home
        "assets": [alert.asset[:200]] if alert.asset else [],
        "aware_at": alert.aware_at.isoformat(),
    }
    return Incident(
        id=uuid.uuid4(),
        reference=reference,
        status=IncidentStatus.OPEN,
        source=original.source,
        source_alert_id=alert.alert_id,
        entity=original.entity,
        division=original.division,
        reporter=dict(original.reporter),
        facts=facts,
        aware_at=alert.aware_at,
        received_at=alert.received_at,
        assessment_version=0,
        alert_count=1,
        last_alert_at=alert.received_at,
        obligations=[],
        routes=[],
    )


def _reported(incident: Incident, alert: IncidentAlert) -> IncidentReported:
    """The split incident as a reported event: the notifier drafts its notices from these facts."""
    return IncidentReported.model_validate(
        {
            "reference": incident.reference,
            "source": incident.source,
            "source_alert_id": incident.source_alert_id,
            "reporter": incident.reporter,
            "received_at": incident.received_at,
            **{k: incident.facts.get(k) for k in REPORT_FACTS if incident.facts.get(k) is not None},
            "alerts": [alert_record(alert)],
        }
    )


async def merge_incidents(
    uow: UnitOfWork, rules: RoutingRules, incident_id: uuid.UUID, into: uuid.UUID, principal: Principal, now: datetime
) -> uuid.UUID:
    """`incident_id` into `into`: all its alerts move to the survivor, whose facts take in what the
    absorbed one knew; the absorbed one is closed as merged (its duties are the survivor's now) and
    intake is told, so the group's next alerts go to the survivor. Returns the survivor's id."""
    if incident_id == into:
        raise DeskError("validation_error", "an incident cannot be merged into itself")
    async with uow:
        locked = await _locked(uow, [incident_id, into])
        absorbed, survivor = locked.get(incident_id), locked.get(into)
        if absorbed is None:
            raise DeskError("not_found", "no incident with this id")
        if survivor is None:
            raise DeskError("unknown_incident", "no incident with the id given in 'into'")
        _open(absorbed)
        _open(survivor, "into_closed", "the incident to merge into")
        by = actor(principal)
        if is_snoozed(survivor) and not is_snoozed(absorbed):  # an open incident's alerts are no noise
            wake(survivor, why=BY_MERGE, by=by, now=now, incident_id=str(absorbed.id), reference=absorbed.reference)
        incidents = IncidentRepository(uow.session)
        moved = await AlertRepository(uow.session).move_all(absorbed.id, survivor.id, now=now)
        before = dict(survivor.facts)
        survivor.facts = merged_facts(survivor.facts, absorbed.facts)
        survivor.aware_at = min(survivor.aware_at, absorbed.aware_at)
        regrouped = await regroup_stored(incidents, survivor)
        await regroup_stored(incidents, absorbed)
        changes = {k: {"from": before.get(k), "to": v} for k, v in survivor.facts.items() if before.get(k) != v}
        absorbed.status, absorbed.merged_into, absorbed.closed_at = MERGED, survivor.id, now
        absorbed.timeline.append(
            TimelineEntry(
                at=now,
                kind="merged_into",
                by=by,
                detail={"incident_id": str(survivor.id), "reference": survivor.reference, "alerts_moved": moved},
            )
        )
        survivor.timeline.append(
            TimelineEntry(
                at=now,
                kind="merged_from",
                by=by,
                detail={
                    "incident_id": str(absorbed.id),
                    "reference": absorbed.reference,
                    "alerts_moved": moved,
                    "total_alerts": regrouped.total_alerts,
                    "changes": changes,
                },
            )
        )
        reassess(incidents, absorbed, reason=MERGED, by=by, now=now, duties=False, directory=rules.directory)
        await schedule(incidents, absorbed, rules, now=now)  # its clocks stop: it is closed
        await look_up_again(incidents.session, survivor, more=previously_named(absorbed.ledger))
        result = reassess(incidents, survivor, reason=MERGED, by=by, now=now, directory=rules.directory)
        await route_incident(incidents, survivor, result, rules, now=now)
        incidents.publish(status_event(absorbed, MERGED, principal, now, merged_into=survivor.id))
        if moved:
            await tell_growth(incidents, survivor, rules, now=now)
        await uow.commit()
        return survivor.id
