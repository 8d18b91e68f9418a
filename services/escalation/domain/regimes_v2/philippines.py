"""Philippines, Data Privacy Act (RA 10173) + NPC Circular 16-03 (docs/rules.md §2b)."""

from __future__ import annotations

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty, Obligation, RegimeOutcome, Trigger, days, hours
from pidesk.services.escalation.domain.regimes_v2.common import (
    TO_CONTROLLER,
    count_text,
    exempt,
    mishandling,
    names,
    not_a_security_breach,
    outcome,
)
from pidesk.services.escalation.domain.severity import Severity
from pidesk.shared.vocabulary import DataCategory as C
from pidesk.shared.vocabulary import EntityRole

REGIME = "dpa_ph"
# sensitive personal information (DPA s 3(l); age, so birth_date) or data enabling identity fraud (s 11)
SENSITIVE_OR_FRAUD = frozenset(
    {
        C.RACE_ETHNICITY,
        C.RELIGION_CREED,
        C.POLITICAL_OPINION,
        C.TRADE_UNION,
        C.HEALTH,
        C.MEDICAL_HISTORY,
        C.HEALTH_CHECKUP,
        C.DISABILITY,
        C.GENETIC,
        C.SEXUAL_ORIENTATION,
        C.CRIMINAL_RECORD,
        C.GOVERNMENT_ID,
        C.SSN,
        C.MY_NUMBER,
        C.BIRTH_DATE,
        C.CREDIT_CARD,
        C.BANK_ACCOUNT,
        C.ONLINE_BANKING_CREDENTIALS,
        C.PAYMENT_HISTORY,
        C.CREDENTIALS,
        C.BIOMETRIC,
    }
)
DOUBTFUL_CASE_COUNT = 100  # NPC Circular 16-03 s 13: at least 100 individuals lowers the bar to SE ≥ 1.5
TRIGGER_BASIS = "RA 10173 s 20(f); NPC Circular 16-03 s 11"


def serious_harm(facts: IncidentFacts, severity: Severity) -> str | None:
    """(c): a real risk of serious harm, read as SE ≥ 2, or SE ≥ 1.5 with at least 100 PH subjects."""
    if severity.score >= 2:
        return f"SE {severity.score:g} ≥ 2"
    if severity.score >= 1.5 and facts.at_least("PH", DOUBTFUL_CASE_COUNT):
        return f"SE {severity.score:g} ≥ 1.5 with {count_text(facts, 'PH')} people in the Philippines (≥ 100)"
    return None


def dpa_ph(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not (facts.region_counts("PH") or facts.entity_country == "PH"):
        return RegimeOutcome(REGIME, applies=False)
    if facts.exempt:
        return exempt(REGIME, "no real risk: unintelligible or recovered before access (NPC Circular 16-03 s 11)")
    if not_a_security_breach(facts):
        return mishandling(REGIME, "RA 10173 s 20(f) (no acquisition by an unauthorised person)")
    t0 = facts.aware_at
    # every security incident goes into the annual security incident report; dated like v1's registers
    obligations = [
        Obligation(
            "dpa_ph.incident_register",
            REGIME,
            Duty.RECORD,
            days(t0, 30),
            "NPC Circular 16-03 s 22; NPC Advisory 18-01",
        )
    ]
    data = facts.data_categories & SENSITIVE_OR_FRAUD
    harm = serious_harm(facts, severity)
    if not (data and harm):
        why = (
            "no sensitive or identity-fraud data"
            if not data
            else f"no real risk of serious harm (SE {severity.score:g})"
        )
        return outcome(REGIME, [], obligations, f"dpa_ph: not notifiable: {why} — NPC Circular 16-03 s 11")
    trigger = Trigger("dpa_ph.notifiable", TRIGGER_BASIS, f"{names(data)}; {harm}")
    if facts.entity_role is EntityRole.PROCESSOR:
        # the controller stays answerable; its 72 h may already run from the processor's knowledge
        obligations.append(
            Obligation(
                "dpa_ph.notify_controller",
                REGIME,
                Duty.REGULATOR_REPORT,
                TO_CONTROLLER.due_at(t0),
                "NPC Circular 16-03 ss 15–16",
            )
        )
        return outcome(REGIME, [trigger], obligations)
    obligations += [
        Obligation(
            "dpa_ph.npc_notification",
            REGIME,
            Duty.REGULATOR_REPORT,
            hours(t0, 72),
            "RA 10173 s 20(f); IRR s 38(a); NPC Circular 16-03 s 17",
        ),
        Obligation(
            "dpa_ph.npc_full_report",
            REGIME,
            Duty.REGULATOR_REPORT,
            days(t0, 5),
            "NPC Circular 16-03 s 17; NPC Advisory 2026-02",
        ),
        Obligation(
            "dpa_ph.notify_data_subjects",
            REGIME,
            Duty.INDIVIDUAL_NOTICE,
            hours(t0, 72),
            "RA 10173 s 20(f); NPC Circular 16-03 s 18",
        )
        if facts.contact_info_available
        # alternative means only with the NPC's approval: the request is a filing with the regulator
        else Obligation(
            "dpa_ph.alternative_notice_request",
            REGIME,
            Duty.REGULATOR_REPORT,
            hours(t0, 72),
            "NPC Circular 16-03 s 18; NPC Advisory 2026-02",
        ),
    ]
    return outcome(REGIME, [trigger], obligations)
