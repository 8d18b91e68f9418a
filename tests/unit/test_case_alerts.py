"""Issue 17: what a case's routed people are told (pure). The escalation request escalation builds for a
government request's or complaint's tier, and the mail the notifier makes of it, in Japanese and English:
the kind, the reference, the role and why, the deadline and the desk link, and nothing else of the case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pidesk.services.escalation.domain.case_alerts import case_alert
from pidesk.services.notifier.adapters.rendering import render_notice
from pidesk.services.notifier.domain.alert_mail import compose
from pidesk.services.notifier.domain.context import alert_context, desk_link
from pidesk.services.notifier.domain.pacing import Pacing, alert_mailing, digestible, rate_exempt
from pidesk.services.notifier.domain.priority import CASE_PRIORITY, alert_priority
from pidesk.services.notifier.service.alerts import plan_alerts
from pidesk.shared.events import CASE_RISK, EscalationRequested, Recipient
from pidesk.shared.vocabulary import CaseKind

NOW = datetime(2026, 12, 1, 1, 10, tzinfo=UTC)  # 10:10 JST
DESK = "https://desk.example/desk"
CASE_ID = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
PEOPLE = [
    Recipient(name="Ken", email="ken@example.com", language="ja", chat_webhook="https://chat.example/hook"),
    Recipient(name="Lee", email="lee@example.com", language="en", digest="daily"),
]


def request_alert(reason: str = "routed", **values: object) -> EscalationRequested:
    fields: dict[str, object] = {
        "target": "division_manager",
        "step": 1,
        "reason": reason,
        "ack_due_at": NOW + timedelta(hours=4),
        "recipients": PEOPLE,
        "now": NOW,
    } | values
    return case_alert(CaseKind.GOVERNMENT_REQUEST, "GR-2026-000042", **fields)  # type: ignore[arg-type]


def rendered(event: EscalationRequested, language: str) -> tuple[str, str]:
    link = desk_link(DESK, CASE_ID, event.case)
    values = compose(
        [alert_context(event.model_dump(mode="json"), language, link)], language=language, desk_url=DESK, now=NOW
    )
    mail = render_notice("internal_alert", language, values)
    return mail.subject, mail.body


def test_the_event_names_the_case_by_kind_and_reference_only() -> None:
    event = request_alert()
    assert (event.case, event.reference, event.target, event.step, event.reason) == (
        CaseKind.GOVERNMENT_REQUEST,
        "GR-2026-000042",
        "division_manager",
        1,
        "routed",
    )
    assert event.risk_level == CASE_RISK and event.ack_due_at == NOW + timedelta(hours=4)
    assert event.nearest_obligation is None and event.obligations == [] and event.group is None
    # the contract: the same version still reads an incident's event without the field
    incident = event.model_dump(mode="json") | {"reference": "PI-2026-000001", "risk_level": "high"}
    del incident["case"]
    assert EscalationRequested.model_validate(incident).case is None
    with pytest.raises(ValueError, match="routed or escalated"):
        request_alert("manual")


def test_a_request_tier_is_mailed_in_each_language_with_its_link_and_deadline() -> None:
    subject, body = rendered(request_alert(), "en")
    assert subject == (
        "[pidesk] GR-2026-000042 government or law-enforcement request: division manager, "
        "due 1 December 2026, 05:10 UTC (14:10 JST)"
    )
    assert (
        "A government or law-enforcement request, **GR-2026-000042**, needs you as division manager (step 1)." in body
    )
    assert "- Acknowledge by: 1 December 2026, 05:10 UTC (14:10 JST)" in body
    assert f"{DESK}/government-requests/{CASE_ID}" in body
    assert "Risk" not in body and "incident" not in body and "no details of the case" in body

    subject, body = rendered(request_alert("escalated", target="pi_administrator", step=2), "ja")
    assert subject.startswith(
        "[pidesk] GR-2026-000042 政府・捜査機関からの情報提供要請（受領確認がないためエスカレーション） "
    )
    assert "個人情報保護管理者（第2段階）としての対応をお願いします" in body
    assert "受領確認の期限: 2026年12月1日 14:10（日本時間）" in body
    assert f"{DESK}/government-requests/{CASE_ID}" in body and "リスク" not in body


def test_a_complaint_links_to_its_own_page() -> None:
    event = case_alert(
        CaseKind.PRIVACY_COMPLAINT,
        "PC-2026-000007",
        target="promotion_bureau",
        step=1,
        reason="routed",
        ack_due_at=NOW + timedelta(days=2),
        recipients=PEOPLE,
        now=NOW,
    )
    subject, body = rendered(event, "en")
    assert subject.startswith("[pidesk] PC-2026-000007 privacy complaint: Personal Information Protection")
    assert f"{DESK}/complaints/{CASE_ID}" in body and "A privacy complaint, **PC-2026-000007**" in body


def test_a_case_tier_goes_at_once_to_every_person_and_chat() -> None:
    event = request_alert()
    assert rate_exempt(event) and not digestible(event, NOW + timedelta(hours=8))
    mailing = alert_mailing(CASE_ID, event, Pacing(per_hour=1))
    assert mailing.exempt and mailing.digest_at is None  # Lee takes a daily digest: not for a case
    assert alert_priority(event.risk_level, event.source, case=event.case) == CASE_PRIORITY
    planned = plan_alerts(CASE_ID, event, DESK)
    assert [(a.language, [p[0] for p in a.people]) for a in planned] == [
        ("en", ["lee@example.com"]),
        ("ja", ["ken@example.com"]),
    ]
    assert [a.link for a in planned] == [f"{DESK}/government-requests/{CASE_ID}"] * 2
    assert planned[0].chats == [("https://chat.example/hook", "", "en")] and planned[1].chats == []
    assert len({a.notice_id for a in planned}) == 2  # the same event again: the same notices (idempotent)
    assert [a.notice_id for a in plan_alerts(CASE_ID, request_alert(), DESK)] == [a.notice_id for a in planned]


def test_an_incidents_alert_leaves_the_case_out_so_a_notifier_from_before_cases_reads_it() -> None:
    """Rolling out: escalation may be upgraded before the notifier, whose payloads forbid unknown fields."""
    incident_alert = EscalationRequested(
        reference="PI-2026-000001",
        target="security_contact_desk",
        step=1,
        reason="routed",
        risk_level="high",
        recipients=PEOPLE,
        requested_at=NOW,
    )
    payload = incident_alert.envelope(incident_id=CASE_ID, producer="escalation").payload
    assert "case" not in payload

    class BeforeCases(EscalationRequested):  # the payload as a notifier from before issue 17 knew it
        model_config = {"extra": "forbid"}

    BeforeCases.model_fields.pop("case")
    BeforeCases.model_rebuild(force=True)
    assert BeforeCases.model_validate(payload).reference == "PI-2026-000001"
    with pytest.raises(ValueError, match="case"):
        BeforeCases.model_validate(payload | {"case": None})  # what it would have refused
    # a case's alert names its kind: only a notifier that knows cases is sent one
    case_payload = request_alert().envelope(incident_id=CASE_ID, producer="escalation").payload
    assert case_payload["case"] == "government_request"
    assert EscalationRequested.model_validate(payload) == incident_alert
