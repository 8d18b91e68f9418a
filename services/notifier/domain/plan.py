"""Which notices an incident's obligations call for: pure rules, each with the duty it serves.

A data-subject notice and a public notice are drafted in Japanese and English; each authority gets
a draft report in both languages too. The desk approves a draft before anything leaves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pidesk.shared.vocabulary import NoticeKind

LANGUAGES: tuple[str, ...] = ("ja", "en")

DATA_SUBJECT, PUBLIC, REGULATOR_DRAFT, INTERNAL = (
    NoticeKind.DATA_SUBJECT,
    NoticeKind.PUBLIC,
    NoticeKind.REGULATOR_DRAFT,
    NoticeKind.INTERNAL,
)
CHANNEL: dict[str, str] = {DATA_SUBJECT: "email", PUBLIC: "web", REGULATOR_DRAFT: "download", INTERNAL: "email"}

# Duties to tell the people concerned (APPI Art. 26(2); My Number Act Art. 29-4(2); GDPR Art. 34;
# Cal. Civ. Code §1798.82(a); PDPA (TH) s.37(4); PDPA (SG) s.26D(2); PIPA (KR) Art. 34(1); v2: UK GDPR
# Art. 34; PIPL Art. 57; Privacy Act 1988 s 26WL(2)(a)-(b); DPDP Rules 2025 r 7(1); LGPD Art. 48 with
# Res. CD/ANPD 15/2024 Art. 9; NPC Circular 16-03 s 18).
SUBJECT_DUTIES = frozenset(
    {
        "appi.notify_individuals",
        "mynumber.notify_individuals",
        "gdpr.notify_data_subjects",
        "ccpa.notify_residents",
        "pdpa_th.notify_data_subjects",
        "pdpa_sg.notify_individuals",
        "pipa_kr.notify_data_subjects",
        "ukgdpr.notify_data_subjects",
        "pipl.notify_individuals",
        "ndb_au.notify_individuals",
        "dpdp_in.notify_data_principals",
        "lgpd.notify_data_subjects",
        "dpa_ph.notify_data_subjects",
    }
)
# Public announcement (APPI Rules Art. 10 proviso, the substitute when notice is difficult;
# GDPR Art. 34(3)(c), public communication when individual notice would take disproportionate effort;
# v2: UK GDPR Art. 34(3)(c); PIPL Art. 57 公告; Privacy Act 1988 s 26WL(2)(c); Res. CD/ANPD 15/2024, kept 90 days).
PUBLIC_DUTIES = frozenset(
    {
        "appi.public_announcement",
        "gdpr.public_communication",
        "ukgdpr.public_communication",
        "pipl.public_notice",
        "ndb_au.publish_statement",
        "lgpd.public_communication",
    }
)
# Reports to the PPC: APPI Art. 26(1) with Rules Art. 8; My Number Act Art. 29-4(1).
PPC_DUTIES = frozenset(
    {
        "appi.ppc_preliminary_report",
        "appi.ppc_final_report",
        "mynumber.ppc_preliminary_report",
        "mynumber.ppc_final_report",
    }
)
PRELIMINARY = frozenset({"appi.ppc_preliminary_report", "mynumber.ppc_preliminary_report"})
# Reports to the Privacy Mark examination body (PMK500 事故等の報告): 速報 then 確報, like the PPC's.
PMARK_DUTIES = frozenset({"pmark.preliminary_report", "pmark.final_report"})
PMARK_PRELIMINARY = frozenset({"pmark.preliminary_report"})


@dataclass(frozen=True)
class Authority:
    variant: str
    template: str
    name: dict[str, str]


# The other recipients of a draft report, by the duty that calls for it.
AUTHORITIES: dict[str, Authority] = {
    "gdpr.sa_notification": Authority(
        "gdpr_sa",
        "regulator_gdpr_sa",
        {"ja": "EU 一般データ保護規則に基づく監督機関", "en": "the lead supervisory authority (GDPR)"},
    ),
    "pdpa_th.office_notification": Authority(
        "th_pdpc",
        "regulator_generic",
        {
            "ja": "タイ個人情報保護委員会事務局（PDPC）",
            "en": "Office of the Personal Data Protection Committee, Thailand",
        },
    ),
    "pdpa_sg.commission_notification": Authority(
        "sg_pdpc",
        "regulator_generic",
        {"ja": "シンガポール個人情報保護委員会（PDPC）", "en": "Personal Data Protection Commission, Singapore"},
    ),
    "pipa_kr.pipc_report": Authority(
        "kr_pipc",
        "regulator_generic",
        {"ja": "韓国個人情報保護委員会（PIPC）", "en": "Personal Information Protection Commission, Korea"},
    ),
    "ccpa.ag_sample_notice": Authority(
        "ca_ag",
        "regulator_generic",
        {"ja": "カリフォルニア州司法長官", "en": "the California Attorney General"},
    ),
    "gdpr.notify_controller": Authority(
        "controller",
        "regulator_generic",
        {"ja": "管理者（委託元）", "en": "the controller on whose behalf we process the data"},
    ),
    "appi.notify_principal": Authority(
        "principal",
        "regulator_generic",
        {"ja": "委託元の個人情報取扱事業者", "en": "the business that entrusted us with the data"},
    ),
    # v2 (docs/rules.md §2b): each authority with the items its report must carry (in the template)
    "ukgdpr.ico_notification": Authority(
        "uk_ico",
        "regulator_generic",
        {
            "ja": "英国情報コミッショナー事務局（ICO）",
            "en": "the Information Commissioner's Office (ICO), United Kingdom",
        },
    ),
    "ukgdpr.notify_controller": Authority(
        "uk_controller",
        "regulator_generic",
        {"ja": "管理者（委託元、英国GDPR）", "en": "the controller on whose behalf we process the data (UK GDPR)"},
    ),
    "pipl.authority_notification": Authority(
        "cn_pipl",
        "regulator_generic",
        {
            "ja": "中国国家インターネット情報弁公室（CAC）及び所管の業種監督部門（個人情報保護職責を履行する部門）",
            "en": "the Cyberspace Administration of China (CAC) and the sector regulator"
            " (the departments performing personal information protection duties)",
        },
    ),
    "pipl.notify_handler": Authority(
        "cn_handler",
        "regulator_generic",
        {"ja": "委託元の個人情報処理者（中国PIPL）", "en": "the personal information handler that entrusted us (PIPL)"},
    ),
    "cn_cac.incident_report": Authority(
        "cn_cac",
        "regulator_generic",
        {"ja": "省級インターネット情報弁公室（網信部門）", "en": "the provincial Cyberspace Administration (CAC)"},
    ),
    "cn_cac.incident_summary": Authority(
        "cn_cac_summary",
        "regulator_generic",
        {"ja": "省級インターネット情報弁公室（網信部門）", "en": "the provincial Cyberspace Administration (CAC)"},
    ),
    "ndb_au.oaic_statement": Authority(
        "au_oaic",
        "regulator_generic",
        {
            "ja": "豪州情報コミッショナー事務局（OAIC）",
            "en": "the Office of the Australian Information Commissioner (OAIC)",
        },
    ),
    "ndb_au.notify_client": Authority(
        "au_client",
        "regulator_generic",
        {"ja": "委託元（豪州）", "en": "the client whose data we hold (Australia)"},
    ),
    "dpdp_in.board_intimation": Authority(
        "in_dpb_intimation",
        "regulator_generic",
        {"ja": "インドデータ保護委員会（Data Protection Board of India）", "en": "the Data Protection Board of India"},
    ),
    "dpdp_in.board_report": Authority(
        "in_dpb_report",
        "regulator_generic",
        {"ja": "インドデータ保護委員会（Data Protection Board of India）", "en": "the Data Protection Board of India"},
    ),
    "dpdp_in.notify_fiduciary": Authority(
        "in_fiduciary",
        "regulator_generic",
        {"ja": "委託元のデータ受託者（インドDPDP法）", "en": "the Data Fiduciary on whose behalf we process the data"},
    ),
    "certin.incident_report": Authority(
        "in_certin",
        "regulator_generic",
        {
            "ja": "インドコンピュータ緊急対応チーム（CERT-In）",
            "en": "the Indian Computer Emergency Response Team (CERT-In)",
        },
    ),
    "lgpd.anpd_communication": Authority(
        "br_anpd",
        "regulator_generic",
        {"ja": "ブラジル国家データ保護庁（ANPD）", "en": "the National Data Protection Authority (ANPD), Brazil"},
    ),
    "lgpd.anpd_supplement": Authority(
        "br_anpd_supplement",
        "regulator_generic",
        {"ja": "ブラジル国家データ保護庁（ANPD）", "en": "the National Data Protection Authority (ANPD), Brazil"},
    ),
    "lgpd.notify_controller": Authority(
        "br_controller",
        "regulator_generic",
        {"ja": "管理者（委託元、ブラジルLGPD）", "en": "the controller on whose behalf we process the data (LGPD)"},
    ),
    "dpa_ph.npc_notification": Authority(
        "ph_npc",
        "regulator_generic",
        {"ja": "フィリピン国家プライバシー委員会（NPC）", "en": "the National Privacy Commission (NPC), Philippines"},
    ),
    "dpa_ph.npc_full_report": Authority(
        "ph_npc_full",
        "regulator_generic",
        {"ja": "フィリピン国家プライバシー委員会（NPC）", "en": "the National Privacy Commission (NPC), Philippines"},
    ),
    "dpa_ph.alternative_notice_request": Authority(
        "ph_npc_alternative",
        "regulator_generic",
        {"ja": "フィリピン国家プライバシー委員会（NPC）", "en": "the National Privacy Commission (NPC), Philippines"},
    ),
    "dpa_ph.notify_controller": Authority(
        "ph_controller",
        "regulator_generic",
        {"ja": "管理者（委託元、フィリピン）", "en": "the personal information controller we process the data for"},
    ),
}
PPC = Authority(
    "ppc", "regulator_ppc", {"ja": "個人情報保護委員会", "en": "the Personal Information Protection Commission"}
)
PMARK = Authority(
    "pmark",
    "regulator_generic",
    {
        "ja": "プライバシーマーク審査機関（及び一般財団法人日本情報経済社会推進協会（JIPDEC））",
        "en": "the Privacy Mark examination body (and JIPDEC)",
    },
)


@dataclass(frozen=True)
class NoticePlan:
    """One notice the obligations call for, to be drafted in each of `LANGUAGES`."""

    kind: str
    variant: str
    template: str
    obligations: tuple[str, ...]
    authority: Authority | None = None
    report_stage: str = ""

    @property
    def channel(self) -> str:
        return CHANNEL[self.kind]


def live(obligations: Iterable[dict[str, str]]) -> dict[str, str]:
    """The obligations still standing (pending or done), code → status; withdrawn ones called for nothing."""
    return {o["code"]: o.get("status", "pending") for o in obligations if o.get("status") != "withdrawn"}


def plan_notices(obligations: Iterable[dict[str, str]]) -> list[NoticePlan]:
    """The notices `obligations` call for, in a stable order."""
    standing = live(obligations)
    codes = set(standing)
    plans: list[NoticePlan] = []
    if subject := sorted(codes & SUBJECT_DUTIES):
        plans.append(NoticePlan(DATA_SUBJECT, "subjects", "data_subject", tuple(subject)))
    if public := sorted(codes & PUBLIC_DUTIES):
        plans.append(NoticePlan(PUBLIC, "public", "public", tuple(public)))
    if ppc := sorted(codes & PPC_DUTIES):
        stage = _stage(standing, codes & PRELIMINARY)
        plans.append(NoticePlan(REGULATOR_DRAFT, PPC.variant, PPC.template, tuple(ppc), PPC, stage))
    if pmark := sorted(codes & PMARK_DUTIES):
        stage = _stage(standing, codes & PMARK_PRELIMINARY)
        plans.append(NoticePlan(REGULATOR_DRAFT, PMARK.variant, PMARK.template, tuple(pmark), PMARK, stage))
    for code in sorted(codes & set(AUTHORITIES)):
        authority = AUTHORITIES[code]
        plans.append(NoticePlan(REGULATOR_DRAFT, authority.variant, authority.template, (code,), authority))
    return plans


def _stage(standing: dict[str, str], preliminary: set[str]) -> str:
    """ "final" once every preliminary report is done (or none is called for), else "preliminary"."""
    return "final" if all(standing.get(code) == "done" for code in preliminary) else "preliminary"


def regimes(codes: Iterable[str]) -> list[str]:
    """The legal regimes behind `codes` (their prefixes), internal duties left out."""
    return sorted({code.split(".", 1)[0] for code in codes} - {"internal"})


def template_for(kind: str, variant: str) -> str:
    """The template a stored notice was drafted from."""
    if kind == DATA_SUBJECT:
        return "data_subject"
    if kind == PUBLIC:
        return "public"
    if kind == INTERNAL:
        return "internal_alert"
    if variant == PPC.variant:
        return PPC.template
    if variant == PMARK.variant:
        return PMARK.template
    return next((a.template for a in AUTHORITIES.values() if a.variant == variant), "regulator_generic")
