"""Telling a case's tier (issue 17): the route row and, in the same transaction, the escalation request
the notifier mails at once to the people the directory names for that role, company and division. Every
place a case is routed goes through here: its first tier, a tier told on an acknowledgement
(service/cases.py) and an escalation past a deadline (service/case_timers.py). A route is stored once per
(case, step, target), so each is told once; the notifier delivers each once per person."""

from __future__ import annotations

from datetime import datetime

from pidesk.services.escalation.adapters.cases import CaseRepository
from pidesk.services.escalation.adapters.orm import CaseRoute, GovernmentRequestRecord, PrivacyComplaintRecord
from pidesk.services.escalation.domain.case_alerts import case_alert
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.government_requests import RouteStep
from pidesk.services.escalation.service.assessing import PRODUCER
from pidesk.shared.events import Recipient
from pidesk.shared.vocabulary import CaseKind

Case = GovernmentRequestRecord | PrivacyComplaintRecord


def tell_tier(
    cases: CaseRepository,
    directory: Directory,
    kind: CaseKind,
    case: Case,
    step: RouteStep,
    reason: str,
    now: datetime,
) -> CaseRoute:
    """Route `case` to `step`'s tier for `reason` (routed, escalated) and ask the notifier to tell its people."""
    route = CaseRoute(
        case_kind=kind.value,
        case_id=case.id,
        step=step.step,
        target=step.target,
        told_at=step.told_at,
        ack_due_at=step.ack_due_at,
        reason=reason,
    )
    cases.add(route)
    people = directory.people(step.target, entity_name=case.company, division=case.division)  # type: ignore[arg-type]  # a policy target
    event = case_alert(
        kind,
        case.reference,
        target=step.target,
        step=step.step,
        reason=reason,
        ack_due_at=step.ack_due_at,
        recipients=[Recipient.model_validate(p.model_dump(mode="json")) for p in people],
        now=now,
    )
    cases.publish(event.envelope(incident_id=case.id, producer=PRODUCER, occurred_at=now))
    return route
