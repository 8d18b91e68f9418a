"""China (docs/rules.md §2b): PIPL Art. 57 for every incident, and the CAC incident-reporting Measures
(in force 2025-11-01) for leaks of at least 1,000,000 people's personal information."""

from __future__ import annotations

from datetime import datetime, timedelta

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty, Obligation, RegimeOutcome, Trigger, days, hours
from pidesk.services.escalation.domain.regimes_v2.common import (
    IMMEDIATELY,
    TO_CONTROLLER,
    count_text,
    exempt,
    mishandling,
    not_a_security_breach,
    outcome,
)
from pidesk.services.escalation.domain.severity import Severity
from pidesk.shared.vocabulary import EntityRole

PIPL, CAC = "pipl", "cn_cac"
# 立即 to individuals, with remedial advice and NDSMR Art. 11's 及时: an exception to the v2 reading rules
PIPL_INDIVIDUALS_TARGET, PIPL_INDIVIDUALS_DUE = timedelta(hours=24), timedelta(hours=72)
# Classification Guide (附件): people whose personal information leaked; "以上" includes the number
CAC_LEVELS = (
    (100_000_000, "cn_cac.particularly_major", "particularly major (特别重大)"),
    (10_000_000, "cn_cac.major", "major (重大)"),
    (1_000_000, "cn_cac.relatively_major", "relatively major (较大)"),
)
CAC_BASIS = "CAC National Cybersecurity Incident Reporting Measures Art. 4; Classification Guide (附件)"
CAC_DEFAULT_HOURS = 4
SUMMARY_AFTER_CLOSE = timedelta(days=30)
SUMMARY_NOTE = (
    "cn_cac.incident_summary: due 30 days after handling ends; T0+30d until the incident is closed, then "
    "recomputed as the close + 30 days (a pending summary does not hold up the close) — CAC Measures Art. 8"
)


def pipl(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not (facts.region_counts("CN") or facts.entity_country == "CN"):
        return RegimeOutcome(PIPL, applies=False)
    if facts.exempt:
        return exempt(PIPL, "unintelligible data or recovered before access (PIPL Art. 57(2))")
    if not_a_security_breach(facts):
        return mishandling(PIPL, "PIPL Art. 57 (no leak, tampering or loss)")
    t0 = facts.aware_at
    triggers = [Trigger("pipl.incident", "PIPL Art. 57(1)", "leak, tampering or loss of personal information")]
    if facts.entity_role is EntityRole.PROCESSOR:
        notice = Obligation(
            "pipl.notify_handler", PIPL, Duty.REGULATOR_REPORT, TO_CONTROLLER.due_at(t0), "PIPL Art. 59"
        )
        return outcome(PIPL, triggers, [notice])
    obligations = [
        Obligation(
            "pipl.authority_notification", PIPL, Duty.REGULATOR_REPORT, IMMEDIATELY.due_at(t0), "PIPL Art. 57(1)"
        )
    ]
    notes: list[str] = []
    if severity.score < 1.5:
        notes.append(
            f"pipl: measures effectively avoid harm (SE {severity.score:g} < 1.5): no notice to individuals "
            "unless the authority orders it — PIPL Art. 57(2)"
        )
    elif facts.contact_info_available:
        obligations.append(
            Obligation(
                "pipl.notify_individuals",
                PIPL,
                Duty.INDIVIDUAL_NOTICE,
                t0 + PIPL_INDIVIDUALS_DUE,
                "PIPL Art. 57(1)–(2); Network Data Security Management Regulations Art. 11",
                target_at=t0 + PIPL_INDIVIDUALS_TARGET,
            )
        )
    else:
        obligations.append(
            Obligation(
                "pipl.public_notice",
                PIPL,
                Duty.PUBLIC_NOTICE,
                t0 + PIPL_INDIVIDUALS_DUE,
                "PIPL Art. 57; NDSMR Art. 11 (公告 as a means)",
                target_at=t0 + PIPL_INDIVIDUALS_TARGET,
            )
        )
    return outcome(PIPL, triggers, obligations, *notes)


def cac_level(facts: IncidentFacts) -> tuple[str, str, int] | None:
    """The highest Classification Guide level the CN count reaches (an unknown count reaches every one)."""
    for threshold, code, label in CAC_LEVELS:
        if facts.at_least("CN", threshold):
            return code, label, threshold
    return None


def cn_cac(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    """Network operators in the PRC, controller or processor alike; the PIPL duty stands beside it."""
    if facts.entity_country != "CN":
        return RegimeOutcome(CAC, applies=False)
    if facts.exempt:
        return exempt(CAC, "no personal information leaked: unintelligible or recovered before access")
    if not_a_security_breach(facts):
        return mishandling(CAC, "the CAC Measures (not a network security incident)")
    level = cac_level(facts)
    if level is None:
        return outcome(
            CAC,
            [],
            [],
            f"cn_cac: fewer than 1,000,000 people in China ({count_text(facts, 'CN')}): below 较大, no CAC report "
            "— Classification Guide (附件)",
        )
    code, label, threshold = level
    t0 = facts.aware_at
    window = facts.cn_cac_deadline_h or CAC_DEFAULT_HOURS
    notes = []
    if window != CAC_DEFAULT_HOURS:
        notes.append(f"cn_cac: {window} h, the directory's deadline for this entity (CII 1 h, state organs 2 h)")
    notes.append(SUMMARY_NOTE)
    trigger = Trigger(code, CAC_BASIS, f"{label}: {count_text(facts, 'CN')} people in China (≥ {threshold:,})")
    obligations = [
        Obligation("cn_cac.incident_report", CAC, Duty.REGULATOR_REPORT, hours(t0, window), CAC_BASIS),
        # a placeholder until the incident is closed: the close dates it (domain/closing.py, cac_summary_due)
        Obligation("cn_cac.incident_summary", CAC, Duty.REGULATOR_REPORT, days(t0, 30), "CAC Measures Art. 8"),
    ]
    return outcome(CAC, [trigger], obligations, *notes)


def cac_summary_due(closed_at: datetime) -> datetime:
    """`cn_cac.incident_summary` once handling has ended: 30 days after the close (CAC Measures Art. 8)."""
    return closed_at + SUMMARY_AFTER_CLOSE
