"""Desk use cases: acknowledge, escalate, add facts, complete an obligation, close, approve a notice.
One transaction each, through the unit of work's repositories; every change lands on the incident's
timeline. The desk's reads (the incident, the list) are read models: services/escalation/views/."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pidesk.services.escalation.adapters.orm import Incident, NoticeRecord, TimelineEntry
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.domain.closing import blocks_close, close_detail, due_on_close
from pidesk.services.escalation.domain.recipients import first_problem
from pidesk.services.escalation.domain.routing import Target
from pidesk.services.escalation.service.approved_wording import WordingUnknown, approved_wording
from pidesk.services.escalation.service.assessing import DONE, PENDING, PRODUCER, reassess
from pidesk.services.escalation.service.filings import check_partial, open_after_partial
from pidesk.services.escalation.service.routing import RoutingRules, route_incident, schedule, tell
from pidesk.services.escalation.service.snooze_states import is_snoozed
from pidesk.shared.errors import ServiceError
from pidesk.shared.events import Envelope, IncidentUpdated, NoticeRecipient, NoticeRequested
from pidesk.shared.http.auth import Principal
from pidesk.shared.vocabulary import (
    IncidentStatus,
    NoticeKind,
    NoticeStatus,
    ReportSource,
    RiskLevel,
    Role,
    UpdateReason,
)

ROLE_TARGET: dict[Role, str] = {
    Role.DESK_OPERATOR: "security_contact_desk",
    Role.PROMOTION_BUREAU: "promotion_bureau",
    Role.PI_ADMINISTRATOR: "pi_administrator",
    Role.OFFICER: "officer_in_charge",
}
NOTICE_BATCH = 1000  # recipients per notice.requested event: well inside Kafka's message size


class DeskError(ServiceError):
    """A desk action refused (its code's HTTP status: shared/http/errors.py)."""


def actor(principal: Principal) -> str:
    return f"{principal.role.value}:{principal.name}"


async def locked_incident(uow: EscalationUnitOfWork, incident_id: uuid.UUID, *, for_update: bool = True) -> Incident:
    """The incident the action changes, locked until the transaction ends; 404 without one."""
    incident = await uow.incidents.locked(incident_id, for_update=for_update)
    if incident is None:
        raise DeskError("not_found", "no incident with this id")
    return incident


def _open(incident: Incident) -> None:
    if incident.closed_at is not None:
        raise DeskError("incident_closed", "the incident is closed")


async def acknowledge(
    uow: EscalationUnitOfWork, rules: RoutingRules, incident_id: uuid.UUID, principal: Principal, now: datetime
) -> uuid.UUID:
    async with uow:
        incident = await locked_incident(uow, incident_id)
        _open(incident)
        if incident.acknowledged_at is None:
            incident.acknowledged_at, incident.acknowledged_by = now, actor(principal)
        target = ROLE_TARGET.get(principal.role)
        for route in incident.routes:
            if route.acknowledged_at is None and route.target == target:
                route.acknowledged_at, route.acknowledged_by = now, actor(principal)
        incident.timeline.append(TimelineEntry(at=now, kind="acknowledged", by=actor(principal), detail={}))
        await schedule(uow.incidents, incident, rules, now=now)
        await uow.commit()
        return incident.id


async def escalate(
    uow: EscalationUnitOfWork,
    rules: RoutingRules,
    incident_id: uuid.UUID,
    principal: Principal,
    now: datetime,
    target: Target | None = None,
) -> uuid.UUID:
    async with uow:
        incident = await locked_incident(uow, incident_id)
        _open(incident)
        if is_snoozed(incident):
            raise DeskError("incident_snoozed", "the incident is snoozed: un-snooze it to route it")
        chosen = target or rules.policy.next_tier({r.target for r in incident.routes})
        step = max((r.step for r in incident.routes), default=0) + 1
        deadline = (
            now + rules.policy.ack_deadline(RiskLevel(incident.risk_level or "low"))
            if incident.acknowledged_at is None
            else None
        )
        incidents = uow.incidents
        tell(incidents, incident, rules, target=chosen, step=step, reason="manual", now=now, ack_due_at=deadline)
        incident.timeline[-1].by = actor(principal)
        await schedule(incidents, incident, rules, now=now)
        await uow.commit()
        return incident.id


async def add_facts(
    uow: EscalationUnitOfWork,
    rules: RoutingRules,
    incident_id: uuid.UUID,
    changes: dict[str, Any],
    principal: Principal,
    now: datetime,
) -> uuid.UUID:
    async with uow:
        incident = await locked_incident(uow, incident_id)
        _open(incident)
        changed = {k: v for k, v in changes.items() if incident.facts.get(k) != v}
        if changed:
            incident.facts = {**incident.facts, **changed}
            if "aware_at" in changed:
                incident.aware_at = datetime.fromisoformat(changed["aware_at"])
            incident.timeline.append(
                TimelineEntry(
                    at=now, kind="updated", by=actor(principal), detail={"reason": "facts_added", "changes": changed}
                )
            )
            incidents = uow.incidents
            result = reassess(
                incidents, incident, reason="facts_added", by=actor(principal), now=now, directory=rules.directory
            )
            await route_incident(incidents, incident, result, rules, now=now)
            event = IncidentUpdated(
                reference=incident.reference,
                source=ReportSource(incident.source),
                source_alert_id=incident.source_alert_id,
                reason="facts_added",
                changes=changed,
                updated_at=now,
                updated_by=actor(principal),
            )
            incidents.publish(event.envelope(incident_id=incident.id, producer=PRODUCER, occurred_at=now))
        await uow.commit()
        return incident.id


async def complete_obligation(
    uow: EscalationUnitOfWork,
    rules: RoutingRules,
    incident_id: uuid.UUID,
    code: str,
    principal: Principal,
    now: datetime,
    *,
    partial: bool = False,
) -> uuid.UUID:
    """`partial`: a first communication filed as partial, which opens its supplement (service/filings.py)."""
    async with uow:
        incident = await locked_incident(uow, incident_id)
        obligation = next((o for o in incident.obligations if o.code == code), None)
        if obligation is None:
            raise DeskError("not_found", f"the incident has no obligation {code!r}")
        if partial:
            check_partial(incident, code)
        changed = obligation.status != DONE
        if changed:
            obligation.status, obligation.done_at, obligation.done_by = DONE, now, actor(principal)
            detail = {"code": code, **({"partial": True} if partial else {})}
            incident.timeline.append(TimelineEntry(at=now, kind="obligation_done", by=actor(principal), detail=detail))
        if partial:
            open_after_partial(incident, code, filed_at=obligation.done_at or now, by=actor(principal), now=now)
        if changed or partial:
            await schedule(uow.incidents, incident, rules, now=now)
        await uow.commit()
        return incident.id


async def close(
    uow: EscalationUnitOfWork, rules: RoutingRules, incident_id: uuid.UUID, principal: Principal, now: datetime
) -> uuid.UUID:
    async with uow:
        incident = await locked_incident(uow, incident_id)
        if incident.closed_at is None:
            pending = [o for o in incident.obligations if o.status == PENDING]
            open_duties = [o.code for o in pending if blocks_close(o.code, o.regime)]
            if open_duties:
                raise DeskError(
                    "obligations_pending",
                    "statutory obligations are still pending",
                    [{"code": c} for c in open_duties],
                )
            incident.closed_at, incident.status = now, IncidentStatus.CLOSED
            dated = due_on_close([o.code for o in pending], now)  # duties dated from handling's end
            for obligation in pending:
                obligation.due_at = dated.get(obligation.code, obligation.due_at)
            incident.timeline.append(
                TimelineEntry(at=now, kind="closed", by=actor(principal), detail=close_detail(dated))
            )
            incidents = uow.incidents
            await schedule(incidents, incident, rules, now=now)
            # intake opens a new incident (linked to this one) for the group's next alert
            incidents.publish(status_event(incident, UpdateReason.CLOSED, principal, now))
        await uow.commit()
        return incident.id


def status_event(
    incident: Incident, reason: str, principal: Principal, now: datetime, *, merged_into: uuid.UUID | None = None
) -> Envelope:
    """pidesk.incident.updated.v1 telling intake the incident was closed or merged (no facts change)."""
    event = IncidentUpdated(
        reference=incident.reference,
        source=ReportSource(incident.source),
        source_alert_id=incident.source_alert_id,
        reason=reason,
        changes={},
        updated_at=now,
        updated_by=actor(principal),
        merged_into=merged_into,
    )
    return event.envelope(incident_id=incident.id, producer=PRODUCER, occurred_at=now)


async def approve_notice(
    uow: EscalationUnitOfWork,
    incident_id: uuid.UUID,
    notice_id: uuid.UUID,
    recipients: list[NoticeRecipient],
    principal: Principal,
    now: datetime,
    lookup: NoticeLookup | None = None,
) -> tuple[int, int]:
    """Forward the approval to the notifier as pidesk.notice.requested.v1, recipients in batches.

    Returns (batches, recipients). 404 for a notice the notifier did not draft for this incident.
    """
    async with uow:
        notice = await _known_notice(uow, notice_id, lookup)  # may ask the notifier: before any row lock
        wording = (
            await _wording(notice_id, lookup) if notice is not None and notice.kind != NoticeKind.INTERNAL else None
        )
        incident = await locked_incident(uow, incident_id)
        if notice is None or notice.incident_id != incident_id:
            raise DeskError("notice_not_found", "the notifier drafted no such notice for this incident")
        if notice.kind == NoticeKind.INTERNAL:
            raise DeskError("not_approvable", "internal alerts are sent at once and need no approval")
        if notice.kind != NoticeKind.DATA_SUBJECT:
            recipients = []  # a public notice is published, a regulator draft released: no recipients
            if notice.status == NoticeStatus.SENT:
                raise DeskError("already_issued", "this notice was approved and issued already")
        elif not recipients:
            raise DeskError("recipients_required", "a data-subject notice is approved with its recipients")
        elif problem := first_problem(recipients):  # the entry point names the line; this is the last guard
            raise DeskError("invalid_recipient", problem)
        if notice.status == NoticeStatus.DRAFTED and not notice.current:
            raise DeskError("notice_superseded", "the incident's obligations no longer call for this notice")
        notice.status = NoticeStatus.APPROVED if notice.status == NoticeStatus.DRAFTED else notice.status
        batches = [recipients[i : i + NOTICE_BATCH] for i in range(0, len(recipients), NOTICE_BATCH)] or [[]]
        outbox = uow.incidents
        for number, batch in enumerate(batches, start=1):
            event = NoticeRequested(
                notice_id=notice_id,
                reference=incident.reference,
                approved_by=actor(principal),
                approved_at=now,
                batch=number,
                batches=len(batches),
                total_recipients=len(recipients),
                recipients=batch,
                wording_hashes=wording,
            )
            outbox.publish(event.envelope(incident_id=incident.id, producer=PRODUCER, occurred_at=now))
        incident.timeline.append(
            TimelineEntry(
                at=now,
                kind="notice_approved",
                by=actor(principal),
                detail={"notice_id": str(notice_id), "recipients": len(recipients), "wording": wording},
            )
        )
        await uow.commit()
        return len(batches), len(recipients)


NoticeLookup = Callable[[uuid.UUID], Awaitable[dict[str, Any] | None]]


async def _wording(notice_id: uuid.UUID, lookup: NoticeLookup | None) -> dict[str, str] | None:
    """The wording approved (approved_wording.py); 404 when the notifier has no such notice."""
    try:
        return await approved_wording(notice_id, lookup)
    except WordingUnknown as exc:
        raise DeskError("notice_not_found", str(exc)) from None


async def _known_notice(
    uow: EscalationUnitOfWork, notice_id: uuid.UUID, lookup: NoticeLookup | None
) -> NoticeRecord | None:
    """The desk's record of the notice; when its drafted event is still in flight, the notifier's answer."""
    notice = await uow.notices.get(notice_id)
    if notice is not None or lookup is None:
        return notice
    found = await lookup(notice_id)
    if found is None:
        return None
    return await uow.notices.add_if_absent(
        {
            "id": notice_id,
            "incident_id": uuid.UUID(found["incident_id"]),
            "kind": found["kind"],
            "variant": found.get("variant", ""),
            "language": found["language"],
            "status": found["status"],
            "current": found.get("current", True),
            "subject": found.get("subject", ""),
            "obligations": found.get("obligations", []),
            "recipients": {},
            "updated_at": datetime.fromisoformat(found.get("updated_at") or found["created_at"]),
        }
    )


async def check_approvable(
    uow: EscalationUnitOfWork, incident_id: uuid.UUID, notice_id: uuid.UUID, lookup: NoticeLookup | None = None
) -> None:
    """404 for an unknown incident, or a notice not drafted for it: answered before the recipients are read."""
    async with uow:
        notice = await _known_notice(uow, notice_id, lookup)
        await locked_incident(uow, incident_id, for_update=False)
        if notice is None or notice.incident_id != incident_id:
            raise DeskError("notice_not_found", "the notifier drafted no such notice for this incident")
        await uow.commit()  # keeps the notifier's answer, if it was asked
