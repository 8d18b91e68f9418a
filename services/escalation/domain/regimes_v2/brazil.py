"""Brazil, LGPD Art. 48 + Resolution CD/ANPD 15/2024 (docs/rules.md §2b): deadlines in working days."""

from __future__ import annotations

from datetime import datetime

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty, Obligation, RegimeOutcome, Trigger, days
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
from pidesk.services.escalation.domain.workdays import working_days_after
from pidesk.shared.vocabulary import DataCategory as C
from pidesk.shared.vocabulary import EntityRole

REGIME = "lgpd"
# Res. 15/2024 Art. 5 criteria the report can show (children, adolescents and elderly people: by hand)
CRITERIA: tuple[tuple[str, frozenset[C]], ...] = (
    (
        "sensitive data (Art. 5, I)",
        frozenset(
            {
                C.RACE_ETHNICITY,
                C.RELIGION_CREED,
                C.POLITICAL_OPINION,
                C.TRADE_UNION,
                C.HEALTH,
                C.MEDICAL_HISTORY,
                C.HEALTH_CHECKUP,
                C.DISABILITY,
                C.SEXUAL_ORIENTATION,
                C.GENETIC,
                C.BIOMETRIC,
            }
        ),
    ),
    (
        "financial data (Art. 5, III)",
        frozenset({C.CREDIT_CARD, C.BANK_ACCOUNT, C.ONLINE_BANKING_CREDENTIALS, C.PAYMENT_HISTORY}),
    ),
    ("authentication data (Art. 5, IV)", frozenset({C.CREDENTIALS, C.ONLINE_BANKING_CREDENTIALS})),
    ("data under secrecy (Art. 5, V)", frozenset({C.COMMUNICATIONS_CONTENT, C.CRIMINAL_RECORD})),
)
LARGE_SCALE = 1000  # BR subjects; the Resolution gives no number (docs/rules.md §6, item 7)
REPORT_WD, SUPPLEMENT_WD = 3, 20
TRIGGER_BASIS = "LGPD Art. 48; Res. CD/ANPD 15/2024 Art. 5"


def relevant_risk(facts: IncidentFacts, severity: Severity) -> list[str]:
    """The Art. 5 criteria met when the incident may significantly affect the subjects (SE ≥ 2)."""
    if severity.score < 2:
        return []
    met = [f"{label}: {names(hits)}" for label, group in CRITERIA if (hits := facts.data_categories & group)]
    if facts.exceeds("BR", LARGE_SCALE):
        met.append(f"large scale (Art. 5, VI): {count_text(facts, 'BR')} people in Brazil")
    return met


def lgpd(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not (facts.region_counts("BR") or facts.entity_country == "BR"):
        return RegimeOutcome(REGIME, applies=False)
    if facts.exempt:
        return exempt(REGIME, "unintelligible data or recovered before access (LGPD Art. 48 §3)")
    if not_a_security_breach(facts):
        return mishandling(REGIME, "LGPD Art. 46 (not a security incident)")
    t0 = facts.aware_at
    # kept at least 5 years, notified or not; dated like v1's registers
    obligations = [
        Obligation(
            "lgpd.incident_register",
            REGIME,
            Duty.RECORD,
            days(t0, 30),
            "Res. CD/ANPD 15/2024 Art. 10",
        )
    ]
    met = relevant_risk(facts, severity)
    if not met:
        return outcome(
            REGIME,
            [],
            obligations,
            f"lgpd: no relevant risk or damage (SE {severity.score:g}; SE ≥ 2 and an Art. 5 criterion needed) "
            "— Res. CD/ANPD 15/2024 Art. 5",
        )
    trigger = Trigger("lgpd.relevant_risk", TRIGGER_BASIS, f"SE {severity.score:g} ≥ 2 with " + "; ".join(met))
    due = working_days_after(t0, REPORT_WD)
    if facts.entity_role is EntityRole.PROCESSOR:
        obligations.append(
            Obligation(
                "lgpd.notify_controller",
                REGIME,
                Duty.REGULATOR_REPORT,
                TO_CONTROLLER.due_at(t0),
                "LGPD Arts. 39, 46–47 (operator); contract",
            )
        )
        return outcome(REGIME, [trigger], obligations)
    obligations.append(
        Obligation(
            "lgpd.anpd_communication",
            REGIME,
            Duty.REGULATOR_REPORT,
            due,
            "LGPD Art. 48; Res. CD/ANPD 15/2024 Arts. 5–6",
        )
    )
    obligations.append(
        Obligation(
            "lgpd.notify_data_subjects",
            REGIME,
            Duty.INDIVIDUAL_NOTICE,
            due,
            "LGPD Art. 48; Res. CD/ANPD 15/2024 Art. 9",
        )
        if facts.contact_info_available
        else Obligation(
            "lgpd.public_communication",
            REGIME,
            Duty.PUBLIC_NOTICE,
            due,
            "Res. CD/ANPD 15/2024 (public communication)",
        )
    )
    return outcome(REGIME, [trigger], obligations)


def anpd_supplement(communicated_at: datetime) -> Obligation:
    """Opened when the first communication to the ANPD is filed as partial: 20 working days after it."""
    return Obligation(
        "lgpd.anpd_supplement",
        REGIME,
        Duty.REGULATOR_REPORT,
        working_days_after(communicated_at, SUPPLEMENT_WD),
        "Res. CD/ANPD 15/2024 (supplementary information)",
    )
