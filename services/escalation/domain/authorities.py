"""Who each report goes to, and the clock each authority keeps (pure mappings over the contract's codes)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo


class Authority(StrEnum):
    """A body a report is filed with (the regulator, or the Privacy Mark examination body)."""

    PPC = "ppc"  # Personal Information Protection Commission, Japan
    GDPR_SA = "gdpr_sa"  # the competent EU/EEA supervisory authority (the lead one, one-stop shop)
    ICO = "ico"
    CAC = "cac"  # the Cyberspace Administration of China (or the sector regulator it designates)
    OAIC = "oaic"
    DPB_IN = "dpb_in"  # the Data Protection Board of India
    CERT_IN = "cert_in"
    ANPD = "anpd"
    NPC = "npc"  # the National Privacy Commission, the Philippines
    PMARK_BODY = "pmark_body"  # the Privacy Mark examination body (JIPDEC or its designated body)
    PDPC_TH = "pdpc_th"  # the Office of the Personal Data Protection Committee, Thailand
    PDPC_SG = "pdpc_sg"  # the Personal Data Protection Commission, Singapore
    PIPC_KR = "pipc_kr"
    CA_AG = "ca_ag"  # the California Attorney General


# Reports filed with an authority. A processor's notice to its controller, a register entry, a
# self-assessment and notices to people go to no authority, so none of them is here.
REPORTED_TO: Mapping[str, Authority] = MappingProxyType(
    {
        "appi.ppc_preliminary_report": Authority.PPC,
        "appi.ppc_final_report": Authority.PPC,
        "mynumber.ppc_preliminary_report": Authority.PPC,
        "mynumber.ppc_final_report": Authority.PPC,
        "gdpr.sa_notification": Authority.GDPR_SA,
        "ccpa.ag_sample_notice": Authority.CA_AG,
        "pdpa_th.office_notification": Authority.PDPC_TH,
        "pdpa_sg.commission_notification": Authority.PDPC_SG,
        "pipa_kr.pipc_report": Authority.PIPC_KR,
        "ukgdpr.ico_notification": Authority.ICO,
        # PIPL Art. 57's 履行个人信息保护职责的部门: the CAC coordinates them (PIPL Art. 60)
        "pipl.authority_notification": Authority.CAC,
        "cn_cac.incident_report": Authority.CAC,
        "cn_cac.incident_summary": Authority.CAC,
        "ndb_au.oaic_statement": Authority.OAIC,
        "dpdp_in.board_intimation": Authority.DPB_IN,
        "dpdp_in.board_report": Authority.DPB_IN,
        "certin.incident_report": Authority.CERT_IN,
        "lgpd.anpd_communication": Authority.ANPD,
        "lgpd.anpd_supplement": Authority.ANPD,
        "dpa_ph.npc_notification": Authority.NPC,
        "dpa_ph.npc_full_report": Authority.NPC,
        "dpa_ph.alternative_notice_request": Authority.NPC,  # the NPC must approve the alternative means
        "pmark.preliminary_report": Authority.PMARK_BODY,
        "pmark.final_report": Authority.PMARK_BODY,
    }
)

# The authority whose law sets a regime's deadlines: its clock is the one the desk also shows.
REGIME_AUTHORITY: Mapping[str, Authority] = MappingProxyType(
    {
        "appi": Authority.PPC,
        "mynumber": Authority.PPC,
        "gdpr": Authority.GDPR_SA,
        "ccpa": Authority.CA_AG,
        "pdpa_th": Authority.PDPC_TH,
        "pdpa_sg": Authority.PDPC_SG,
        "pipa_kr": Authority.PIPC_KR,
        "ukgdpr": Authority.ICO,
        "pipl": Authority.CAC,
        "cn_cac": Authority.CAC,
        "ndb_au": Authority.OAIC,
        "dpdp_in": Authority.DPB_IN,
        "certin": Authority.CERT_IN,
        "lgpd": Authority.ANPD,
        "dpa_ph": Authority.NPC,
        "pmark": Authority.PMARK_BODY,
    }
)

# The authority's local time zone, where its clock differs from the JST and UTC already shown. None
# for the Japanese bodies and Korea (always UTC+9), and for the GDPR: which lead authority is not known.
LOCAL_ZONE: Mapping[Authority, str] = MappingProxyType(
    {
        Authority.ICO: "Europe/London",
        Authority.CAC: "Asia/Shanghai",
        Authority.OAIC: "Australia/Sydney",
        Authority.DPB_IN: "Asia/Kolkata",
        Authority.CERT_IN: "Asia/Kolkata",
        Authority.ANPD: "America/Sao_Paulo",
        Authority.NPC: "Asia/Manila",
        Authority.PDPC_TH: "Asia/Bangkok",
        Authority.PDPC_SG: "Asia/Singapore",
        Authority.CA_AG: "America/Los_Angeles",
    }
)


def reported_to(code: str) -> Authority | None:
    """The authority an obligation's report is filed with; None when it is no report to an authority."""
    return REPORTED_TO.get(code)


def local_zone(regime: str) -> str | None:
    """The IANA zone of the authority behind a regime's deadlines, when it is neither JST nor unknown."""
    authority = REGIME_AUTHORITY.get(regime)
    return LOCAL_ZONE.get(authority) if authority is not None else None


def local_due(regime: str, due_at: datetime) -> tuple[datetime, str] | None:
    """`due_at` on the authority's clock, with the zone's name; None when no third clock applies."""
    zone = local_zone(regime)
    return (due_at.astimezone(ZoneInfo(zone)), zone) if zone is not None else None
