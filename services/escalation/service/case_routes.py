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
from pidesk.services.escalation.service.routing import holders
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
    _, people = holders(directory, step.target, case.company, case.division)
    event = case_alert(
        kind,
        case.reference,
        target=step.target,
        step=step.step,
        reason=reason,
        ack_due_at=step.ack_due_at,
        recipients=people,
        now=now,
    )
    cases.publish(event.envelope(incident_id=case.id, producer=PRODUCER, occurred_at=now))
    return route
