"""India (docs/rules.md §2b): the DPDP Act 2023 and Rules 2025 (from 2027-05-13; the date gate is the
rulebook's), and CERT-In's 6-hour cyber-incident report (in force since 2022)."""

from __future__ import annotations

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty, Obligation, RegimeOutcome, Trigger, hours
from pidesk.services.escalation.domain.regimes_v2.common import IMMEDIATELY, TO_CONTROLLER, exempt, outcome
from pidesk.services.escalation.domain.severity import Severity
from pidesk.shared.vocabulary import EntityRole, IncidentKind

DPDP, CERTIN = "dpdp_in", "certin"
CYBER_KINDS = frozenset(
    {
        IncidentKind.UNAUTHORIZED_ACCESS,
        IncidentKind.MALWARE,
        IncidentKind.PUBLIC_EXPOSURE,
        IncidentKind.INSIDER_TAKEOUT,
    }
)


def _in_india(facts: IncidentFacts) -> bool:
    return facts.region_counts("IN") or facts.entity_country == "IN"


def dpdp_in(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    """Every personal data breach, unauthorised processing included (s 2(u)): no threshold, no floor."""
    if not _in_india(facts):
        return RegimeOutcome(DPDP, applies=False)
    if facts.exempt:
        return exempt(DPDP, "confidentiality not compromised: unintelligible or recovered (DPDP Act s 2(u))")
    t0 = facts.aware_at
    trigger = Trigger("dpdp_in.breach", "DPDP Act s 2(u), s 8(6)", f"personal data breach ({facts.incident_kind})")
    if facts.entity_role is EntityRole.PROCESSOR:
        notice = Obligation(
            "dpdp_in.notify_fiduciary",
            DPDP,
            Duty.REGULATOR_REPORT,
            TO_CONTROLLER.due_at(t0),
            "DPDP Act s 8(1)–(2) (processor under contract)",
        )
        return outcome(DPDP, [trigger], [notice])
    obligations = [
        Obligation(
            "dpdp_in.board_intimation",
            DPDP,
            Duty.REGULATOR_REPORT,
            IMMEDIATELY.due_at(t0),
            "DPDP Act s 8(6); DPDP Rules 2025 r 7(2)(a)",
        ),
        Obligation("dpdp_in.board_report", DPDP, Duty.REGULATOR_REPORT, hours(t0, 72), "DPDP Rules 2025 r 7(2)(b)"),
        # before the report, which lists the intimations given
        Obligation(
            "dpdp_in.notify_data_principals",
            DPDP,
            Duty.INDIVIDUAL_NOTICE,
            hours(t0, 72),
            "DPDP Act s 8(6); DPDP Rules 2025 r 7(1)",
            target_at=hours(t0, 24),
        ),
    ]
    notes = []
    if not facts.contact_info_available:
        notes.append(
            "dpdp_in: Rule 7 has no public-notice substitute: the notice to data principals stays open "
            "and the desk records why — DPDP Rules 2025 r 7(1)"
        )
    return outcome(DPDP, [trigger], obligations, *notes)


def certin(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    """A cyber-incident duty, not a personal-data one: neither encryption nor recovery lifts it."""
    if not _in_india(facts):
        return RegimeOutcome(CERTIN, applies=False)
    if facts.incident_kind not in CYBER_KINDS:
        return outcome(CERTIN, [], [], f"certin: {facts.incident_kind} is not a listed cyber incident")
    trigger = Trigger(
        "certin.cyber_incident",
        "CERT-In Directions of 28 Apr 2022, direction (ii); Annexure I",
        f"reportable cyber incident ({facts.incident_kind})",
    )
    report = Obligation(
        "certin.incident_report",
        CERTIN,
        Duty.REGULATOR_REPORT,
        hours(facts.aware_at, 6),
        "IT Act 2000 s 70B(6); CERT-In Directions of 28 Apr 2022, direction (ii)",
    )
    return outcome(CERTIN, [trigger], [report])
