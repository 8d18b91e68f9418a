"""Who each report goes to and the clock each authority keeps: complete over the contract's codes (pure)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pidesk.services.escalation.domain import authorities
from pidesk.services.escalation.domain.authorities import (
    LOCAL_ZONE,
    REGIME_AUTHORITY,
    REPORTED_TO,
    Authority,
    local_due,
    local_zone,
    reported_to,
)
from pidesk.services.escalation.domain.rulebook import RULEBOOK
from pidesk.services.escalation.entrypoints.views import due_at_local
from pidesk.shared.vocabulary import ObligationCode

DOMAIN = Path(authorities.__file__).parent
REGIME_MODULES = [DOMAIN / "regimes.py", *sorted((DOMAIN / "regimes_v2").glob("*.py"))]
# reporting duties owed to a controller, principal or client, not to an authority
TO_A_CONTROLLER = {
    "appi.notify_principal",
    "gdpr.notify_controller",
    "ukgdpr.notify_controller",
    "pipl.notify_handler",
    "ndb_au.notify_client",
    "dpdp_in.notify_fiduciary",
    "lgpd.notify_controller",
    "dpa_ph.notify_controller",
}
REPORT_DUTIES = {"REGULATOR_REPORT", "CONTRACT_REPORT"}


def _duty_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Duty":
        return node.attr
    return None


def reporting_codes_in_the_rules() -> set[str]:
    """Codes given a reporting duty: `Obligation("code", regime, Duty.X, …)` or `("code", Duty.X, …)`."""
    found: set[str] = set()
    for path in REGIME_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Obligation" and len(node.args) >= 3:
                code, duty = node.args[0], _duty_of(node.args[2])
            elif isinstance(node, ast.Tuple) and len(node.elts) >= 2:
                code, duty = node.elts[0], _duty_of(node.elts[1])
            else:
                continue
            if duty in REPORT_DUTIES and isinstance(code, ast.Constant) and isinstance(code.value, str):
                found.add(code.value)
    return found


def test_every_regulator_report_code_in_the_vocabulary_maps_to_an_authority() -> None:
    reports = reporting_codes_in_the_rules()
    assert {"appi.ppc_preliminary_report", "cn_cac.incident_report", "pmark.final_report"} <= reports  # parsed
    assert reports <= set(ObligationCode)
    unmapped = {code for code in set(ObligationCode) & reports - TO_A_CONTROLLER if reported_to(code) is None}
    assert unmapped == set()


def test_only_reports_to_an_authority_map_to_one() -> None:
    assert set(REPORTED_TO) <= set(ObligationCode)
    assert set(REPORTED_TO) == reporting_codes_in_the_rules() - TO_A_CONTROLLER
    for code in ("appi.notify_individuals", "gdpr.breach_register", "ndb_au.assessment", "lgpd.notify_controller"):
        assert reported_to(code) is None


@pytest.mark.parametrize(
    ("code", "authority"),
    [
        ("appi.ppc_preliminary_report", Authority.PPC),
        ("mynumber.ppc_final_report", Authority.PPC),
        ("gdpr.sa_notification", Authority.GDPR_SA),
        ("ukgdpr.ico_notification", Authority.ICO),
        ("pipl.authority_notification", Authority.CAC),
        ("cn_cac.incident_report", Authority.CAC),
        ("ndb_au.oaic_statement", Authority.OAIC),
        ("dpdp_in.board_intimation", Authority.DPB_IN),
        ("certin.incident_report", Authority.CERT_IN),
        ("lgpd.anpd_communication", Authority.ANPD),
        ("dpa_ph.npc_full_report", Authority.NPC),
        ("pmark.preliminary_report", Authority.PMARK_BODY),
    ],
)
def test_reports_go_to_their_authority(code: str, authority: Authority) -> None:
    assert reported_to(code) is authority


def test_every_regime_in_the_rulebook_has_an_authority_but_the_internal_one() -> None:
    regimes = {rule.name for version in RULEBOOK for rule in version.regimes}
    assert regimes - set(REGIME_AUTHORITY) == {"internal"}
    assert set(REPORTED_TO.values()) <= set(REGIME_AUTHORITY.values())


@pytest.mark.parametrize(
    ("regime", "zone"),
    [
        ("ukgdpr", "Europe/London"),
        ("pipl", "Asia/Shanghai"),
        ("cn_cac", "Asia/Shanghai"),
        ("ndb_au", "Australia/Sydney"),
        ("dpdp_in", "Asia/Kolkata"),
        ("certin", "Asia/Kolkata"),
        ("lgpd", "America/Sao_Paulo"),
        ("dpa_ph", "Asia/Manila"),
        ("appi", None),
        ("mynumber", None),
        ("pmark", None),
        ("internal", None),
    ],
)
def test_each_authority_keeps_its_local_clock_and_japan_none_extra(regime: str, zone: str | None) -> None:
    assert local_zone(regime) == zone


def test_the_local_due_time_follows_the_zone_and_its_summer_time() -> None:
    winter, summer = datetime(2026, 1, 15, 3, 0, tzinfo=UTC), datetime(2026, 7, 15, 3, 0, tzinfo=UTC)
    london_winter, london_summer = local_due("ukgdpr", winter), local_due("ukgdpr", summer)
    assert london_winter and london_winter[0].isoformat() == "2026-01-15T03:00:00+00:00"
    assert london_summer and london_summer[0].isoformat() == "2026-07-15T04:00:00+01:00"
    sydney = local_due("ndb_au", winter)  # January is summer in Sydney: UTC+11
    assert sydney and sydney[1] == "Australia/Sydney"
    assert sydney[0].isoformat() == "2026-01-15T14:00:00+11:00"
    kolkata = local_due("certin", winter)
    assert kolkata and kolkata[0].isoformat() == "2026-01-15T08:30:00+05:30"
    assert local_due("appi", winter) is None
    assert set(LOCAL_ZONE) <= set(Authority)


def test_the_desk_api_field_carries_the_zone_or_is_null() -> None:
    due = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert due_at_local("lgpd", due) == {"at": "2026-11-30T06:00:00-03:00", "zone": "America/Sao_Paulo"}
    assert due_at_local("dpa_ph", due) == {"at": "2026-11-30T17:00:00+08:00", "zone": "Asia/Manila"}
    assert due_at_local("appi", due) is None
