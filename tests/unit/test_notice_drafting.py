"""Which notices the obligations call for, and what each one says, in Japanese and English (pure code)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from typing import Any

import pytest

from pidesk.services.notifier.adapters.mail import FAILED, RETRY, _refusal, compose
from pidesk.services.notifier.adapters.rendering import markdown_html, render_notice, salutation
from pidesk.services.notifier.domain.context import Contact, alert_context, format_time, notice_context
from pidesk.services.notifier.domain.plan import NoticePlan, plan_notices, template_for
from pidesk.shared import labels
from pidesk.shared.vocabulary import DataCategory, IncidentKind

CONTACT = Contact(
    name={"ja": "お客様相談窓口", "en": "Customer Privacy Desk"},
    email="privacy@example.com",
    phone="0120-123-456",
    hours={"ja": "平日 9時〜17時", "en": "weekdays 9:00-17:00 JST"},
    url="https://example.com/notices/public",
    dpo_name={"ja": "データ保護責任者", "en": "Data Protection Officer"},
    dpo_email="dpo@example.com",
)
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
FACTS: dict[str, Any] = {
    "incident_kind": "misdelivery",
    "data_categories": ["name", "credit_card"],
    "affected_count": 1500,
    "subject_regions": {"JP": 1200, "EU": 200, "US-CA": 100},
    "aware_at": "2026-11-20T01:15:00+00:00",
    "occurred_at": "2026-11-19T00:00:00+00:00",
    "encryption": "none",
}


def obligation(code: str, status: str = "pending", basis: str = "") -> dict[str, str]:
    return {"code": code, "due_at": "2026-11-25T01:15:00+00:00", "status": status, "basis": basis or f"basis of {code}"}


ALL = [
    obligation("internal.report_to_desk"),
    obligation("appi.ppc_preliminary_report", basis="APPI Art. 26(1); Enforcement Rules Art. 8(1)"),
    obligation("appi.ppc_final_report"),
    obligation("appi.notify_individuals"),
    obligation("appi.public_announcement"),
    obligation("gdpr.sa_notification", basis="GDPR Art. 33(1)"),
    obligation("gdpr.notify_data_subjects"),
    obligation("ccpa.notify_residents"),
    obligation("ccpa.ag_sample_notice", basis="Cal. Civ. Code §1798.82(f)"),
    obligation("pdpa_th.office_notification"),
]


def render(plan: NoticePlan, language: str, facts: dict[str, Any] | None = None, name: str = "") -> tuple[str, str]:
    context = notice_context(
        plan=plan,
        language=language,
        reference="PI-2026-000123",
        company="Example Holdings",
        facts=facts or FACTS,
        assessment={"risk_level": "very_high", "obligations": ALL},
        contact=CONTACT,
        now=NOW,
    )
    context["recipient_name"] = name
    rendered = render_notice(plan.template, language, context)
    return rendered.subject, rendered.body


def test_the_obligations_call_for_one_notice_of_each_kind_and_a_draft_per_authority() -> None:
    plans = {(p.kind, p.variant): p for p in plan_notices(ALL)}
    assert set(plans) == {
        ("data_subject", "subjects"),
        ("public", "public"),
        ("regulator_draft", "ppc"),
        ("regulator_draft", "gdpr_sa"),
        ("regulator_draft", "ca_ag"),
        ("regulator_draft", "th_pdpc"),
    }
    subjects = plans[("data_subject", "subjects")]
    assert subjects.obligations == ("appi.notify_individuals", "ccpa.notify_residents", "gdpr.notify_data_subjects")
    assert plans[("regulator_draft", "ppc")].report_stage == "preliminary"
    assert all(template_for(p.kind, p.variant) == p.template for p in plans.values())


def test_internal_duties_alone_call_for_no_notice_and_withdrawn_ones_call_for_nothing() -> None:
    assert plan_notices([obligation("internal.report_to_desk"), obligation("gdpr.breach_register")]) == []
    assert plan_notices([obligation("appi.notify_individuals", "withdrawn")]) == []


def test_the_ppc_draft_becomes_the_final_report_once_the_preliminary_one_is_done() -> None:
    done = [obligation("appi.ppc_preliminary_report", "done"), obligation("appi.ppc_final_report")]
    (plan,) = plan_notices(done)
    assert plan.report_stage == "final"
    subject, body = render(plan, "ja")
    assert "確報" in subject + body


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_template_renders_for_every_kind_and_category_without_gaps_in_the_code(language: str) -> None:
    for kind in IncidentKind:
        facts = {**FACTS, "incident_kind": kind.value, "data_categories": [c.value for c in DataCategory]}
        for plan in plan_notices(ALL):
            subject, body = render(plan, language, facts)
            assert "PI-2026-000123" in subject and body.strip(), (kind, plan.template)
            assert "None" not in body and "{{" not in body, (kind, plan.template)


def test_the_data_subject_notice_in_english_has_californias_five_headings_and_gdpr_items() -> None:
    plan = next(p for p in plan_notices(ALL) if p.kind == "data_subject")
    subject, body = render(plan, "en", name="Jane Doe")
    assert subject == "Notice of Data Breach – Example Holdings (PI-2026-000123)"
    headings = ["What Happened", "What Information Was Involved", "What We Are Doing", "What You Can Do"]
    positions = [body.index(f"## {h}") for h in [*headings, "For More Information"]]
    assert positions == sorted(positions)
    assert "Dear Jane Doe" in body
    assert "credit card" in body.lower() and "dpo@example.com" in body  # GDPR Art. 33(3)(b)
    assert "0120-123-456" in body and "PI-2026-000123" in body


def test_the_data_subject_notice_in_japanese_covers_appi_rules_article_10() -> None:
    plan = next(p for p in plan_notices(ALL) if p.kind == "data_subject")
    subject, body = render(plan, "ja", name="山田 太郎")
    assert subject.startswith("【Example Holdings】") and "お知らせ" in subject
    assert "山田 太郎 様" in body
    for item in ("概要", "クレジットカード番号", "原因", "二次被害", "お問い合わせ"):
        assert item in body, item
    assert "2026年11月20日 10:15（日本時間）" in body


def test_the_public_notice_names_no_one() -> None:
    plan = next(p for p in plan_notices(ALL) if p.kind == "public")
    for language in ("ja", "en"):
        _subject, body = render(plan, language, name="山田 太郎")
        assert "山田" not in body and "Dear" not in body


def test_the_ppc_draft_has_the_nine_items_of_rules_article_8() -> None:
    plan = next(p for p in plan_notices(ALL) if p.variant == "ppc")
    _subject, body = render(plan, "ja")
    for item in ("概要", "項目", "本人の数", "原因", "二次被害", "本人への対応", "公表", "再発防止", "その他参考"):
        assert item in body, item
    assert "1,500" in body or "1500" in body


def test_the_supervisory_authority_draft_follows_gdpr_article_33_3() -> None:
    plan = next(p for p in plan_notices(ALL) if p.variant == "gdpr_sa")
    _subject, body = render(plan, "en")
    for item in ("(a)", "(b)", "(c)", "(d)", "72"):
        assert item in body, item
    assert "33(3)" in body and "33(4)" in body


def test_times_are_shown_in_jst_for_japanese_readers_and_utc_with_jst_for_english_ones() -> None:
    moment = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    assert format_time(moment, "ja") == "2026年11月21日 01:30（日本時間）"
    assert format_time(moment, "en") == "20 November 2026, 16:30 UTC (01:30 JST)"
    assert format_time(None, "en") is None


def test_labels_cover_every_kind_and_category_in_both_languages() -> None:
    for code in [*IncidentKind, *DataCategory]:
        table = labels.KIND_LABELS if code in set(IncidentKind) else labels.CATEGORY_LABELS
        assert table[code.value]["ja"] and table[code.value]["en"], code


def test_an_internal_alert_names_the_reference_risk_and_the_nearest_deadline() -> None:
    event = {
        "reference": "PI-2026-000123",
        "target": "promotion_bureau",
        "step": 2,
        "reason": "escalated",
        "risk_level": "high",
        "ack_due_at": "2026-11-23T05:00:00+00:00",
        "nearest_obligation": obligation("appi.ppc_preliminary_report"),
    }
    for language, expected in (("ja", "2026年11月23日 14:00（日本時間）"), ("en", "23 November 2026, 05:00 UTC")):
        rendered = render_notice("internal_alert", language, alert_context(event, language, "https://desk/i/1"))
        assert "PI-2026-000123" in rendered.subject and expected in rendered.subject
        assert "https://desk/i/1" in rendered.body


def test_a_japanese_notice_travels_as_utf8_mime_with_encoded_headers() -> None:
    plan = next(p for p in plan_notices(ALL) if p.kind == "data_subject")
    subject, body = render(plan, "ja", name="山田 太郎")
    message = compose(
        sender="privacy@example.com",
        sender_name="個人情報お問い合わせ窓口",
        to="taro@example.net",
        to_name="山田 太郎",
        subject=subject,
        body=body,
        language="ja",
        message_id="<n1.1@example.com>",
        reference="PI-2026-000123",
        now=NOW,
    )
    raw = message.as_bytes()
    headers = raw.split(b"\n\n", 1)[0]
    assert headers.isascii()  # RFC 2047 encoded words, nothing raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == subject
    assert parsed["Message-ID"] == "<n1.1@example.com>"
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert "山田 太郎 様" in plain.get_content() and "クレジットカード番号" in html.get_content()


def test_markdown_from_the_desk_cannot_inject_html() -> None:
    assert "<script>" not in markdown_html("hello <script>alert(1)</script>")


def test_smtp_answers_4xx_are_retried_and_5xx_are_final() -> None:
    assert _refusal(451, "try later").status == RETRY
    assert _refusal(421, "closing").status == RETRY
    assert _refusal(550, "no such user").status == FAILED
    assert _refusal(554, "rejected").status == FAILED


def test_the_desks_own_wording_opens_with_the_persons_name() -> None:
    assert salutation("山田 太郎", "ja") == "山田 太郎 様\n\n"
    assert salutation("Jane  Doe", "en") == "Dear Jane Doe,\n\n"
    assert salutation("", "en") == ""
