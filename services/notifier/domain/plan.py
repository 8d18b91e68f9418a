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
# Cal. Civ. Code §1798.82(a); PDPA (TH) s.37(4); PDPA (SG) s.26D(2); PIPA (KR) Art. 34(1)).
SUBJECT_DUTIES = frozenset(
    {
        "appi.notify_individuals",
        "mynumber.notify_individuals",
        "gdpr.notify_data_subjects",
        "ccpa.notify_residents",
        "pdpa_th.notify_data_subjects",
        "pdpa_sg.notify_individuals",
        "pipa_kr.notify_data_subjects",
    }
)
# Public announcement (APPI Rules Art. 10 proviso, the substitute when notice is difficult;
# GDPR Art. 34(3)(c), public communication when individual notice would take disproportionate effort).
PUBLIC_DUTIES = frozenset({"appi.public_announcement", "gdpr.public_communication"})
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
}
PPC = Authority(
    "ppc", "regulator_ppc", {"ja": "個人情報保護委員会", "en": "the Personal Information Protection Commission"}
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
        preliminary_done = all(standing.get(code) == "done" for code in codes & PRELIMINARY)
        stage = "final" if preliminary_done or not codes & PRELIMINARY else "preliminary"
        plans.append(NoticePlan(REGULATOR_DRAFT, PPC.variant, PPC.template, tuple(ppc), PPC, stage))
    for code in sorted(codes & set(AUTHORITIES)):
        authority = AUTHORITIES[code]
        plans.append(NoticePlan(REGULATOR_DRAFT, authority.variant, authority.template, (code,), authority))
    return plans


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
    return next((a.template for a in AUTHORITIES.values() if a.variant == variant), "regulator_generic")
