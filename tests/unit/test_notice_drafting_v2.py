"""Notices for the v2 regimes (docs/rules.md §2b, issue 15 item 6): each new authority's draft with the items its law
requires, in Japanese and English; data-subject notices with each law's items; paragraphs render as paragraphs."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pidesk.services.notifier.adapters.rendering import markdown_html, render_notice
from pidesk.services.notifier.domain.context import alert_context, notice_context
from pidesk.services.notifier.domain.plan import (
    AUTHORITIES,
    PMARK_DUTIES,
    PPC_DUTIES,
    PUBLIC_DUTIES,
    SUBJECT_DUTIES,
    NoticePlan,
    plan_notices,
    template_for,
)
from tests.unit.test_notice_drafting import CONTACT, FACTS, NOW, obligation

# The authority's name and the headings of the items its law requires, by obligation and language.
REQUIRED: dict[str, dict[str, tuple[str, list[str]]]] = {
    "ukgdpr.ico_notification": {
        "en": (
            "Information Commissioner's Office",
            ["(a) Nature of the breach", "(b) Name and contact details of the data protection officer",
             "(c) Likely consequences", "(d) Measures taken or proposed", "Reasons for the delay"],
        ),
        "ja": ("英国情報コミッショナー事務局", ["(a) 侵害の性質", "(b) データ保護責任者", "(c) 侵害により生じ得る結果",
                                            "(d) 侵害に対処するために講じた", "遅延の理由"]),
    },
    "pipl.authority_notification": {
        "en": ("Cyberspace Administration of China (CAC) and the sector regulator",
               ["(1) Kinds of personal information involved, the cause, and the harm",
                "(2) Remedial measures taken", "(3) Contact details of the personal information handler"]),
        "ja": ("業種監督部門", ["(1) 漏えい等した個人情報の種類、原因及び生じ得る損害", "(2) 処理者が講じた救済措置",
                              "(3) 個人情報処理者の連絡先"]),
    },
    "cn_cac.incident_report": {
        "en": ("provincial Cyberspace Administration",
               ["(1) Reporting organisation", "(2) Time, place and type of the incident", "(3) Incident level",
                "(4) Impact and harm", "(5) Measures taken and their effect", "(7) Preliminary analysis of the cause"]),
        "ja": ("省級インターネット情報弁公室", ["(1) 報告単位", "(2) 事件の発生時刻・場所・種類", "(3) 事件の等級",
                                           "(4) 生じた影響及び損害", "(5) 講じた措置及びその効果",
                                           "(7) 原因の初期分析"]),
    },
    "ndb_au.oaic_statement": {
        "en": ("Office of the Australian Information Commissioner",
               ["(a) Identity and contact details of the entity", "(b) Description of the eligible data breach",
                "(c) Kinds of information concerned", "(d) Recommendations about the steps individuals should take"]),
        "ja": ("豪州情報コミッショナー事務局", ["(a) 事業者の名称及び連絡先", "(b) 適格データ侵害の内容",
                                            "(c) 対象となった情報の種類", "(d) 個人が講じるべき措置に関する推奨事項"]),
    },
    "dpdp_in.board_intimation": {
        "en": ("Data Protection Board of India", ["nature, extent, timing and location", "Likely impact"]),
        "ja": ("インドデータ保護委員会", ["性質、範囲、発生時期及び発生場所", "想定される影響"]),
    },
    "dpdp_in.board_report": {
        "en": ("Data Protection Board of India",
               ["(i) Updated and detailed information", "(ii) Broad facts on the events, circumstances and reasons",
                "(iii) Measures implemented or proposed to mitigate", "(iv) Findings regarding the person",
                "(v) Remedial measures taken to prevent recurrence", "(vi) Report on the intimations"]),
        "ja": ("インドデータ保護委員会", ["(i) 侵害の内容に関する最新かつ詳細な情報", "(ii) 侵害に至った事象",
                                       "(iii) リスクを軽減するために", "(iv) 侵害を生じさせた者に関する調査結果",
                                       "(v) 再発防止のために講じた是正措置", "(vi) 影響を受けたデータ主体への通知"]),
    },
    "lgpd.anpd_communication": {
        "en": ("National Data Protection Authority (ANPD)",
               ["I. Description of the nature of the affected personal data", "II. Information on the data subjects",
                "III. Technical and security measures", "IV. Risks related to the incident",
                "V. Reasons for any delay", "VI. Measures adopted or to be adopted", "encarregado"]),
        "ja": ("ブラジル国家データ保護庁", ["I. 影響を受けた個人データの性質", "II. 関係するデータ主体に関する情報",
                                          "III. データの保護のために用いた", "IV. インシデントに関するリスク",
                                          "V. 通知が遅延した場合はその理由", "VI. 損害の影響を回復し", "encarregado"]),
    },
    "dpa_ph.npc_notification": {
        "en": ("National Privacy Commission (NPC)",
               ["(1) Nature of the breach", "(2) Personal data possibly involved",
                "(3) Measures taken to address the breach", "data protection officer"]),
        "ja": ("フィリピン国家プライバシー委員会", ["(1) 侵害の性質", "(2) 関係する可能性のある個人データ",
                                               "(3) 侵害に対処するために講じた措置", "データ保護責任者"]),
    },
    "pmark.final_report": {
        "en": ("Privacy Mark examination body",
               ["(1) Dates of discovery and occurrence", "(2) Overview", "(3) Medium or storage format",
                "(4) Items of personal information and number of persons", "(5) Safeguards",
                "(7) Where it happened and who was responsible", "(8) Response to the persons concerned",
                "(9) Publication", "(10) Secondary damage", "(11) Measures to prevent recurrence"]),
        "ja": ("プライバシーマーク審査機関", ["(1) 発覚日及び発生日", "(2) 事故等の概要", "(3) 媒体・保管形態",
                                            "(4) 個人情報の項目及び件数", "(5) 講じていた安全管理措置",
                                            "(7) 発生元及び責任者", "(8) 本人への対応", "(9) 公表",
                                            "(10) 二次被害又はそのおそれ", "(11) 再発防止策"]),
    },
}  # fmt: skip
V2_REGULATORS = [code for code in AUTHORITIES if code.split(".")[0] in {
    "ukgdpr", "pipl", "cn_cac", "ndb_au", "dpdp_in", "certin", "lgpd", "dpa_ph"}]  # fmt: skip
V2_SUBJECTS = sorted(
    code for code in SUBJECT_DUTIES if code.split(".")[0] in {"ukgdpr", "pipl", "ndb_au", "dpdp_in", "lgpd", "dpa_ph"}
)


def draft(code: str, language: str, *, others: tuple[str, ...] = (), facts: dict[str, Any] | None = None) -> str:
    obligations = [obligation(c) for c in (code, *others)]
    (plan,) = [p for p in plan_notices(obligations) if code in p.obligations]
    return render(plan, language, obligations, facts)


def render(plan: NoticePlan, language: str, obligations: list[dict[str, str]], facts: dict[str, Any] | None) -> str:
    context = notice_context(
        plan=plan,
        language=language,
        reference="PI-2026-000123",
        company="Example Holdings",
        facts=facts or FACTS,
        assessment={"risk_level": "high", "obligations": obligations},
        contact=CONTACT,
        now=NOW,
    )
    return render_notice(plan.template, language, context).body


def test_every_v2_report_and_notice_duty_calls_for_a_draft_of_its_own() -> None:
    v2 = [*V2_REGULATORS, *sorted(PMARK_DUTIES)]
    plans = plan_notices([obligation(code) for code in v2])
    regulator = [p for p in plans if p.kind == "regulator_draft"]
    assert sorted(c for p in regulator for c in p.obligations) == sorted(v2)
    assert len({p.variant for p in regulator}) == len(regulator)  # one stored draft each per language
    assert all(p.authority and template_for(p.kind, p.variant) == p.template for p in regulator)
    for code in V2_SUBJECTS:
        assert [p.kind for p in plan_notices([obligation(code)])] == ["data_subject"], code
    public = {"ukgdpr.public_communication", "pipl.public_notice", "ndb_au.publish_statement"}
    assert public | {"lgpd.public_communication"} <= PUBLIC_DUTIES
    assert not (PPC_DUTIES & PMARK_DUTIES)


def test_the_pmark_draft_is_preliminary_until_the_preliminary_report_is_done() -> None:
    (plan,) = plan_notices([obligation("pmark.preliminary_report"), obligation("pmark.final_report")])
    assert (plan.variant, plan.report_stage) == ("pmark", "preliminary")
    (plan,) = plan_notices([obligation("pmark.preliminary_report", "done"), obligation("pmark.final_report")])
    assert plan.report_stage == "final"
    (plan,) = plan_notices([obligation("pmark.final_report")])
    assert plan.report_stage == "final"
    assert "確報" in draft("pmark.final_report", "ja") and "PPC" not in plan.variant


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("code", sorted(REQUIRED))
def test_each_new_authoritys_draft_names_it_and_carries_the_items_its_law_requires(code: str, language: str) -> None:
    name, items = REQUIRED[code][language]
    body = draft(code, language)
    assert name in body.split("\n\n", 2)[1], (code, language)  # in the addressee line
    for item in items:
        assert item in body, (code, language, item)
    assert "〔要記入〕" in body if language == "ja" else "[to be completed by the desk]" in body


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("code", V2_REGULATORS)
def test_every_new_recipient_has_a_draft_that_names_it_and_its_deadline(code: str, language: str) -> None:
    body = draft(code, language)
    assert AUTHORITIES[code].name[language].split("（")[0].split(" (")[0] in body, (code, language)
    assert "2026" in body and "None" not in body and "{{" not in body


SUBJECT_ITEMS: dict[str, list[str]] = {
    "ukgdpr.notify_data_subjects": ["UK GDPR Art. 34(2)", "nature of the personal data breach",
                                    "data protection officer", "likely consequences", "Information Commissioner"],
    "pipl.notify_individuals": ["PIPL Art. 57", "kinds of personal information involved, the cause and the harm",
                                "remedial measures", "measures you can take", "How to contact us"],
    "ndb_au.notify_individuals": ["s 26WL", "identity and contact details", "description of the data breach",
                                  "kinds of information concerned", "recommendations about the steps"],
    "dpdp_in.notify_data_principals": ["rule 7(1)", "nature, extent, timing and location", "likely to arise",
                                       "mitigation measures", "safety measures",
                                       "business contact information of a person"],
    "lgpd.notify_data_subjects": ["LGPD Art. 48", "nature of the personal data affected",
                                  "technical and security measures", "risks related to the incident",
                                  "reasons for any delay", "reverse or reduce the effects", "encarregado"],
    "dpa_ph.notify_data_subjects": ["NPC Circular 16-03 s 18", "nature of the breach",
                                    "personal data possibly involved",
                                    "measures we have taken to address", "reduce the harm", "assistance",
                                    "representative", "National Privacy Commission"],
}  # fmt: skip


@pytest.mark.parametrize("code", sorted(SUBJECT_ITEMS))
def test_a_data_subject_notice_for_a_new_region_carries_the_items_its_law_requires(code: str) -> None:
    body = draft(code, "en")
    assert "## Information Required by Local Law" in body
    for item in SUBJECT_ITEMS[code]:
        assert item in body, (code, item)
    for other in set(SUBJECT_ITEMS) - {code}:  # only the laws that apply
        assert SUBJECT_ITEMS[other][0] not in body, (code, other)


def test_a_v1_only_data_subject_notice_has_no_local_law_section() -> None:
    assert "Information Required by Local Law" not in draft("gdpr.notify_data_subjects", "en")


# Every notice the rules can call for, with facts that open every conditional paragraph.
EVERY_CODE = sorted(SUBJECT_DUTIES | PUBLIC_DUTIES | PPC_DUTIES | set(AUTHORITIES) | PMARK_DUTIES)
FACT_SETS: list[dict[str, Any]] = [
    FACTS,
    {
        **FACTS,
        "entity_role": "processor",
        "malicious": True,
        "publicly_viewable": True,
        "recovered_before_access": True,
        "encryption": "standard",
        "data_categories": ["name", "ssn", "my_number", "health", "credit_card"],
    },
    {**FACTS, "malicious": False, "encryption": "high_level", "affected_count": None, "occurred_at": None},
]
WORD = r"[^\W\d_]"  # a letter of any script
MID_SENTENCE_BREAK = re.compile(rf"(?:{WORD}|[、,])<br\s*/?>\s*(?:[a-z\u3040-\u30ff\u4e00-\u9fff]|\()")
JAPANESE = r"[\u3000-\u30ff\u4e00-\u9fff\uff01-\uff5e]"
SPACED_JAPANESE = re.compile(rf"{JAPANESE}\n{JAPANESE}")


def rendered_html() -> list[tuple[str, str, str]]:
    out = []
    obligations = [obligation(code) for code in EVERY_CODE]
    for facts in FACT_SETS:
        for plan in plan_notices(obligations):
            for language in ("ja", "en"):
                html = markdown_html(render(plan, language, obligations, facts))
                out.append((f"{plan.template}/{plan.variant}", language, html))
    event = {
        "reference": "PI-2026-000123",
        "target": "promotion_bureau",
        "step": 2,
        "reason": "escalated",
        "risk_level": "high",
        "ack_due_at": "2026-11-23T05:00:00+00:00",
        "nearest_obligation": obligation("appi.ppc_preliminary_report"),
    }
    for language in ("ja", "en"):
        body = render_notice("internal_alert", language, alert_context(event, language, "https://desk/i/1")).body
        out.append(("internal_alert", language, markdown_html(body)))
    return out


def test_no_rendered_notice_breaks_a_line_inside_a_sentence() -> None:
    """Hard-wrapped template lines are one paragraph: no <br> ("It<br>contains", "記載して<br>おります") and no
    stray space between two Japanese characters either."""
    seen = set()
    for template, language, html in rendered_html():
        seen.add((template.split("/")[0], language))
        assert not MID_SENTENCE_BREAK.search(html), (template, language, MID_SENTENCE_BREAK.findall(html))
        assert not SPACED_JAPANESE.search(html), (template, language, SPACED_JAPANESE.findall(html))
    templates = {"data_subject", "public", "regulator_ppc", "regulator_gdpr_sa", "regulator_generic", "internal_alert"}
    assert seen == {(t, language) for t in templates for language in ("ja", "en")}


def test_the_ppc_drafts_wrapped_sentences_read_as_one_paragraph() -> None:
    (plan,) = plan_notices([obligation("appi.ppc_preliminary_report")])
    for language, sentence in (
        ("ja", "現時点で把握している事項を記載しております。"),
        ("en", "It\ncontains what we know"),
    ):
        html = markdown_html(render(plan, language, [obligation("appi.ppc_preliminary_report")], FACTS))
        assert sentence in html and "<br" not in html, language


def test_address_blocks_keep_their_line_breaks_and_lists_stay_lists() -> None:
    obligations = [obligation("appi.notify_individuals"), obligation("appi.public_announcement")]
    plans = {p.kind: p for p in plan_notices(obligations)}
    subject_en = markdown_html(render(plans["data_subject"], "en", obligations, FACTS))
    assert (
        "Example Holdings<br />\nDate of this notice: 23 November 2026<br />\nReference: PI-2026-000123" in subject_en
    )
    subject_ja = markdown_html(render(plans["data_subject"], "ja", obligations, FACTS))
    assert "2026年11月23日<br />\nExample Holdings<br />\n（管理番号: PI-2026-000123）" in subject_ja
    for language in ("ja", "en"):
        public = markdown_html(render(plans["public"], language, obligations, FACTS))
        assert (
            "2026年11月23日<br />\nExample Holdings" in public or "23 November 2026<br />\nExample Holdings" in public
        )
    assert subject_en.count("<li>") >= 8 and "<ul>" in subject_ja


@pytest.mark.parametrize(
    "code",
    ["ukgdpr.public_communication", "pipl.public_notice", "ndb_au.publish_statement", "lgpd.public_communication"],
)
def test_a_v2_public_substitute_says_why_it_is_public_in_both_languages(code: str) -> None:
    english, japanese = draft(code, "en"), draft(code, "ja")
    assert "we cannot reach every affected person individually" in english
    assert "個別にご連絡を差し上げることが困難な方" in japanese
    kept = "at least 90 days" in english and "少なくとも90日間" in japanese
    assert kept == (code == "lgpd.public_communication")


def test_the_other_drafts_mention_the_v2_reports_under_way() -> None:
    body = draft("appi.ppc_final_report", "en", others=("pmark.final_report", "lgpd.anpd_communication"))
    assert "Privacy Mark examination body" in body and "ANPD" in body
    body = draft("gdpr.sa_notification", "ja", others=("ukgdpr.ico_notification",))
    assert "英国情報コミッショナー事務局（ICO）への通知" in body
    body = draft("appi.notify_individuals", "ja", others=("ndb_au.oaic_statement",))
    assert "豪州情報コミッショナー事務局（OAIC）に通知いたします。" in body
