"""Government and law-enforcement requests for personal information (issue 17): the path a request
climbs, who may decide on it, and the conflicts of law the desk must weigh. Pure: no I/O.

The path is the seeds' governance page: the general manager of the division that received the
request reports to and consults the Personal Information Protection Administrator, who reports to
and consults the officer in charge; the company then decides, respecting the rights of the person
concerned, whether providing the data is necessary and lawful, and records the procedure (APPI
Art. 27(1)(i)-(iv): a provision to a third party without consent only where laws and regulations
require it, or a state organ's duty under law needs the company's cooperation; docs/rules.md §7).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pidesk.services.escalation.domain.facts import EEA
from pidesk.shared.vocabulary import LegalInstrument, RequestDecision, Role

# The seeds' path, in order (directory targets: services/escalation/domain/directory.py)
REQUEST_PATH: tuple[str, ...] = ("division_manager", "pi_administrator", "officer_in_charge")

GDPR_ART_48 = (
    "GDPR Art. 48: a judgment or decision of a third country's court, tribunal or administrative authority "
    "requiring the transfer of personal data is recognised or enforceable only if based on an "
    "international agreement such as a mutual legal assistance treaty"
)
# A decision to provide without a reason the law names would be unrecorded discretion (APPI Art. 27(1))
DECISIONS_NEEDING_SCOPE = frozenset({RequestDecision.PROVIDE, RequestDecision.PROVIDE_IN_PART})


@dataclass(frozen=True)
class RouteStep:
    """One tier of the path: told at `told_at`, to acknowledge (report and consult) by `ack_due_at`."""

    step: int
    target: str
    told_at: datetime
    ack_due_at: datetime


def first_step(received_at: datetime, deadlines: dict[str, timedelta], path: Sequence[str] = REQUEST_PATH) -> RouteStep:
    """The request's first tier (the receiving division's general manager), told on receipt."""
    return RouteStep(1, path[0], received_at, received_at + deadlines[path[0]])


def next_step(
    current: int, acknowledged_at: datetime, deadlines: dict[str, timedelta], path: Sequence[str] = REQUEST_PATH
) -> RouteStep | None:
    """The tier told when tier `current` acknowledges (it has reported to and consulted the next one);
    None at the top of the path (the officer in charge)."""
    if current >= len(path):
        return None
    target = path[current]
    return RouteStep(current + 1, target, acknowledged_at, acknowledged_at + deadlines[target])


def escalation_step(
    current: int, now: datetime, deadlines: dict[str, timedelta], path: Sequence[str] = REQUEST_PATH
) -> RouteStep:
    """The tier told when tier `current` lets its deadline pass unacknowledged: the next one, and past the
    top the officer in charge again (as an incident's chain, docs/rules.md §4), until someone acknowledges."""
    following = next_step(current, now, deadlines, path)
    if following is not None:
        return following
    top = path[-1]
    return RouteStep(current + 1, top, now, now + deadlines[top])


def overdue(step: RouteStep, acknowledged_at: datetime | None, now: datetime) -> bool:
    """A tier that has not acknowledged by its deadline."""
    return acknowledged_at is None and now > step.ack_due_at


def may_decide(role: Role, deciders: Collection[Role]) -> bool:
    """Only the roles the policy names decide on a request (default: the officer in charge and the PI
    administrator, the two tiers the seeds make responsible for the decision)."""
    return role in deciders


@dataclass(frozen=True)
class LawConflict:
    code: str
    basis: str


def conflicts_of_law(authority_country: str, subject_regions: Iterable[str]) -> list[LawConflict]:
    """The conflicts of law a request raises. GDPR Art. 48: an authority outside the EU/EEA asking for
    data whose subjects include people in the EU/EEA (region `EU` or an EEA country) may be answered
    only through an international agreement (an MLAT) or another Chapter V ground (Art. 49(1)(d), (e))."""
    country = authority_country.strip().upper()
    regions = {r.strip().upper() for r in subject_regions}
    eu_subjects = "EU" in regions or bool(regions & EEA)
    if country not in EEA and country != "EU" and eu_subjects:
        return [LawConflict("gdpr_art48", GDPR_ART_48)]
    return []


def instrument_compels(instrument: LegalInstrument) -> bool:
    """A warrant or court order compels (Japan: Code of Criminal Procedure Arts. 218, 99); a statutory
    request asks under a law but does not compel (Art. 197(2) inquiry: APPI Art. 27(1)(i) permits,
    never obliges); an informal request has no legal force (consent or another Art. 27(1) ground needed)."""
    return instrument in (LegalInstrument.WARRANT, LegalInstrument.COURT_ORDER)


def decision_problems(decision: RequestDecision, reason: str, provided_scope: str | None) -> list[str]:
    """What a decision lacks: every decision has its reason; providing (in full or part) names the scope."""
    problems = []
    if not reason.strip():
        problems.append("reason: every decision records its reason")
    if decision in DECISIONS_NEEDING_SCOPE and not (provided_scope or "").strip():
        problems.append("scope: a decision to provide names what is to be provided")
    return problems
