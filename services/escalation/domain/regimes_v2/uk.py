"""United Kingdom, UK GDPR + DPA 2018 (docs/rules.md §2b): v1's GDPR reading, with the ICO as the authority."""

from __future__ import annotations

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty, Obligation, RegimeOutcome, Trigger, days, hours
from pidesk.services.escalation.domain.regimes import GDPR_SPECIAL
from pidesk.services.escalation.domain.regimes_v2.common import (
    PROMPTLY,
    TO_CONTROLLER,
    exempt,
    mishandling,
    names,
    not_a_security_breach,
    outcome,
)
from pidesk.services.escalation.domain.severity import Severity
from pidesk.shared.vocabulary import EntityRole

REGIME = "ukgdpr"


def uk_gdpr(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not (facts.region_counts("GB") or facts.entity_country == "GB"):
        return RegimeOutcome(REGIME, applies=False)
    if facts.exempt:
        return exempt(REGIME, "unintelligible data or recovered before access (UK GDPR Art. 34(3)(a))")
    if not_a_security_breach(facts):
        return mishandling(REGIME, "UK GDPR Art. 4(12)")
    t0 = facts.aware_at
    # the register's due date: recorded within the month, as v1's gdpr.breach_register
    obligations = [Obligation("ukgdpr.breach_register", REGIME, Duty.RECORD, days(t0, 30), "UK GDPR Art. 33(5)")]
    special = facts.data_categories & GDPR_SPECIAL
    if severity.score < 1.5 and not special:
        return outcome(
            REGIME,
            [],
            obligations,
            f"ukgdpr: unlikely to result in a risk (SE {severity.score:g} < 1.5); register only — UK GDPR Art. 33(5)",
        )
    triggers = [
        Trigger("ukgdpr.risk", "UK GDPR Art. 33(1)", f"not unlikely to result in a risk (SE {severity.score:g})")
    ]
    processor = facts.entity_role is EntityRole.PROCESSOR
    if processor:
        obligations.append(
            Obligation(
                "ukgdpr.notify_controller",
                REGIME,
                Duty.REGULATOR_REPORT,
                TO_CONTROLLER.due_at(t0),
                "UK GDPR Art. 33(2)",
            )
        )
    else:
        obligations.append(
            Obligation("ukgdpr.ico_notification", REGIME, Duty.REGULATOR_REPORT, hours(t0, 72), "UK GDPR Art. 33(1)")
        )
    if severity.score >= 3 or special:
        why = f"special categories: {names(special)}" if special else f"SE {severity.score:g} ≥ 3"
        triggers.append(Trigger("ukgdpr.high_risk", "UK GDPR Art. 34(1)", f"high risk ({why})"))
        if not processor:
            code, duty, basis = (
                ("ukgdpr.notify_data_subjects", Duty.INDIVIDUAL_NOTICE, "UK GDPR Art. 34(1)–(2)")
                if facts.contact_info_available
                else ("ukgdpr.public_communication", Duty.PUBLIC_NOTICE, "UK GDPR Art. 34(3)(c)")
            )
            obligations.append(
                Obligation(code, REGIME, duty, PROMPTLY.due_at(t0), basis, target_at=PROMPTLY.target_at(t0))
            )
    return outcome(REGIME, triggers, obligations)
