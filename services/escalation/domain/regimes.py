"""The legal regimes of docs/rules.md §2: each a pure function of the facts and the severity; registered,
with the v2 regimes of `regimes_v2/`, by effective date in `rulebook.py`.

Every trigger and obligation names its legal basis (docs/legal-codes.md); docs/rules.md §6 the readings."""

from __future__ import annotations

from pidesk.services.escalation.domain.facts import EEA, IncidentFacts
from pidesk.services.escalation.domain.obligations import Duty, Obligation, RegimeOutcome, Trigger, days, hours
from pidesk.services.escalation.domain.severity import Severity
from pidesk.shared.vocabulary import DataCategory as C
from pidesk.shared.vocabulary import EntityRole, IncidentKind

APPI_SENSITIVE = frozenset(
    {
        C.HEALTH,
        C.MEDICAL_HISTORY,
        C.HEALTH_CHECKUP,
        C.DISABILITY,
        C.CRIMINAL_RECORD,
        C.CRIME_VICTIM,
        C.RACE_ETHNICITY,
        C.RELIGION_CREED,
        C.POLITICAL_OPINION,
        C.SOCIAL_STATUS,
        C.GENETIC,
    }
)
APPI_FINANCIAL = frozenset({C.CREDIT_CARD, C.ONLINE_BANKING_CREDENTIALS})
GDPR_SPECIAL = frozenset(
    {
        C.HEALTH,
        C.MEDICAL_HISTORY,
        C.HEALTH_CHECKUP,
        C.DISABILITY,
        C.CRIMINAL_RECORD,
        C.RACE_ETHNICITY,
        C.RELIGION_CREED,
        C.POLITICAL_OPINION,
        C.TRADE_UNION,
        C.SEXUAL_ORIENTATION,
        C.GENETIC,
        C.BIOMETRIC,
    }
)
SENSITIVE_ANY = APPI_SENSITIVE | GDPR_SPECIAL
CCPA_WITH_NAME = frozenset(
    {
        C.SSN,
        C.GOVERNMENT_ID,
        C.CREDIT_CARD,
        C.BANK_ACCOUNT,
        C.ONLINE_BANKING_CREDENTIALS,
        C.HEALTH,
        C.MEDICAL_HISTORY,
        C.BIOMETRIC,
    }
)
KR_UNIQUE_ID = frozenset({C.GOVERNMENT_ID, C.SSN, C.BIOMETRIC})

APPI_ACT = "APPI Art. 26(1); Enforcement Rules Art. 7"
NOT_A_LEAK = "exempt: recovered before access (APPI guideline 3-5-1-1) or high-level encryption (Rules Art. 7(i))"


def _names(categories: frozenset[C]) -> str:
    return ", ".join(sorted(c.value for c in categories))


def _exempt(regime: str, facts: IncidentFacts, why: str) -> RegimeOutcome:
    return RegimeOutcome(regime, applies=True, explanation=(f"{regime}: applies but {why}; no statutory obligation",))


def appi(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    """v1: more than 1,000 subjects counted in Japan only."""
    return _appi(facts, severity, count_everyone_at_home=False)


def appi_v2(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    """v2 correction: an entity in Japan counts its subjects in every region (APPI covers a Japanese
    business's handling of anyone's data); an entity abroad still counts JP subjects only."""
    return _appi(facts, severity, count_everyone_at_home=True)


def _appi(facts: IncidentFacts, severity: Severity, *, count_everyone_at_home: bool) -> RegimeOutcome:
    if not (facts.region_counts("JP") or facts.entity_country == "JP"):
        return RegimeOutcome("appi", applies=False)
    if facts.exempt:
        return _exempt("appi", facts, NOT_A_LEAK)
    if facts.incident_kind is IncidentKind.SECONDARY_USE_WITHOUT_CONSENT:
        return _exempt("appi", facts, "secondary use without consent is mishandling, not a leak (APPI Art. 26)")
    triggers: list[Trigger] = []
    if hits := facts.data_categories & APPI_SENSITIVE:
        triggers.append(Trigger("appi.sensitive", f"{APPI_ACT}(i)", f"sensitive data: {_names(hits)}"))
    if hits := facts.data_categories & APPI_FINANCIAL:
        triggers.append(Trigger("appi.financial_misuse", f"{APPI_ACT}(ii)", f"misuse may cause loss: {_names(hits)}"))
    if facts.is_malicious:
        reason = (
            "wrongful purpose reported" if facts.malicious else f"wrongful purpose presumed ({facts.incident_kind})"
        )
        triggers.append(Trigger("appi.wrongful_purpose", f"{APPI_ACT}(iii)", reason))
    if count_everyone_at_home and facts.entity_country == "JP":
        if facts.total_exceeds(1000):
            total = max(facts.affected_count or 0, sum(facts.subject_regions.values()))
            count = "unknown" if facts.count_unknown else str(total)
            triggers.append(
                Trigger("appi.over_1000", f"{APPI_ACT}(iv)", f"more than 1,000 people, every region counted ({count})")
            )
    elif facts.exceeds("JP", 1000):
        count = "unknown" if facts.count_unknown else str(facts.subjects_in("JP"))
        triggers.append(Trigger("appi.over_1000", f"{APPI_ACT}(iv)", f"more than 1,000 people in Japan ({count})"))
    if not triggers:
        return RegimeOutcome("appi", True, explanation=("appi: applies; no reportable situation (Rules Art. 7)",))
    t0 = facts.aware_at
    wrongful = any(t.code == "appi.wrongful_purpose" for t in triggers)
    final_due = days(t0, 60 if wrongful else 30)
    if facts.entity_role is EntityRole.PROCESSOR:
        obligations = [
            Obligation(
                "appi.notify_principal",
                "appi",
                Duty.REGULATOR_REPORT,
                days(t0, 2),
                "APPI Art. 26(1) proviso; Enforcement Rules Art. 9",
            ),
        ]
    else:
        obligations = [
            Obligation(
                "appi.ppc_preliminary_report",
                "appi",
                Duty.REGULATOR_REPORT,
                days(t0, 5),
                "APPI Art. 26(1); Enforcement Rules Art. 7, 8(1)",
                target_at=days(t0, 3),
            ),
            Obligation(
                "appi.ppc_final_report",
                "appi",
                Duty.REGULATOR_REPORT,
                final_due,
                "APPI Art. 26(1); Enforcement Rules Art. 8(2)" + (" (60 days: wrongful purpose)" if wrongful else ""),
            ),
            Obligation(
                "appi.notify_individuals",
                "appi",
                Duty.INDIVIDUAL_NOTICE,
                final_due,
                "APPI Art. 26(2); Enforcement Rules Art. 10",
            ),
        ]
        if not facts.contact_info_available:
            obligations.append(
                Obligation(
                    "appi.public_announcement",
                    "appi",
                    Duty.PUBLIC_NOTICE,
                    final_due,
                    "APPI Art. 26(2) proviso (substitute measure: public announcement)",
                )
            )
    lines = tuple(f"{t.code}: {t.reason} — {t.basis}" for t in triggers)
    return RegimeOutcome("appi", True, tuple(triggers), tuple(obligations), lines)


def my_number(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if C.MY_NUMBER not in facts.data_categories:
        return RegimeOutcome("mynumber", applies=False)
    if facts.exempt:
        return _exempt("mynumber", facts, "recovered before access or high-level encryption (PPC Rule Art. 2)")
    basis = "My Number Act Art. 29-4; PPC Rule Art. 2"
    triggers: list[Trigger] = []
    if facts.is_malicious:
        triggers.append(Trigger("mynumber.wrongful_purpose", f"{basis}(ii)", "wrongful purpose"))
    if facts.publicly_viewable:
        triggers.append(Trigger("mynumber.publicly_viewable", f"{basis}(iii)", "viewable by an unspecified number"))
    if facts.exceeds("JP", 100):
        count = "unknown" if facts.count_unknown else str(facts.subjects_in("JP"))
        triggers.append(Trigger("mynumber.over_100", f"{basis}(iv)", f"more than 100 people ({count})"))
    if not triggers:
        return RegimeOutcome("mynumber", True, explanation=("mynumber: My Number involved; no reportable situation",))
    t0 = facts.aware_at
    wrongful = any(t.code == "mynumber.wrongful_purpose" for t in triggers)
    final_due = days(t0, 60 if wrongful else 30)
    obligations = (
        Obligation(
            "mynumber.ppc_preliminary_report",
            "mynumber",
            Duty.REGULATOR_REPORT,
            days(t0, 5),
            "My Number Act Art. 29-4(1); PPC Rule Art. 3(1)",
            target_at=days(t0, 3),
        ),
        Obligation(
            "mynumber.ppc_final_report",
            "mynumber",
            Duty.REGULATOR_REPORT,
            final_due,
            "My Number Act Art. 29-4(1); PPC Rule Art. 3(2)",
        ),
        Obligation(
            "mynumber.notify_individuals", "mynumber", Duty.INDIVIDUAL_NOTICE, final_due, "My Number Act Art. 29-4(2)"
        ),
    )
    return RegimeOutcome(
        "mynumber", True, tuple(triggers), obligations, tuple(f"{t.code}: {t.reason} — {t.basis}" for t in triggers)
    )


def gdpr(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not (facts.region_counts("EU") or facts.entity_country in EEA):
        return RegimeOutcome("gdpr", applies=False)
    if facts.exempt:
        return _exempt("gdpr", facts, "unintelligible data or recovered before access (Art. 34(3)(a))")
    t0 = facts.aware_at
    processor = facts.entity_role is EntityRole.PROCESSOR
    obligations = [Obligation("gdpr.breach_register", "gdpr", Duty.RECORD, days(t0, 30), "GDPR Art. 33(5)")]
    special = facts.data_categories & GDPR_SPECIAL
    # special categories are presumed to harm (EDPB 9/2022): a high risk is never "unlikely to result in a risk"
    if severity.score < 1.5 and not special:
        return RegimeOutcome(
            "gdpr",
            True,
            (),
            tuple(obligations),
            (
                f"gdpr: unlikely to result in a risk (SE {severity.score:g} < 1.5); register only — "
                "GDPR Art. 33(1), 33(5)",
            ),
        )
    triggers = [Trigger("gdpr.risk", "GDPR Art. 33(1)", f"not unlikely to result in a risk (SE {severity.score:g})")]
    if processor:
        obligations.append(
            Obligation("gdpr.notify_controller", "gdpr", Duty.REGULATOR_REPORT, hours(t0, 24), "GDPR Art. 33(2)")
        )
    else:
        obligations.append(
            Obligation("gdpr.sa_notification", "gdpr", Duty.REGULATOR_REPORT, hours(t0, 72), "GDPR Art. 33(1)")
        )
    if severity.score >= 3 or special:
        why = f"special categories: {_names(special)}" if special else f"SE {severity.score:g} ≥ 3"
        triggers.append(Trigger("gdpr.high_risk", "GDPR Art. 34(1); EDPB Guidelines 9/2022", f"high risk ({why})"))
        if not processor:
            if facts.contact_info_available:
                obligations.append(
                    Obligation(
                        "gdpr.notify_data_subjects",
                        "gdpr",
                        Duty.INDIVIDUAL_NOTICE,
                        hours(t0, 72),
                        "GDPR Art. 34(1), 34(2)",
                    )
                )
            else:
                obligations.append(
                    Obligation(
                        "gdpr.public_communication", "gdpr", Duty.PUBLIC_NOTICE, hours(t0, 72), "GDPR Art. 34(3)(c)"
                    )
                )
    return RegimeOutcome(
        "gdpr", True, tuple(triggers), tuple(obligations), tuple(f"{t.code}: {t.reason} — {t.basis}" for t in triggers)
    )


def california(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not facts.region_counts("US-CA"):
        return RegimeOutcome("ccpa", applies=False)
    if facts.exempt:
        return _exempt("ccpa", facts, "encrypted (Cal. Civ. Code 1798.82(a)) or recovered")
    cats = facts.data_categories
    with_name = cats & CCPA_WITH_NAME if C.NAME in cats else frozenset()
    login = C.CREDENTIALS in cats and C.EMAIL in cats
    if not (with_name or login):
        return RegimeOutcome("ccpa", True, explanation=("ccpa: no personal information as 1798.82(h) defines it",))
    what = f"name with {_names(with_name)}" if with_name else "e-mail with credentials"
    t0 = facts.aware_at
    triggers = [Trigger("ccpa.personal_information", "Cal. Civ. Code 1798.82(a), (h)", what)]
    obligations = [
        Obligation(
            "ccpa.notify_residents",
            "ccpa",
            Duty.INDIVIDUAL_NOTICE,
            days(t0, 30),
            "Cal. Civ. Code 1798.82(a), (d) (30 days, SB 446)",
        )
    ]
    if facts.exceeds("US-CA", 500):
        triggers.append(Trigger("ccpa.over_500", "Cal. Civ. Code 1798.82(f)", "more than 500 California residents"))
        obligations.append(
            Obligation(
                "ccpa.ag_sample_notice",
                "ccpa",
                Duty.REGULATOR_REPORT,
                days(t0, 45),
                "Cal. Civ. Code 1798.82(f) (15 days after the resident notice)",
            )
        )
    return RegimeOutcome(
        "ccpa", True, tuple(triggers), tuple(obligations), tuple(f"{t.code}: {t.reason} — {t.basis}" for t in triggers)
    )


def thailand(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not facts.region_counts("TH"):
        return RegimeOutcome("pdpa_th", applies=False)
    if facts.exempt:
        return _exempt("pdpa_th", facts, "no risk: unintelligible or recovered (PDPA s.37(4))")
    if severity.score < 1.5:
        return RegimeOutcome("pdpa_th", True, explanation=(f"pdpa_th: no risk (SE {severity.score:g} < 1.5)",))
    t0 = facts.aware_at
    triggers = [Trigger("pdpa_th.risk", "Thai PDPA s.37(4)", f"risk to rights and freedoms (SE {severity.score:g})")]
    obligations = [
        Obligation(
            "pdpa_th.office_notification",
            "pdpa_th",
            Duty.REGULATOR_REPORT,
            hours(t0, 72),
            "Thai PDPA s.37(4); PDPC Notification on breach notification (2022)",
        )
    ]
    if severity.score >= 3:
        triggers.append(Trigger("pdpa_th.high_risk", "Thai PDPA s.37(4)", f"high risk (SE {severity.score:g} ≥ 3)"))
        obligations.append(
            Obligation(
                "pdpa_th.notify_data_subjects", "pdpa_th", Duty.INDIVIDUAL_NOTICE, hours(t0, 72), "Thai PDPA s.37(4)"
            )
        )
    return RegimeOutcome(
        "pdpa_th",
        True,
        tuple(triggers),
        tuple(obligations),
        tuple(f"{t.code}: {t.reason} — {t.basis}" for t in triggers),
    )


def singapore(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not facts.region_counts("SG"):
        return RegimeOutcome("pdpa_sg", applies=False)
    if facts.exempt:
        return _exempt("pdpa_sg", facts, "harm unlikely: encrypted or recovered (PDPA s.26D(5))")
    triggers: list[Trigger] = []
    if facts.at_least("SG", 500):
        triggers.append(
            Trigger(
                "pdpa_sg.significant_scale",
                "Singapore PDPA s.26B(1)(b); PDP (NDB) Reg. 4",
                "500 or more people in Singapore",
            )
        )
    if severity.score >= 3:
        triggers.append(
            Trigger(
                "pdpa_sg.significant_harm",
                "Singapore PDPA s.26B(1)(a)",
                f"significant harm likely (SE {severity.score:g} ≥ 3)",
            )
        )
    if not triggers:
        return RegimeOutcome("pdpa_sg", True, explanation=("pdpa_sg: not notifiable (s.26B)",))
    t0 = facts.aware_at
    obligations = [
        Obligation(
            "pdpa_sg.commission_notification", "pdpa_sg", Duty.REGULATOR_REPORT, days(t0, 3), "Singapore PDPA s.26D(1)"
        )
    ]
    if severity.score >= 3:
        obligations.append(
            Obligation(
                "pdpa_sg.notify_individuals", "pdpa_sg", Duty.INDIVIDUAL_NOTICE, days(t0, 3), "Singapore PDPA s.26D(2)"
            )
        )
    return RegimeOutcome(
        "pdpa_sg",
        True,
        tuple(triggers),
        tuple(obligations),
        tuple(f"{t.code}: {t.reason} — {t.basis}" for t in triggers),
    )


def korea(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    if not facts.region_counts("KR"):
        return RegimeOutcome("pipa_kr", applies=False)
    if facts.exempt:
        return _exempt("pipa_kr", facts, "risk removed: encrypted or recovered (PIPA Art. 34)")
    t0 = facts.aware_at
    triggers = [Trigger("pipa_kr.leak", "Korea PIPA Art. 34(1)", "personal information leaked")]
    obligations = [
        Obligation(
            "pipa_kr.notify_data_subjects",
            "pipa_kr",
            Duty.INDIVIDUAL_NOTICE,
            hours(t0, 72),
            "Korea PIPA Art. 34(1); Enforcement Decree Art. 39",
        )
    ]
    report_reasons = []
    if facts.at_least("KR", 1000):
        report_reasons.append(Trigger("pipa_kr.over_1000", "Korea PIPA Art. 34(3); Decree Art. 40", "1,000 or more"))
    if hits := facts.data_categories & SENSITIVE_ANY:
        report_reasons.append(
            Trigger("pipa_kr.sensitive", "Korea PIPA Art. 34(3); Art. 23", f"sensitive: {_names(hits)}")
        )
    if hits := facts.data_categories & KR_UNIQUE_ID:
        report_reasons.append(
            Trigger("pipa_kr.unique_id", "Korea PIPA Art. 34(3); Art. 24", f"unique ids: {_names(hits)}")
        )
    if facts.incident_kind in (IncidentKind.UNAUTHORIZED_ACCESS, IncidentKind.MALWARE):
        report_reasons.append(
            Trigger("pipa_kr.external_access", "Korea PIPA Art. 34(3); Decree Art. 40", "external unauthorised access")
        )
    if report_reasons:
        triggers += report_reasons
        obligations.append(
            Obligation(
                "pipa_kr.pipc_report",
                "pipa_kr",
                Duty.REGULATOR_REPORT,
                hours(t0, 72),
                "Korea PIPA Art. 34(3); Enforcement Decree Art. 40",
            )
        )
    return RegimeOutcome(
        "pipa_kr",
        True,
        tuple(triggers),
        tuple(obligations),
        tuple(f"{t.code}: {t.reason} — {t.basis}" for t in triggers),
    )


def internal(facts: IncidentFacts, severity: Severity) -> RegimeOutcome:
    t0 = facts.aware_at
    return RegimeOutcome(
        "internal",
        True,
        (),
        (
            Obligation(
                "internal.report_to_desk",
                "internal",
                Duty.INTERNAL,
                days(t0, 1),
                "JIS Q 15001 A.3.3.7 (emergency procedure); APPI guideline 3-5-2",
            ),
            Obligation(
                "internal.recurrence_prevention",
                "internal",
                Duty.INTERNAL,
                days(t0, 30),
                "JIS Q 15001 A.3.3.7; APPI guideline 3-5-2 (recurrence prevention)",
            ),
        ),
    )
