"""The values a notice template is rendered with: an incident's classifications, in one language.

Pure: no I/O. Events never carry free text, so what only the desk knows (the cause, the measures
decided) is left as a marked gap for the desk to complete before approving.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pidesk.services.notifier.domain.alert_mail import compose
from pidesk.services.notifier.domain.companies import GroupCompanies
from pidesk.services.notifier.domain.plan import NoticePlan, regimes
from pidesk.shared import labels
from pidesk.shared.japan_time import JST

SENSITIVE = frozenset(
    {
        "health", "medical_history", "health_checkup", "disability", "criminal_record", "crime_victim",
        "race_ethnicity", "religion_creed", "political_opinion", "trade_union", "sexual_orientation",
        "genetic", "biometric", "social_status",
    }
)  # fmt: skip
# Regimes whose notices name the data protection officer (GDPR and UK GDPR Art. 33(3)(b), 34(2); LGPD Art. 41
# encarregado; NPC Circular 16-03 ss 17-18).
DPO_REGIMES = frozenset({"gdpr", "ukgdpr", "lgpd", "dpa_ph"})
TO_COMPLETE = {"ja": "〔要記入〕", "en": "[to be completed by the desk]"}
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Contact:
    """Who notices speak for and how to reach them: the contact point printed on notices (the incident desk,
    or the group company's privacy office), and the group companies (from the directory) whose official
    name a notice prints for a report's free-text company (none known: a neutral wording)."""

    name: dict[str, str]
    email: str
    phone: str
    hours: dict[str, str]
    url: str
    dpo_name: dict[str, str]
    dpo_email: str
    companies: GroupCompanies = field(default_factory=GroupCompanies)


def format_time(value: datetime | str | None, language: str) -> str | None:
    """`2026年11月20日 14:05（日本時間）` or `20 November 2026, 05:05 UTC (14:05 JST)`."""
    if value is None:
        return None
    return _formatted_time(value, language)


@lru_cache(maxsize=4096)  # an alert's deadlines are formatted for each of its recipients and languages
def _formatted_time(value: datetime | str, language: str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(JST)
    if language == "ja":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（日本時間）"
    utc = moment.astimezone(UTC)
    return f"{utc.day} {EN_MONTHS[utc.month - 1]} {utc.year}, {utc:%H:%M} UTC ({local:%H:%M} JST)"


def format_date(value: datetime, language: str) -> str:
    local = value.astimezone(JST)
    if language == "ja":
        return f"{local.year}年{local.month}月{local.day}日"
    return f"{local.day} {EN_MONTHS[local.month - 1]} {local.year}"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def notice_context(
    *,
    plan: NoticePlan,
    language: str,
    reference: str,
    company: str,
    facts: dict[str, Any],
    assessment: dict[str, Any],
    contact: Contact,
    now: datetime,
) -> dict[str, Any]:
    """Everything the templates in `templates/notices/` may use (see their header comment). `company` is the
    name printed: a group company's official name from the directory, never a report's free text."""
    categories: list[str] = list(facts.get("data_categories") or [])
    obligations = [o for o in assessment.get("obligations", []) if o.get("status") != "withdrawn"]
    codes = [o["code"] for o in obligations]
    kind = str(facts.get("incident_kind", "other"))
    regions = facts.get("subject_regions") or {}
    return {
        "language": language,
        "reference": reference,
        "company": company,
        "kind": labels.label(labels.KIND_LABELS, kind, language),
        "kind_code": kind,
        "categories": [labels.label(labels.CATEGORY_LABELS, c, language) for c in categories],
        "category_codes": categories,
        "sensitive": bool(SENSITIVE & set(categories)),
        "affected_count": facts.get("affected_count"),
        "regions": [
            {"code": code, "name": labels.label(labels.COUNTRY_NAMES, code, language), "count": count}
            for code, count in sorted(regions.items(), key=lambda item: (-item[1], item[0]))
        ],
        "occurred_at": format_time(facts.get("occurred_at"), language),
        "aware_at": format_time(facts.get("aware_at"), language) or TO_COMPLETE[language],
        "notice_date": format_date(now, language),
        "encryption": str(facts.get("encryption", "none")),
        "recovered_before_access": bool(facts.get("recovered_before_access", False)),
        "publicly_viewable": bool(facts.get("publicly_viewable", False)),
        "malicious": facts.get("malicious"),
        "entity_role": str(facts.get("entity_role", "controller")),
        "risk_level": labels.label(labels.RISK_LABELS, str(assessment.get("risk_level", "")), language),
        "regimes": regimes(codes),
        "obligations": [
            {
                "code": o["code"],
                "label": labels.label(labels.OBLIGATION_LABELS, o["code"], language),
                "basis": o.get("basis", ""),
                "due_at": format_time(o.get("due_at"), language) or "",
            }
            for o in obligations
            if o["code"] in plan.obligations or plan.kind != "regulator_draft"
        ],
        "consequences": _unique([_pick(labels.CONSEQUENCES, c, language) for c in categories]),
        "measures": _unique([_pick(labels.MEASURES, kind, language)]),
        "advice": _unique([_pick(labels.ADVICE, c, language) for c in categories]),
        "contact": {
            "name": contact.name[language],
            "email": contact.email,
            "phone": contact.phone,
            "hours": contact.hours[language],
            "url": contact.url,
        },
        "dpo": {"name": contact.dpo_name[language], "email": contact.dpo_email}
        if DPO_REGIMES & set(regimes(codes))
        else None,
        "authority": (
            {"name": plan.authority.name[language], "basis": _basis(obligations, plan.obligations)}
            if plan.authority
            else None
        ),
        "report_stage": plan.report_stage,
        "recipient_name": "",
        "to_complete": TO_COMPLETE[language],
    }


def _pick(table: dict[str, dict[str, str]], code: str, language: str) -> str:
    entry = table.get(code) or table.get("other")
    return (entry or {}).get(language, "")


def _basis(obligations: list[dict[str, Any]], codes: tuple[str, ...]) -> str:
    return "; ".join(_unique([o.get("basis", "") for o in obligations if o["code"] in codes]))


# The desk page of each kind of case (issue 17; services/escalation/dashboard/case_pages.py)
CASE_PAGES = {"government_request": "government-requests", "privacy_complaint": "complaints"}


def desk_link(desk_url: str, incident_id: object, case: str | None = None) -> str:
    """The desk page an alert links to: the incident's, or the case's (`case`: its kind)."""
    page = CASE_PAGES[case] if case is not None else "incidents"
    return f"{desk_url.rstrip('/')}/{page}/{incident_id}"


def alert_context(event: dict[str, Any], language: str, desk_url: str) -> dict[str, Any]:
    """The internal alert's values, from a pidesk.escalation.requested.v1 payload (`desk_url`: the incident
    on the desk): the event's own, from which mails carrying several alerts are folded, and those of a
    mail carrying this one alone (`alert_mail.compose`), so the stored context renders its template."""
    values = _alert_values(event, language, desk_url)
    moment = event.get("requested_at")
    now = datetime.fromisoformat(moment) if moment else datetime.now(UTC)
    return values | compose([values], language=language, desk_url=desk_url, now=now)


def _alert_values(event: dict[str, Any], language: str, desk_url: str) -> dict[str, Any]:
    obligation = event.get("nearest_obligation")
    ack_due = format_time(event.get("ack_due_at"), language)
    due = format_time(obligation["due_at"], language) if obligation else None
    moments = [datetime.fromisoformat(m) for m in (event.get("ack_due_at"), (obligation or {}).get("due_at")) if m]
    case = event.get("case")
    return {
        "reference": event["reference"],
        # a government request or privacy complaint (issue 17): its kind only, never what it is about
        "case_code": case,
        "case": labels.label(labels.CASE_KIND_LABELS, case, language) if case else None,
        "target": labels.label(labels.TARGET_LABELS, event["target"], language),
        "target_code": event["target"],
        "step": event["step"],
        "reason_code": event["reason"],
        "reason": labels.label(REASON_LABELS, event["reason"], language),
        "risk_level": "" if case else labels.label(labels.RISK_LABELS, event["risk_level"], language),
        "risk_code": event["risk_level"],
        "requested_at": event.get("requested_at"),
        "ack_due_at": ack_due,
        "deadline": format_time(min(moments), language) if moments else None,
        "deadline_iso": min(moments).isoformat() if moments else None,
        "obligation": (
            {
                "label": labels.label(labels.OBLIGATION_LABELS, obligation["code"], language),
                "due_at": due,
                "basis": obligation.get("basis", ""),
            }
            if obligation
            else None
        ),
        "obligations": [obligation_entry(o, language) for o in covered_obligations(event)],
        "group": event.get("group"),
        "desk_url": desk_url,
        "recipient_name": "",
    }


REASON_LABELS: dict[str, dict[str, str]] = {
    **labels.REASON_LABELS,
    "group_update": {"ja": "アラートのグループが拡大しました", "en": "the group of alerts grew"},
}


def covered_obligations(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The obligations a reminder covers: its `obligations`, else (an event of before the list) its one code."""
    if event.get("obligations"):
        return list(event["obligations"])
    code = event.get("obligation_code")
    if not code or event.get("reason") != "obligation_reminder":
        return []
    nearest = event.get("nearest_obligation") or {}
    return [nearest if nearest.get("code") == code else {"code": code}]


def obligation_entry(obligation: dict[str, Any], language: str) -> dict[str, Any]:
    code = obligation["code"]
    return {
        "code": code,
        "label": labels.label(labels.OBLIGATION_LABELS, code, language),
        "due_at": format_time(obligation.get("due_at"), language) or "",
        "due_iso": obligation.get("due_at"),
        "basis": obligation.get("basis", ""),
    }
