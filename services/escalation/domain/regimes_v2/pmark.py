"""Japan, the Privacy Mark's report to the examination body (PMK500; docs/rules.md §2b): a contract's
duty, on top of the PPC reports, for every incident at a P-mark entity, encrypted or recovered alike."""

from __future__ import annotations

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty, Obligation, RegimeOutcome, Trigger, days
from pidesk.services.escalation.domain.regimes import APPI_FINANCIAL, APPI_SENSITIVE
from pidesk.services.escalation.domain.regimes_v2.common import names, outcome
from pidesk.services.escalation.domain.severity import Severity
from pidesk.shared.vocabulary import DataCategory as C

REGIME = "pmark"
BASIS = "PMK500 事故等の報告; JIPDEC 「事故等の報告」"


def preliminary_reasons(facts: IncidentFacts) -> list[str]:
    """The 速報 cases: APPI Rules Art. 7 items 1–4 and the My Number cases, counted over `affected_count`."""
    reasons = []
    if hits := facts.data_categories & (APPI_SENSITIVE | APPI_FINANCIAL):
        reasons.append(f"sensitive or financial data: {names(hits)}")
    if facts.is_malicious:
        reasons.append("wrongful purpose")
    if facts.total_exceeds(1000):
        reasons.append("more than 1,000 people" if not facts.count_unknown else "number of people unknown")
    if C.MY_NUMBER in facts.data_categories and (
        facts.is_malicious or facts.publicly_viewable or facts.total_exceeds(100)
    ):
        reasons.append("My Number: wrongful purpose, viewable by an unspecified number, or more than 100 people")
    return reasons


def pmark(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    """No exemption: encrypted devices are reportable, and data recovered unread was still sent out."""
    if not facts.holds_pmark:
        return RegimeOutcome(REGIME, applies=False)
    t0 = facts.aware_at
    wrongful = facts.is_malicious
    triggers = [Trigger("pmark.incident", BASIS, f"an incident at a Privacy Mark entity ({facts.incident_kind})")]
    obligations = [
        Obligation(
            "pmark.final_report",
            REGIME,
            Duty.CONTRACT_REPORT,
            days(t0, 60 if wrongful else 30),
            f"{BASIS} (確報)",
        )
    ]
    if reasons := preliminary_reasons(facts):
        triggers.append(Trigger("pmark.preliminary", f"{BASIS} (速報)", "; ".join(reasons)))
        obligations.append(
            Obligation(
                "pmark.preliminary_report",
                REGIME,
                Duty.CONTRACT_REPORT,
                days(t0, 5),
                f"{BASIS} (速報)",
                target_at=days(t0, 3),
            )
        )
    return outcome(REGIME, triggers, obligations)
