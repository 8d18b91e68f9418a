"""What the §2b regimes share: the v2 reading rules for unnumbered deadlines, and the outcome helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Obligation, RegimeOutcome, Trigger
from pidesk.shared.vocabulary import DataCategory, IncidentKind


@dataclass(frozen=True)
class Reading:
    """A deadline the law words rather than numbers, read as docs/rules.md §2b (unnumbered deadlines) says."""

    due: timedelta
    target: timedelta | None = None

    def due_at(self, t0: datetime) -> datetime:
        return t0 + self.due

    def target_at(self, t0: datetime) -> datetime | None:
        return t0 + self.target if self.target is not None else None


IMMEDIATELY = Reading(due=timedelta(hours=24))  # 立即, or "without delay" before a fixed later step
PROMPTLY = Reading(due=timedelta(days=5), target=timedelta(hours=72))  # v1's reading of APPI's 速やかに
TO_CONTROLLER = Reading(due=timedelta(hours=24))  # a processor to its controller, as gdpr.notify_controller


def names(categories: frozenset[DataCategory]) -> str:
    return ", ".join(sorted(c.value for c in categories))


def not_a_security_breach(facts: IncidentFacts) -> bool:
    """Secondary use without consent is mishandling, not a breach, for UK GDPR, PIPL, Part IIIC, LGPD, DPA."""
    return facts.incident_kind is IncidentKind.SECONDARY_USE_WITHOUT_CONSENT


def exempt(regime: str, why: str) -> RegimeOutcome:
    return RegimeOutcome(regime, applies=True, explanation=(f"{regime}: applies but {why}; no statutory obligation",))


def mishandling(regime: str, law: str) -> RegimeOutcome:
    return RegimeOutcome(
        regime,
        applies=True,
        explanation=(f"{regime}: secondary use without consent is not a security breach under {law}",),
    )


def outcome(regime: str, triggers: list[Trigger], obligations: list[Obligation], *notes: str) -> RegimeOutcome:
    lines = tuple(f"{t.code}: {t.reason} — {t.basis}" for t in triggers) + notes
    return RegimeOutcome(regime, True, tuple(triggers), tuple(obligations), lines)


def count_text(facts: IncidentFacts, region: str) -> str:
    return "unknown" if facts.count_unknown else f"{facts.subjects_in(region):,}"
