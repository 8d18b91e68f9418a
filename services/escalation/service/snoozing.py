"""Use case steps: the desk's snoozes applied while incidents are recorded (domain/snoozes.py), in the
recording's transaction — both recording paths (one at a time, a consumer batch) and alerts joining a
group. The running snoozes are read once per transaction and matched in Python.

- A new incident whose every alert a running snooze covers is stored `snoozed`: assessed (listed with
  its risk), but not routed — no escalation.requested, no timers, no mail. With a statutory obligation
  it is routed as usual and marked as having matched (routing.py opens a snoozed one the same way when
  a re-assessment brings such an obligation).
- Each new alert a snooze covers names it (`incident_alerts.snooze_id`): that is how a snooze's
  matches are counted and listed, and a group update is sent only for alerts no snooze covers.
- A snoozed incident opens, and is routed at once, when an alert joins that no running snooze covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pidesk.services.escalation.adapters.orm import Incident, IncidentAlert
from pidesk.services.escalation.adapters.repository import IncidentRepository, IncidentStore
from pidesk.services.escalation.adapters.snoozes import alert_keys
from pidesk.services.escalation.domain.assessment import Assessment, assess
from pidesk.services.escalation.domain.snoozes import SnoozeOutcome, SnoozeWindow, snooze_for, snooze_outcome, statutory
from pidesk.services.escalation.service.assessing import PRODUCER, facts_of
from pidesk.services.escalation.service.grouping import Growth
from pidesk.services.escalation.service.routing import RoutingRules, route_incident
from pidesk.services.escalation.service.snooze_states import BY_ALERT, is_snoozed, override, snooze, wake


def mark(rows: Sequence[IncidentAlert], snoozes: Sequence[SnoozeWindow]) -> list[SnoozeWindow | None]:
    """Each alert's covering snooze (None: none covers it), also written on its row."""
    covering = [snooze_for(alert_keys(row), snoozes) if snoozes else None for row in rows]
    for row, window in zip(rows, covering, strict=True):
        row.snooze_id = window.id if window is not None else None
    return covering


async def snooze_if_matched(
    store: IncidentStore, incident: Incident, result: Assessment, *, now: datetime
) -> SnoozeOutcome:
    """A new, assessed incident, before it is routed: snoozed, overridden, or untouched (NONE)."""
    if not incident.alert_count:
        return SnoozeOutcome.NONE  # a report from a person is never snoozed
    snoozes = await store.running_snoozes(now)
    if not snoozes:
        return SnoozeOutcome.NONE
    rows = store.staged_alerts(incident)
    mark(rows, snoozes)
    codes = [o.code for o in result.obligations]
    outcome, matched = snooze_outcome([alert_keys(row) for row in rows], snoozes, codes)
    if outcome is SnoozeOutcome.SNOOZED:
        snooze(incident, matched, now=now)
    elif outcome is SnoozeOutcome.OVERRIDDEN:
        override(incident, matched, statutory(codes), now=now)
    return outcome


async def snooze_joined(
    incidents: IncidentRepository, incident: Incident, growth: Growth | None, rules: RoutingRules, *, now: datetime
) -> None:
    """Alerts joined the incident's group (after its re-assessment): each covered one names its snooze;
    a snoozed incident opens and is routed when one of them no running snooze covers."""
    if growth is None or not growth.rows:
        return
    covering = mark(growth.rows, await incidents.running_snoozes(now))
    if not is_snoozed(incident) or all(covering):
        return
    stray = growth.rows[covering.index(None)]
    alert = {"source": stray.source, "alert_id": stray.alert_id}
    await open_snoozed(incidents, incident, rules, why=BY_ALERT, by=PRODUCER, now=now, alert=alert)


async def open_snoozed(
    store: IncidentStore, incident: Incident, rules: RoutingRules, *, why: str, by: str, now: datetime, **detail: Any
) -> None:
    """Open a snoozed incident and route it now, by its current assessment (its facts did not change)."""
    wake(incident, why=why, by=by, now=now, **detail)
    await route_incident(store, incident, assess(facts_of(incident, rules.directory)), rules, now=now)
