"""ENISA 2013 severity: SE = DPC × EI + CB (docs/rules.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.shared.vocabulary import DataCategory as C
from pidesk.shared.vocabulary import Encryption, IncidentKind, RiskLevel

BASIS = "ENISA, Recommendations for a methodology of the assessment of severity of personal data breaches (2013)"

DPC: dict[C, int] = {
    **dict.fromkeys(
        [
            C.NAME,
            C.ADDRESS,
            C.EMAIL,
            C.PHONE,
            C.MOBILE_PHONE,
            C.BIRTH_DATE,
            C.GENDER,
            C.PHOTO,
            C.EMPLOYEE_ID,
            C.CUSTOMER_ID,
            C.OTHER,
        ],
        1,
    ),
    **dict.fromkeys([C.LOCATION, C.BROWSING_HISTORY, C.PURCHASE_HISTORY, C.COMMUNICATIONS_CONTENT, C.BIRTHPLACE], 2),
    **dict.fromkeys([C.BANK_ACCOUNT, C.PAYMENT_HISTORY, C.CREDENTIALS, C.MY_NUMBER, C.GOVERNMENT_ID, C.SSN], 3),
    **dict.fromkeys(
        [
            C.CREDIT_CARD,
            C.ONLINE_BANKING_CREDENTIALS,
            C.HEALTH,
            C.MEDICAL_HISTORY,
            C.HEALTH_CHECKUP,
            C.DISABILITY,
            C.CRIMINAL_RECORD,
            C.CRIME_VICTIM,
            C.RACE_ETHNICITY,
            C.RELIGION_CREED,
            C.POLITICAL_OPINION,
            C.TRADE_UNION,
            C.SEXUAL_ORIENTATION,
            C.GENETIC,
            C.BIOMETRIC,
            C.SOCIAL_STATUS,
        ],
        4,
    ),
}
DPC_MEANING = {1: "simple", 2: "behavioural", 3: "financial or identity", 4: "sensitive, or enables transactions"}

# Ease of identification: the first tier any category reaches
EI_TIERS: list[tuple[float, frozenset[C]]] = [
    (1.0, frozenset({C.NAME, C.PHOTO, C.MY_NUMBER, C.GOVERNMENT_ID, C.SSN, C.BIOMETRIC})),
    (0.75, frozenset({C.EMAIL, C.PHONE, C.MOBILE_PHONE, C.ADDRESS, C.EMPLOYEE_ID, C.CUSTOMER_ID, C.CREDENTIALS})),
    (0.5, frozenset({C.BIRTH_DATE, C.BIRTHPLACE, C.LOCATION})),
]
UNKNOWN_RECIPIENT_KINDS = frozenset(
    {
        IncidentKind.UNAUTHORIZED_ACCESS,
        IncidentKind.MALWARE,
        IncidentKind.THEFT,
        IncidentKind.INSIDER_TAKEOUT,
        IncidentKind.PUBLIC_EXPOSURE,
    }
)
BANDS: list[tuple[float, RiskLevel]] = [(4.0, RiskLevel.VERY_HIGH), (3.0, RiskLevel.HIGH), (2.0, RiskLevel.MEDIUM)]


@dataclass(frozen=True)
class Severity:
    dpc: int
    ei: float
    cb: float
    score: float
    band: RiskLevel
    explanation: tuple[str, ...]


def data_processing_context(facts: IncidentFacts) -> tuple[int, str]:
    worst = max(facts.data_categories, key=lambda c: DPC[c])
    return DPC[worst], f"DPC {DPC[worst]} ({DPC_MEANING[DPC[worst]]}: {worst.value})"


def ease_of_identification(facts: IncidentFacts) -> tuple[float, str]:
    if facts.encryption is Encryption.HIGH_LEVEL or facts.recovered_before_access:
        return 0.25, "EI 0.25 (unintelligible or recovered before access)"
    for value, categories in EI_TIERS:
        hits = sorted(c.value for c in facts.data_categories & categories)
        if hits:
            return value, f"EI {value} ({', '.join(hits)})"
    return 0.25, "EI 0.25 (no directly identifying data)"


def circumstances(facts: IncidentFacts) -> tuple[float, str]:
    parts: list[str] = []
    if facts.exempt:
        confidentiality = 0.0
        parts.append("confidentiality 0 (unintelligible or recovered)")
    elif facts.publicly_viewable or facts.incident_kind in UNKNOWN_RECIPIENT_KINDS:
        confidentiality = 0.5
        parts.append("confidentiality 0.5 (unknown recipients)")
    elif facts.incident_kind is IncidentKind.LOSS:
        confidentiality = 0.0
        parts.append("confidentiality 0 (lost)")
    else:
        confidentiality = 0.25
        parts.append("confidentiality 0.25 (known recipients)")
    availability = 0.25 if facts.incident_kind is IncidentKind.MALWARE else 0.0
    if availability:
        parts.append("availability 0.25 (malware)")
    malice = 0.5 if facts.is_malicious else 0.0
    if malice:
        parts.append("malice 0.5")
    total = confidentiality + availability + malice
    return total, f"CB {total:g} ({'; '.join(parts)})"


def band(score: float) -> RiskLevel:
    for floor, level in BANDS:
        if score >= floor:
            return level
    return RiskLevel.LOW


def severity(facts: IncidentFacts) -> Severity:
    dpc, dpc_why = data_processing_context(facts)
    ei, ei_why = ease_of_identification(facts)
    cb, cb_why = circumstances(facts)
    score = round(dpc * ei + cb, 4)
    level = band(score)
    line = f"Severity {score:g} = {dpc_why} × {ei_why} + {cb_why} → {level.value} — {BASIS}"
    return Severity(dpc=dpc, ei=ei, cb=cb, score=score, band=level, explanation=(line,))
