"""Use case steps: an incident's passage through a snooze — snoozed, overridden by the law, opened
again — each with its timeline entry saying why. No routing here: the callers route what opens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pidesk.services.escalation.adapters.orm import Incident, TimelineEntry
from pidesk.services.escalation.adapters.snoozes import SNOOZED
from pidesk.services.escalation.domain.snoozes import SnoozeWindow
from pidesk.services.escalation.service.assessing import PRODUCER
from pidesk.shared.vocabulary import IncidentStatus

OPEN = IncidentStatus.OPEN
# Incident.snooze_state: what the snooze it matched did to it
STATE_SNOOZED, STATE_OVERRIDDEN, STATE_OPENED = "snoozed", "overridden", "opened"
# why a snoozed incident was opened (the `unsnoozed` entry's `why`)
BY_ALERT, BY_DESK, BY_SNOOZE_ENDED, BY_MERGE = "alert", "desk", "snooze_ended", "merged"


def is_snoozed(incident: Incident) -> bool:
    return incident.status == SNOOZED


def snooze(incident: Incident, matched: Sequence[SnoozeWindow], *, now: datetime) -> None:
    """Every alert of the new incident matches a running snooze and the law asks nothing: silenced."""
    first = matched[0]
    incident.status, incident.snooze_state, incident.matched_snooze_id = SNOOZED, STATE_SNOOZED, first.id
    until = max(s.ends_at for s in matched)
    incident.timeline.append(
        TimelineEntry(
            at=now,
            kind="snoozed",
            by=PRODUCER,
            detail={
                "snooze_id": first.id,
                "reason": first.reason,
                "snoozes": [{"snooze_id": s.id, "reason": s.reason} for s in matched],
                "until": until.isoformat(),
                "summary": f"snoozed by snooze {first.id} ({first.reason}): not routed, no mail",
            },
        )
    )


def override(incident: Incident, matched: Sequence[SnoozeWindow], obligations: Sequence[str], *, now: datetime) -> None:
    """A snooze matched, but the facts trigger statutory obligations: an incident like any other,
    marked as having matched (`matched`: the snoozes of a new incident; empty for one snoozed before)."""
    if matched:
        incident.matched_snooze_id = matched[0].id
    incident.status, incident.snooze_state = OPEN, STATE_OVERRIDDEN
    incident.timeline.append(
        TimelineEntry(
            at=now,
            kind="snooze_overridden",
            by=PRODUCER,
            detail={
                "snooze_id": incident.matched_snooze_id,
                "reason": matched[0].reason if matched else None,
                "obligations": list(obligations),
                "summary": f"matched snooze {incident.matched_snooze_id}, but a statutory obligation overrides it: "
                + ", ".join(obligations),
            },
        )
    )


def wake(incident: Incident, *, why: str, by: str, now: datetime, **detail: Any) -> None:
    """A snoozed incident opens (a new alert no snooze covers, the desk, its snooze ended early, a merge)."""
    incident.status, incident.snooze_state = OPEN, STATE_OPENED
    incident.timeline.append(
        TimelineEntry(
            at=now,
            kind="unsnoozed",
            by=by,
            detail={"why": why, "snooze_id": incident.matched_snooze_id, **detail},
        )
    )
