"""The facts of an incident that groups DLP alerts: they follow the group (docs/rules.md §1, issue 11).

Pure: the caller hands in the incident's alerts as `AlertFacts` and stores what comes back. Every
change of these facts re-assesses the incident, so a group that grows past a threshold (APPI's 1,000,
the My Number Act's 100) gains the obligations the rules give.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pidesk.services.escalation.domain.facts import EEA

GROUP_FACTS = ("data_categories", "affected_count", "subject_regions")  # the facts a group of alerts decides


@dataclass(frozen=True)
class AlertFacts:
    """What one grouped alert says: where, what each detector found, which kinds of data."""

    asset: str | None = None
    detections: Mapping[str, int] = field(default_factory=dict)
    data_categories: Sequence[str] = ()
    affected_count: int | None = None


@dataclass(frozen=True)
class GroupFacts:
    data_categories: list[str]
    affected_count: int | None  # None: unknown, which docs/rules.md reads as the worst plausible count


def alert_count(alert: AlertFacts) -> int | None:
    """The largest count any one of the alert's detectors reported; an alert without detections is
    one detector reporting its `affected_count`. None when it says neither."""
    if alert.detections:
        return max(max(alert.detections.values()), 0)
    return alert.affected_count


def group_count(alerts: Iterable[AlertFacts]) -> int | None:
    """How many people a group of alerts concerns.

    Alerts are taken place by place (their `asset`; an alert without an asset is a place of its own).
    At one place the same records are matched again and again — by several detectors, by re-scans —
    so a place counts the largest count any single detector reported there, never a sum. Distinct
    places hold distinct records as far as anyone can tell, so the group's count is the sum over
    places. One alert that reports neither detections nor a count makes the whole count unknown (None).
    """
    places: dict[str, int] = {}
    unplaced = 0
    for alert in alerts:
        count = alert_count(alert)
        if count is None:
            return None
        if alert.asset is None:
            unplaced += count
        else:
            places[alert.asset] = max(places.get(alert.asset, 0), count)
    return unplaced + sum(places.values())


def group_facts(alerts: Sequence[AlertFacts], *, categories: Sequence[str], stated_count: int | None) -> GroupFacts:
    """The incident's facts from its group of alerts.

    - data categories: the union of the incident's own and every alert's (first seen first); a group
      never forgets a kind of data it has seen;
    - affected count: `group_count` of the alerts; with no alerts at all, the count stated for the
      incident (the report's, or the desk's once it corrected it) stands.
    """
    union = list(dict.fromkeys([*categories, *(c for alert in alerts for c in alert.data_categories)]))
    return GroupFacts(union, group_count(alerts) if alerts else stated_count)


def home_region(entity_country: str) -> str:
    """The subject region that stands for the entity's own country ("EU" for the EEA)."""
    country = entity_country.upper()
    return "EU" if country in EEA else country


def regions_for_count(regions: Mapping[str, int], count: int | None, entity_country: str) -> dict[str, int]:
    """The subject regions once the group's count is known. Alerts say nothing of where people live:
    when the count outgrows the regions given, the people beyond them are counted at the entity's
    home, as they would be if no regions had been given at all (docs/rules.md §2). Regions are never
    lowered (a group that shrinks keeps the regions it was reported with); none given stay none."""
    updated = dict(regions)
    if not updated or count is None:
        return updated
    beyond = count - sum(updated.values())
    if beyond > 0:
        home = home_region(entity_country)
        updated[home] = updated.get(home, 0) + beyond
    return updated
