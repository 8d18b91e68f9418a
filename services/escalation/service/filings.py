"""Use case step: an obligation filed as partial opens the duty that completes it (domain/follow_ups.py).

Runs inside the desk's transaction that marks the obligation done; the new duty lands on the incident
and on its timeline, and the reminders are scheduled with the others afterwards."""

from __future__ import annotations

from datetime import datetime

from pidesk.services.escalation.adapters.orm import Incident, ObligationRecord, TimelineEntry
from pidesk.services.escalation.domain.follow_ups import can_be_partial, partial_follow_up, reason
from pidesk.services.escalation.service.assessing import PENDING
from pidesk.shared.errors import ServiceError


def check_partial(incident: Incident, code: str) -> None:
    """Refused before anything changes: only a filing the law lets be partial, on an open incident."""
    if not can_be_partial(code):
        raise ServiceError("validation_error", f"{code} cannot be filed as partial")
    if incident.closed_at is not None:
        raise ServiceError("incident_closed", "the incident is closed")


def open_after_partial(incident: Incident, code: str, *, filed_at: datetime, by: str, now: datetime) -> None:
    """Open the follow-up of `code`, filed at `filed_at`; a second partial filing changes nothing."""
    follow_up = partial_follow_up(code, filed_at)
    if any(o.code == follow_up.code for o in incident.obligations):
        return
    incident.obligations.append(
        ObligationRecord(
            code=follow_up.code,
            regime=follow_up.regime,
            duty=follow_up.duty.value,
            due_at=follow_up.due_at,
            target_at=follow_up.target_at,
            basis=follow_up.basis,
            status=PENDING,
        )
    )
    incident.timeline.append(
        TimelineEntry(
            at=now,
            kind="obligation_opened",
            by=by,
            detail={
                "code": follow_up.code,
                "due_at": follow_up.due_at.isoformat(),
                "after": code,
                "reason": reason(follow_up.code),
            },
        )
    )
