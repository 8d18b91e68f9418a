"""Australia, Privacy Act 1988 Part IIIC, Notifiable Data Breaches (docs/rules.md §2b)."""

from __future__ import annotations

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty, Obligation, RegimeOutcome, Trigger, days
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
from pidesk.shared.vocabulary import DataCategory as C
from pidesk.shared.vocabulary import EntityRole

REGIME = "ndb_au"
# sensitive information (s 6(1)), government identifiers, financial data and credentials: serious harm at SE ≥ 2
SERIOUS_HARM_DATA = frozenset(
    {
        C.HEALTH,
        C.MEDICAL_HISTORY,
        C.HEALTH_CHECKUP,
        C.DISABILITY,
        C.GENETIC,
        C.BIOMETRIC,
        C.RACE_ETHNICITY,
        C.RELIGION_CREED,
        C.POLITICAL_OPINION,
        C.TRADE_UNION,
        C.SEXUAL_ORIENTATION,
        C.CRIMINAL_RECORD,
        C.CRIME_VICTIM,
        C.GOVERNMENT_ID,
        C.SSN,
        C.MY_NUMBER,
        C.CREDIT_CARD,
        C.BANK_ACCOUNT,
        C.ONLINE_BANKING_CREDENTIALS,
        C.PAYMENT_HISTORY,
        C.CREDENTIALS,
    }
)


def ndb_au(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not (facts.region_counts("AU") or facts.entity_country == "AU"):
        return RegimeOutcome(REGIME, applies=False)
    if facts.recovered_before_access:
        return exempt(REGIME, "remedial action before any serious harm (Privacy Act 1988 s 26WF)")
    if facts.exempt:
        return exempt(REGIME, "serious harm unlikely: high-level encryption (Privacy Act 1988 s 26WG(c)–(e))")
    if not_a_security_breach(facts):
        return mishandling(REGIME, "Part IIIC (no unauthorised access, disclosure or loss)")
    t0 = facts.aware_at
    score, kinds = severity.score, facts.data_categories & SERIOUS_HARM_DATA
    if score < 1.5:
        return outcome(
            REGIME, [], [], f"ndb_au: serious harm not likely (SE {score:g} < 1.5) — Privacy Act 1988 s 26WE"
        )
    obligations: list[Obligation] = []
    if facts.entity_role is EntityRole.PROCESSOR:
        # its own duties stay; one entity's statement and notice discharge the others' (ss 26WJ, 26WM)
        obligations.append(
            Obligation(
                "ndb_au.notify_client",
                REGIME,
                Duty.REGULATOR_REPORT,
                TO_CONTROLLER.due_at(t0),
                "Privacy Act 1988 ss 26WJ, 26WM (shared breach); contract",
            )
        )
    if score >= 3 or (score >= 2 and kinds):
        why = f"SE {score:g} ≥ 3" if score >= 3 else f"SE {score:g} ≥ 2 with {names(kinds)}"
        trigger = Trigger("ndb_au.eligible", "Privacy Act 1988 ss 26WE, 26WG", f"serious harm likely ({why})")
        individuals = (
            ("ndb_au.notify_individuals", Duty.INDIVIDUAL_NOTICE, "Privacy Act 1988 s 26WL(2)(a)–(b), (3)")
            if facts.contact_info_available
            else ("ndb_au.publish_statement", Duty.PUBLIC_NOTICE, "Privacy Act 1988 s 26WL(2)(c)")
        )
        for code, duty, basis in (
            ("ndb_au.oaic_statement", Duty.REGULATOR_REPORT, "Privacy Act 1988 s 26WK"),
            individuals,
        ):
            obligations.append(
                Obligation(code, REGIME, duty, PROMPTLY.due_at(t0), basis, target_at=PROMPTLY.target_at(t0))
            )
        return outcome(REGIME, [trigger], obligations)
    trigger = Trigger("ndb_au.suspected", "Privacy Act 1988 s 26WH", f"suspected eligible breach (SE {score:g})")
    obligations.append(
        Obligation("ndb_au.assessment", REGIME, Duty.ASSESSMENT, days(t0, 30), "Privacy Act 1988 s 26WH(2)")
    )
    return outcome(REGIME, [trigger], obligations)
