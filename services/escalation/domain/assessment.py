"""assess(): one incident's facts → severity, legal triggers, obligations with deadlines, risk level
and an explanation naming each legal basis and the rules version (docs/rules.md §0)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Obligation, Trigger
from pidesk.services.escalation.domain.risk import higher, legal_level
from pidesk.services.escalation.domain.rulebook import RulesVersion, rules_in_force
from pidesk.services.escalation.domain.severity import Severity, severity
from pidesk.shared.vocabulary import RiskLevel


@dataclass(frozen=True)
class Assessment:
    risk_level: RiskLevel
    severity: Severity
    legal_level: RiskLevel
    regimes: tuple[str, ...]
    triggers: tuple[Trigger, ...]
    obligations: tuple[Obligation, ...]
    explanation: tuple[str, ...]
    rules: RulesVersion

    def summary(self) -> dict[str, Any]:
        """The contract's `assessment` object (docs/contract.md, GET /v1/incidents/{id})."""
        return {
            "risk_level": self.risk_level.value,
            "severity_score": self.severity.score,
            "severity_band": self.severity.band.value,
            "legal_level": self.legal_level.value,
            "enisa": {"dpc": self.severity.dpc, "ei": self.severity.ei, "cb": self.severity.cb},
            "legal_triggers": [t.code for t in self.triggers],
            "regimes": list(self.regimes),
            "explanation": list(self.explanation),
            "rules_version": self.rules.id,
            "rules_label": self.rules.label,
        }


def assess(facts: IncidentFacts, rules: RulesVersion | None = None) -> Assessment:
    """Under `rules`, or by default the rules version in force at the incident's awareness time."""
    rules = rules or rules_in_force(facts.aware_at)
    se = severity(facts)
    outcomes = [regime.outcome(facts, se) for regime in rules.regimes]
    triggers = tuple(t for o in outcomes for t in o.triggers)
    obligations = tuple(sorted((ob for o in outcomes for ob in o.obligations), key=lambda ob: (ob.due_at, ob.code)))
    legal, legal_why = legal_level(facts, obligations)
    risk = higher(se.band, legal)
    explanation = (
        f"{rules.label}: the rules in force at T0 ({facts.aware_at.isoformat()}) — {rules.source}",
        *se.explanation,
        *(line for o in outcomes for line in o.explanation),
        legal_why,
        f"risk level {risk.value}: the higher of the severity band ({se.band.value}) and the legal level "
        f"({legal.value}) — docs/rules.md §3",
    )
    return Assessment(
        risk_level=risk,
        severity=se,
        legal_level=legal,
        regimes=tuple(o.regime for o in outcomes if o.applies and o.regime != "internal"),
        triggers=triggers,
        obligations=obligations,
        explanation=explanation,
        rules=rules,
    )
