"""Use case steps: an incident's group of DLP alerts — stored once each, counted, and its facts kept
following the group (domain/alert_groups.py). Runs in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pidesk.services.escalation.adapters.alerts import AlertKey, AlertRepository, keys_of
from pidesk.services.escalation.adapters.orm import Incident, IncidentAlert, TimelineEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository, IncidentStore
from pidesk.services.escalation.domain.alert_groups import AlertFacts, alert_count, group_facts, regions_for_count
from pidesk.shared.events import AlertRecord

MAX_MERGE_HOPS = 50
# quiet growth (alerts that change no fact) folds into the timeline's last grouping note for this long:
# a storm adds a handful of notes, not one per consumer batch (the timeline is loaded with its incident)
FOLD_WINDOW = timedelta(minutes=5)
ALERT_CONTENT = ("rule", "asset", "actor", "detections", "data_categories", "affected_count", "vendor_state")


def alert_row(incident: Incident, record: AlertRecord, *, now: datetime) -> IncidentAlert:
    return IncidentAlert(
        incident=incident,
        incident_id=incident.id,
        source=record.source.value,
        alert_id=record.alert_id,
        received_at=record.received_at,
        aware_at=record.aware_at,
        grouped_at=now,
        **_content(record),
    )


def alert_record(row: IncidentAlert) -> AlertRecord:
    """A stored alert in the contract's terms (for an event about an incident made from it)."""
    return AlertRecord.model_validate(
        {
            "source": row.source,
            "alert_id": row.alert_id,
            "received_at": row.received_at,
            "aware_at": row.aware_at,
            **{name: getattr(row, name) for name in ALERT_CONTENT},
        }
    )


def _content(record: AlertRecord) -> dict[str, Any]:
    """What a vendor says of an alert (and may say again, changed), with its own count by the rule."""
    values = record.model_dump(mode="json", include=set(ALERT_CONTENT))
    values["detections"] = dict(values["detections"])
    values["detected_count"] = alert_count(_facts_of(record))
    return values


def first_of_each(records: Sequence[AlertRecord]) -> list[AlertRecord]:
    """One record per vendor alert (the first), in the order given."""
    unique: dict[AlertKey, AlertRecord] = {}
    for record, key in zip(records, keys_of(records), strict=True):
        unique.setdefault(key, record)
    return list(unique.values())


async def unowned(store: IncidentStore, records: Sequence[AlertRecord]) -> list[AlertRecord]:
    """The records of alerts no incident owns yet: an alert stays with the incident that owns it."""
    unique = first_of_each(records)
    owners = await store.alert_owners(keys_of(unique))
    return [r for r, key in zip(unique, keys_of(unique), strict=True) if key not in owners]


@dataclass(frozen=True)
class Regrouped:
    """What a change of an incident's group did to it."""

    total_alerts: int
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)  # fact -> {"from", "to"}

    @property
    def facts_changed(self) -> bool:
        return bool(self.changes)


def regroup(
    incident: Incident,
    places: Sequence[AlertFacts],
    *,
    total: int,
    last_alert_at: datetime | None,
    new_categories: Sequence[str] = (),
) -> Regrouped:
    """Set the incident's alert count and its facts from its group (`places`: its alerts, or their
    summaries place by place); returns what changed. The incident's categories already hold those of
    every alert it grouped before, so only the categories of alerts new to it (or changed) are added."""
    incident.alert_count = total
    incident.last_alert_at = last_alert_at
    facts = incident.facts
    group = group_facts(
        places,
        categories=[*(facts.get("data_categories") or []), *new_categories],
        stated_count=facts.get("affected_count"),
    )
    country = str(incident.reporter.get("entity_country", "JP"))
    wanted = {
        "data_categories": group.data_categories,
        "affected_count": group.affected_count,
        "subject_regions": regions_for_count(facts.get("subject_regions") or {}, group.affected_count, country),
    }
    changes = {k: {"from": facts.get(k), "to": v} for k, v in wanted.items() if facts.get(k) != v}
    if changes:
        incident.facts = {**facts, **wanted}
    return Regrouped(total, changes)


def open_with_alerts(store: IncidentStore, incident: Incident, records: Sequence[AlertRecord], *, now: datetime) -> int:
    """A new incident's own alerts (those nobody owns yet, see `unowned`): stored, and its facts from them."""
    for record in records:
        store.add(alert_row(incident, record, now=now))
    if records:
        alerts = [_facts_of(r) for r in records]
        regroup(incident, alerts, total=len(alerts), last_alert_at=max(r.received_at for r in records))
    return len(records)


def _facts_of(record: AlertRecord) -> AlertFacts:
    return AlertFacts(
        asset=record.asset,
        detections=record.detections,
        data_categories=[c.value for c in record.data_categories],
        affected_count=record.affected_count,
    )


async def regroup_stored(
    incidents: IncidentRepository, incident: Incident, new_categories: Sequence[str] = ()
) -> Regrouped:
    """Read the incident's group from the database (summed up place by place) and set its facts from it."""
    group = await AlertRepository(incidents.session).group_of(incident.id)
    return regroup(
        incident, group.places, total=group.count, last_alert_at=group.last_alert_at, new_categories=new_categories
    )


@dataclass(frozen=True)
class Growth:
    """Alerts an update brought: how many were new to the target, and what that did to its facts."""

    new_alerts: int
    regrouped: Regrouped | None
    refreshed: dict[uuid.UUID, list[AlertRecord]]  # known alerts that came again changed, by their owner
    rows: list[IncidentAlert] = field(default_factory=list)  # the new alerts' rows (the snooze step marks them)


async def group_alerts(
    incidents: IncidentRepository, incident: Incident, records: Sequence[AlertRecord], *, now: datetime
) -> Growth:
    """Alerts that joined `incident`'s group. One already stored is not stored again: it stays with
    its owner, whose copy is refreshed when the vendor's record changed (and whose facts follow)."""
    alerts = AlertRepository(incidents.session)
    unique = first_of_each(records)
    stored = await alerts.stored(keys_of(unique))
    new: list[AlertRecord] = []
    rows: list[IncidentAlert] = []
    refreshed: dict[uuid.UUID, list[AlertRecord]] = {}
    for record, key in zip(unique, keys_of(unique), strict=True):
        row = stored.get(key)
        if row is None:
            rows.append(alert_row(incident, record, now=now))
            incidents.add(rows[-1])
            new.append(record)
            continue
        content = _content(record)
        if any(getattr(row, name) != value for name, value in content.items()):
            for name, value in content.items():
                setattr(row, name, value)
            refreshed.setdefault(row.incident_id, []).append(record)
    regrouped = None
    if new or incident.id in refreshed:
        brought = [*new, *refreshed.get(incident.id, [])]
        regrouped = await regroup_stored(incidents, incident, categories_of(brought))
    return Growth(len(new), regrouped, refreshed, rows)


def categories_of(records: Sequence[AlertRecord]) -> list[str]:
    return list(dict.fromkeys(c.value for r in records for c in r.data_categories))


def grouped_entry(
    incident: Incident,
    *,
    new_alerts: int,
    regrouped: Regrouped,
    by: str,
    now: datetime,
    refreshed: int = 0,
    extra: dict[str, Any] | None = None,
) -> TimelineEntry:
    """The timeline's note of a grouping: '37 alerts grouped, 412 in all; count 980 -> 1,240'. Growth that
    changes no fact folds into the last note when that one is the timeline's latest, changed no fact
    either, came from the same source less than FOLD_WINDOW ago: '412 alerts grouped in 9 batches since …'."""
    extra = extra or {}
    last = incident.timeline[-1] if incident.timeline else None
    if last is not None and _foldable(last, regrouped, by, now, extra):
        new_alerts += int(last.detail.get("new_alerts", 0))
        refreshed += int(last.detail.get("alerts_updated", 0))
        batches = int(last.detail.get("batches", 1)) + 1
        since = str(last.detail.get("since") or last.at.isoformat())
        last.at, last.detail = now, _grouped_detail(new_alerts, regrouped, refreshed, extra, batches, since)
        return last
    entry = TimelineEntry(
        at=now, kind="alerts_grouped", by=by, detail=_grouped_detail(new_alerts, regrouped, refreshed, extra)
    )
    incident.timeline.append(entry)
    return entry


def _foldable(last: TimelineEntry, regrouped: Regrouped, by: str, now: datetime, extra: dict[str, Any]) -> bool:
    return (
        last.kind == "alerts_grouped"
        and last.by == by
        and not regrouped.changes
        and not last.detail.get("changes")
        and last.detail.get("via") == extra.get("via")
        and now - last.at < FOLD_WINDOW
    )


def _grouped_detail(
    new_alerts: int,
    regrouped: Regrouped,
    refreshed: int,
    extra: dict[str, Any],
    batches: int = 1,
    since: str | None = None,
) -> dict[str, Any]:
    summary = grouping_summary(new_alerts, regrouped, refreshed)
    detail: dict[str, Any] = {"new_alerts": new_alerts, "total_alerts": regrouped.total_alerts}
    detail |= {"changes": regrouped.changes, "summary": summary}
    if refreshed:
        detail["alerts_updated"] = refreshed
    if batches > 1 and since is not None:
        detail |= {"batches": batches, "since": since}
        detail["summary"] = f"{summary} ({batches:,} batches since {since[11:16]} UTC)"
    return detail | extra


def grouping_summary(new_alerts: int, regrouped: Regrouped, refreshed: int = 0) -> str:
    total = f"{regrouped.total_alerts:,} in all"
    head = f"{_alerts(new_alerts)} grouped, {total}"
    if refreshed and not new_alerts:
        head = f"{_alerts(refreshed)} updated by the vendor, {total}"
    elif refreshed:
        head += f" ({refreshed:,} updated by the vendor)"
    return "; ".join([head, *facts_summary(regrouped)])


def facts_summary(regrouped: Regrouped) -> list[str]:
    """What a change of the group did to the facts, in words: ['count 980 -> 1,240', 'data added: …']."""
    parts = []
    count = regrouped.changes.get("affected_count")
    if count is not None:
        parts.append(f"count {_number(count['from'])} -> {_number(count['to'])}")
    categories = regrouped.changes.get("data_categories")
    if categories is not None:
        added = [c for c in categories["to"] if c not in (categories["from"] or [])]
        if added:
            parts.append(f"data added: {', '.join(added)}")
    return parts


def _alerts(n: int) -> str:
    return f"{n:,} alert{'s' if n != 1 else ''}"


def _number(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


async def survivor_of(incidents: IncidentRepository, incident: Incident) -> Incident:
    """The incident itself, or the one it was merged into (followed through later merges)."""
    current = incident
    for _ in range(MAX_MERGE_HOPS):
        if current.merged_into is None:
            return current
        nxt = await incidents.get_for_update(current.merged_into)
        if nxt is None:
            return current
        current = nxt
    return current
