"""Statistics per fiscal year (April to March, Japan time): pure counting over incidents, and the year's
privacy complaints and government requests (domain/disclosure.py) beside them (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pidesk.services.escalation.domain.authorities import REPORTED_TO
from pidesk.services.escalation.domain.disclosure import (
    ComplaintFacts,
    ComplaintFigures,
    RequestFacts,
    RequestFigures,
    count_complaints,
    count_requests,
)
from pidesk.services.escalation.domain.fiscal_years import fiscal_year
from pidesk.shared.vocabulary import IncidentStatus

REGULATOR_REPORTS = frozenset(REPORTED_TO)
REPORT_OUTCOMES = ("due", "done", "missed")  # per authority: reports called for, filed, and late or overdue


@dataclass
class YearStats:
    year: int
    incidents: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_risk: Counter[str] = field(default_factory=Counter)
    by_entity: Counter[str] = field(default_factory=Counter)
    regulator_reports: Counter[str] = field(default_factory=Counter)  # by obligation code, done ones
    deadlines: Counter[str] = field(default_factory=Counter)  # met, missed, open
    # authority -> due, done, missed: the reports the year's incidents called for (filed late is also missed)
    by_authority: dict[str, Counter[str]] = field(default_factory=dict)
    # the personal-information ledger (issue 16): incidents per entry and per holding company, the entries in
    # force no incident of the year named, and the incidents naming an asset not in the ledger (by asset)
    by_ledger_entry: Counter[str] = field(default_factory=Counter)
    by_holding_company: Counter[str] = field(default_factory=Counter)
    holdings_without_incident: list[str] = field(default_factory=list)
    unknown_asset_incidents: int = 0
    unknown_assets: Counter[str] = field(default_factory=Counter)
    # issue 17: the complaints and government requests received in the year (a confidential request only
    # in aggregate: domain/disclosure.py)
    complaints: ComplaintFigures = field(default_factory=lambda: count_complaints(()))
    requests: RequestFigures = field(default_factory=lambda: count_requests(()))

    def rows(self) -> list[tuple[str, str, int]]:
        """(dimension, value, count) for the CSV export."""
        out = [("incidents", "total", self.incidents)]
        for name, counter in (
            ("kind", self.by_kind),
            ("risk_level", self.by_risk),
            ("group_company", self.by_entity),
            ("regulator_report", self.regulator_reports),
            ("deadline", self.deadlines),
            ("ledger_entry", self.by_ledger_entry),
            ("holding_company", self.by_holding_company),
            ("unknown_asset", self.unknown_assets),
        ):
            out += [(name, value, count) for value, count in sorted(counter.items())]
        for outcome in REPORT_OUTCOMES:
            out += [
                (f"authority_reports_{outcome}", authority, counts[outcome])
                for authority, counts in sorted(self.by_authority.items())
            ]
        out.append(("incidents_on_unknown_assets", "total", self.unknown_asset_incidents))
        out += [("holding_without_incident", entry_id, 0) for entry_id in self.holdings_without_incident]
        return out + self.complaints.rows() + self.requests.rows()


def year_stats(
    year: int,
    incidents: list[Any],
    now: datetime,
    holdings: Sequence[str] = (),
    complaints: Sequence[ComplaintFacts] = (),
    requests: Sequence[RequestFacts] = (),
) -> YearStats:
    """Counts for the incidents received in fiscal `year` (each with its obligations loaded); `holdings`:
    the ids of the ledger's entries in force; `complaints` and `requests`: the cases received in the year."""
    stats = YearStats(year, complaints=count_complaints(complaints), requests=count_requests(requests))
    for incident in incidents:
        if fiscal_year(incident.received_at) != year or incident.status == IncidentStatus.MERGED:
            continue  # a merged incident is counted as the one it was merged into
        if getattr(incident, "snooze_state", None) == IncidentStatus.SNOOZED:
            continue  # silenced as noise by the desk (snoozed still, or closed while snoozed)
        stats.incidents += 1
        stats.by_kind[str(incident.facts.get("incident_kind", "other"))] += 1
        stats.by_risk[incident.risk_level or "unassessed"] += 1
        stats.by_entity[incident.entity] += 1
        _count_ledger(stats, getattr(incident, "ledger", None) or {})
        for obligation in incident.obligations:
            if obligation.status == "withdrawn":
                continue
            outcome = deadline_outcome(obligation, now)
            if obligation.code in REGULATOR_REPORTS:
                count_report(stats, obligation, outcome)
            stats.deadlines[outcome] += 1
    stats.holdings_without_incident = sorted(h for h in holdings if h not in stats.by_ledger_entry)
    return stats


def _count_ledger(stats: YearStats, ledger: Mapping[str, Any]) -> None:
    """One incident's ledger answer: each entry and holding company once, each asset not in the ledger."""
    matches = ledger.get("matches") or []
    for entry_id in {str(m.get("entry_id")) for m in matches}:
        stats.by_ledger_entry[entry_id] += 1
    for company in {str(m.get("company")) for m in matches}:
        stats.by_holding_company[company] += 1
    unknown = ledger.get("unknown_assets") or []
    if unknown:
        stats.unknown_asset_incidents += 1
        for asset in set(unknown):
            stats.unknown_assets[str(asset)] += 1


def count_report(stats: YearStats, obligation: Any, outcome: str) -> None:
    """One report to an authority: by its code when done, and due, done or missed by the authority."""
    counts = stats.by_authority.setdefault(REPORTED_TO[obligation.code], Counter())
    counts["due"] += 1
    if obligation.status == "done":
        stats.regulator_reports[obligation.code] += 1
        counts["done"] += 1
    if outcome == "missed":
        counts["missed"] += 1


def deadline_outcome(obligation: Any, now: datetime) -> str:
    """met (done by its due time), missed (done late, or still pending past it), or open."""
    if obligation.status == "done" and obligation.done_at is not None:
        return "met" if obligation.done_at <= obligation.due_at else "missed"
    return "missed" if obligation.due_at < now else "open"
