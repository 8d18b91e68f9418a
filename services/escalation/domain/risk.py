"""The legal risk level and the final risk level (docs/rules.md §3)."""

from __future__ import annotations

from collections.abc import Sequence

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty, Obligation
from pidesk.services.escalation.domain.regimes import SENSITIVE_ANY
from pidesk.shared.vocabulary import IncidentKind, RiskLevel

ORDER = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.VERY_HIGH]
MISHANDLING = frozenset({IncidentKind.SECONDARY_USE_WITHOUT_CONSENT, IncidentKind.UNAUTHORIZED_PROVISION})
EXTERNAL_DUTIES = frozenset({Duty.REGULATOR_REPORT, Duty.INDIVIDUAL_NOTICE, Duty.PUBLIC_NOTICE})


def rank(level: RiskLevel) -> int:
    return ORDER.index(level)


def higher(a: RiskLevel, b: RiskLevel) -> RiskLevel:
    return a if rank(a) >= rank(b) else b


def legal_level(facts: IncidentFacts, obligations: Sequence[Obligation]) -> tuple[RiskLevel, str]:
    external = [o for o in obligations if o.duty in EXTERNAL_DUTIES]
    if external:
        reporting_regimes = sorted({o.regime for o in external if o.duty is Duty.REGULATOR_REPORT})
        reasons = []
        if sensitive := facts.data_categories & SENSITIVE_ANY:
            reasons.append(f"sensitive data ({', '.join(sorted(c.value for c in sensitive))})")
        if facts.total_exceeds(10_000):
            reasons.append("more than 10,000 people" if not facts.count_unknown else "number of people unknown")
        if len(reporting_regimes) >= 2:
            reasons.append(f"regulator reports in {len(reporting_regimes)} regimes ({', '.join(reporting_regimes)})")
        if facts.is_malicious and facts.total_exceeds(1_000):
            reasons.append("wrongful purpose with more than 1,000 people")
        if reasons:
            return RiskLevel.VERY_HIGH, "legal level very_high: notification due and " + "; ".join(reasons)
        return RiskLevel.HIGH, "legal level high: a regulator report or notice to individuals is due"
    if facts.incident_kind in MISHANDLING:
        return RiskLevel.MEDIUM, f"legal level medium: mishandling ({facts.incident_kind.value})"
    if not facts.exempt:
        return RiskLevel.MEDIUM, "legal level medium: data left the organisation, below every notification threshold"
    return RiskLevel.LOW, "legal level low: recovered before access or unintelligible"
