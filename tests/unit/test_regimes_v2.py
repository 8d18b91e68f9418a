"""docs/rules.md §2b as tables: each v2 regime's triggers, obligations, deadlines and basis strings, with
the boundaries (thresholds at and just over the number, severity floors), processor variants,
no-contact substitutes, exemptions, and the Privacy Mark that ignores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pidesk.services.escalation.domain.assessment import Assessment, assess
from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.obligations import Obligation
from pidesk.services.escalation.domain.regimes_v2.brazil import anpd_supplement
from pidesk.services.escalation.domain.regimes_v2.china import cac_summary_due
from pidesk.services.escalation.domain.risk import rank
from pidesk.services.escalation.domain.workdays import SAO_PAULO
from pidesk.shared.vocabulary import (
    DataCategory,
    Encryption,
    EntityRole,
    IncidentKind,
    ObligationCode,
    RiskLevel,
    TriggerCodeV2,
)

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # a Tuesday (12:00 JST, 00:00 in São Paulo)
INTERNAL = {"internal.report_to_desk", "internal.recurrence_prevention"}
# severity scores (docs/rules.md §1) the tables lean on
SE_1_25 = {"data_categories": ["name"], "incident_kind": "misdelivery"}
SE_1_5 = {"data_categories": ["name"], "incident_kind": "public_exposure", "malicious": False}
SE_2 = {"data_categories": ["name"], "incident_kind": "unauthorized_access"}  # 1 × 1.0 + 0.5 + 0.5
SE_4_25 = {"data_categories": ["name", "credit_card"], "incident_kind": "misdelivery"}
EXEMPTIONS = [{"recovered_before_access": True}, {"encryption": "high_level"}]


def facts(region: str | None = None, count: int | None = 10, **overrides: Any) -> IncidentFacts:
    """An incident at an entity in `entity_country` with `count` subjects in `region` (default: there)."""
    entity_country = overrides.pop("entity_country", region or "JP")
    directory = {k: overrides.pop(k) for k in ("pmark", "cn_cac_deadline_h") if k in overrides}
    base: dict[str, Any] = {
        "incident_kind": "misdelivery",
        "data_categories": ["name"],
        "aware_at": T0,
        "affected_count": count,
        "subject_regions": {region or entity_country: count} if count is not None else {},
    }
    return IncidentFacts.from_report({**base, **overrides}, entity_country, **directory)


def run(region: str | None = None, count: int | None = 10, **overrides: Any) -> Assessment:
    return assess(facts(region, count, **overrides))


def codes(a: Assessment, prefix: str = "") -> set[str]:
    return {o.code for o in a.obligations if o.code.startswith(prefix)}


def triggers(a: Assessment, prefix: str = "") -> set[str]:
    return {t.code for t in a.triggers if t.code.startswith(prefix)}


def ob(a: Assessment, code: str) -> Obligation:
    return next(o for o in a.obligations if o.code == code)


def due(a: Assessment, code: str, t0: datetime = T0) -> timedelta:
    return ob(a, code).due_at - t0


def target(a: Assessment, code: str) -> timedelta | None:
    at = ob(a, code).target_at
    return at - T0 if at else None


H, D = timedelta(hours=1), timedelta(days=1)
V2_REGIMES = {"ukgdpr", "pipl", "cn_cac", "ndb_au", "dpdp_in", "certin", "lgpd", "dpa_ph", "pmark"}

# ---------------------------------------------------------------- §2b.1: codes, deadlines, basis strings

BASIS_TABLE: dict[str, tuple[timedelta, timedelta | None, str]] = {
    "ukgdpr.ico_notification": (72 * H, None, "UK GDPR Art. 33(1)"),
    "ukgdpr.notify_data_subjects": (5 * D, 72 * H, "UK GDPR Art. 34(1)–(2)"),
    "ukgdpr.public_communication": (5 * D, 72 * H, "UK GDPR Art. 34(3)(c)"),
    "ukgdpr.notify_controller": (24 * H, None, "UK GDPR Art. 33(2)"),
    "ukgdpr.breach_register": (30 * D, None, "UK GDPR Art. 33(5)"),
    "pipl.authority_notification": (24 * H, None, "PIPL Art. 57(1)"),
    "pipl.notify_individuals": (
        72 * H,
        24 * H,
        "PIPL Art. 57(1)–(2); Network Data Security Management Regulations Art. 11",
    ),
    "pipl.public_notice": (72 * H, 24 * H, "PIPL Art. 57; NDSMR Art. 11 (公告 as a means)"),
    "pipl.notify_handler": (24 * H, None, "PIPL Art. 59"),
    "cn_cac.incident_report": (
        4 * H,
        None,
        "CAC National Cybersecurity Incident Reporting Measures Art. 4; Classification Guide (附件)",
    ),
    "cn_cac.incident_summary": (30 * D, None, "CAC Measures Art. 8"),
    "ndb_au.assessment": (30 * D, None, "Privacy Act 1988 s 26WH(2)"),
    "ndb_au.oaic_statement": (5 * D, 72 * H, "Privacy Act 1988 s 26WK"),
    "ndb_au.notify_individuals": (5 * D, 72 * H, "Privacy Act 1988 s 26WL(2)(a)–(b), (3)"),
    "ndb_au.publish_statement": (5 * D, 72 * H, "Privacy Act 1988 s 26WL(2)(c)"),
    "ndb_au.notify_client": (24 * H, None, "Privacy Act 1988 ss 26WJ, 26WM (shared breach); contract"),
    "dpdp_in.board_intimation": (24 * H, None, "DPDP Act s 8(6); DPDP Rules 2025 r 7(2)(a)"),
    "dpdp_in.board_report": (72 * H, None, "DPDP Rules 2025 r 7(2)(b)"),
    "dpdp_in.notify_data_principals": (72 * H, 24 * H, "DPDP Act s 8(6); DPDP Rules 2025 r 7(1)"),
    "dpdp_in.notify_fiduciary": (24 * H, None, "DPDP Act s 8(1)–(2) (processor under contract)"),
    "certin.incident_report": (
        6 * H,
        None,
        "IT Act 2000 s 70B(6); CERT-In Directions of 28 Apr 2022, direction (ii)",
    ),
    "lgpd.notify_controller": (24 * H, None, "LGPD Arts. 39, 46–47 (operator); contract"),
    "lgpd.incident_register": (30 * D, None, "Res. CD/ANPD 15/2024 Art. 10"),
    "dpa_ph.npc_notification": (72 * H, None, "RA 10173 s 20(f); IRR s 38(a); NPC Circular 16-03 s 17"),
    "dpa_ph.npc_full_report": (5 * D, None, "NPC Circular 16-03 s 17; NPC Advisory 2026-02"),
    "dpa_ph.notify_data_subjects": (72 * H, None, "RA 10173 s 20(f); NPC Circular 16-03 s 18"),
    "dpa_ph.alternative_notice_request": (72 * H, None, "NPC Circular 16-03 s 18; NPC Advisory 2026-02"),
    "dpa_ph.incident_register": (30 * D, None, "NPC Circular 16-03 s 22; NPC Advisory 18-01"),
    "dpa_ph.notify_controller": (24 * H, None, "NPC Circular 16-03 ss 15–16"),
    "pmark.preliminary_report": (5 * D, 3 * D, "PMK500 事故等の報告; JIPDEC 「事故等の報告」 (速報)"),
    "pmark.final_report": (30 * D, None, "PMK500 事故等の報告; JIPDEC 「事故等の報告」 (確報)"),
}
WORKING_DAY_BASES = {
    "lgpd.anpd_communication": "LGPD Art. 48; Res. CD/ANPD 15/2024 Arts. 5–6",
    "lgpd.notify_data_subjects": "LGPD Art. 48; Res. CD/ANPD 15/2024 Art. 9",
    "lgpd.public_communication": "Res. CD/ANPD 15/2024 (public communication)",
}
# one incident per obligation code that produces it
SCENARIOS: list[tuple[str, dict[str, Any]]] = [
    ("GB", {**SE_4_25}),
    ("GB", {**SE_4_25, "contact_info_available": False}),
    ("GB", {**SE_2, "entity_role": "processor"}),
    ("CN", {**SE_2, "affected_count": 2_000_000, "subject_regions": {"CN": 2_000_000}}),
    ("CN", {**SE_2, "contact_info_available": False}),
    ("CN", {**SE_2, "entity_role": "processor"}),
    ("AU", {**SE_2}),
    ("AU", {**SE_4_25, "entity_role": "processor"}),
    ("AU", {**SE_4_25, "contact_info_available": False}),
    ("IN", {**SE_2, "aware_at": datetime(2027, 6, 1, tzinfo=UTC)}),
    ("IN", {**SE_2, "aware_at": datetime(2027, 6, 1, tzinfo=UTC), "entity_role": "processor"}),
    ("BR", {**SE_4_25}),
    ("BR", {**SE_4_25, "contact_info_available": False}),
    ("BR", {**SE_4_25, "entity_role": "processor"}),
    ("PH", {**SE_4_25}),
    ("PH", {**SE_4_25, "contact_info_available": False}),
    ("PH", {**SE_4_25, "entity_role": "processor"}),
    ("JP", {**SE_4_25}),
]


def scenario_obligations() -> dict[str, tuple[Obligation, datetime]]:
    found: dict[str, tuple[Obligation, datetime]] = {}
    for region, overrides in SCENARIOS:
        f = facts(region, **overrides)
        for o in assess(f).obligations:
            found.setdefault(o.code, (o, f.aware_at))
    return found


FOUND = scenario_obligations()


@pytest.mark.parametrize("code", sorted(BASIS_TABLE))
def test_every_v2_obligation_has_its_deadline_and_basis_string(code: str) -> None:
    obligation, t0 = FOUND[code]
    due_after, target_after, basis = BASIS_TABLE[code]
    assert obligation.basis == basis
    assert obligation.due_at - t0 == due_after
    assert (obligation.target_at - t0 if obligation.target_at else None) == target_after


@pytest.mark.parametrize("code", sorted(WORKING_DAY_BASES))
def test_brazils_working_day_obligations_have_their_basis_string(code: str) -> None:
    assert FOUND[code][0].basis == WORKING_DAY_BASES[code]


def test_every_v2_code_of_the_contract_is_produced_and_in_the_vocabulary() -> None:
    v2 = {c.value for c in ObligationCode if c.value.split(".")[0] in V2_REGIMES}
    assert v2 - set(FOUND) == {"lgpd.anpd_supplement"}  # it opens with a partial communication, below
    produced_triggers = {t.code for region, o in SCENARIOS for t in run(region, **o).triggers}
    assert {"ukgdpr.risk", "pipl.incident", "ndb_au.eligible", "dpdp_in.breach", "lgpd.relevant_risk"} <= (
        produced_triggers
    )
    every = {o.code for region, over in SCENARIOS for o in run(region, **over).obligations}
    assert every <= {c.value for c in ObligationCode}
    assert {t for t in produced_triggers if t.split(".")[0] in V2_REGIMES} <= {c.value for c in TriggerCodeV2}


@pytest.mark.parametrize("exemption", EXEMPTIONS)
@pytest.mark.parametrize(("region", "overrides"), SCENARIOS[:-1])
def test_the_general_exemptions_remove_every_v2_statutory_obligation(
    region: str, overrides: dict[str, Any], exemption: dict[str, Any]
) -> None:
    """Registers too; CERT-In (a cyber duty) is the one exception, tested with India."""
    plain = run(region, **overrides)
    assert codes(plain) - INTERNAL
    remaining = codes(run(region, **overrides, **exemption)) - INTERNAL
    assert remaining <= {"certin.incident_report"}


@pytest.mark.parametrize(
    "region", [("GB", "ukgdpr."), ("CN", "pipl."), ("AU", "ndb_au."), ("BR", "lgpd."), ("PH", "dpa_ph.")]
)
def test_secondary_use_is_no_security_breach_for_uk_china_australia_brazil_philippines(region: tuple) -> None:
    country, prefix = region
    overrides = {"data_categories": ["name", "health"], "entity_country": country}
    assert codes(run(country, 5000, **overrides), prefix)
    assert not codes(run(country, 5000, **overrides, incident_kind="secondary_use_without_consent"), prefix)


# ---------------------------------------------------------------- United Kingdom


@pytest.mark.parametrize(
    ("region", "entity", "applies"),
    [("GB", "JP", True), ("UK", "JP", True), ("EU", "GB", True), ("EU", "JP", False), ("US-CA", "JP", False)],
)
def test_uk_applies_to_gb_subjects_or_an_entity_in_gb(region: str, entity: str, applies: bool) -> None:
    a = run(region, **SE_4_25, entity_country=entity)
    assert ("ukgdpr" in a.regimes) is applies
    assert bool(codes(a, "ukgdpr.")) is applies


@pytest.mark.parametrize(
    ("overrides", "expected", "trig"),
    [
        (SE_1_25, {"ukgdpr.breach_register"}, set()),  # SE < 1.5: unlikely to result in a risk
        (SE_1_5, {"ukgdpr.breach_register", "ukgdpr.ico_notification"}, {"ukgdpr.risk"}),  # at 1.5
        (SE_2, {"ukgdpr.breach_register", "ukgdpr.ico_notification"}, {"ukgdpr.risk"}),  # below 3: no notice
        (
            {**SE_1_25, "data_categories": ["criminal_record"]},  # special category (Art. 10): high risk
            {"ukgdpr.breach_register", "ukgdpr.ico_notification", "ukgdpr.notify_data_subjects"},
            {"ukgdpr.risk", "ukgdpr.high_risk"},
        ),
        (
            SE_4_25,
            {"ukgdpr.breach_register", "ukgdpr.ico_notification", "ukgdpr.notify_data_subjects"},
            {"ukgdpr.risk", "ukgdpr.high_risk"},
        ),
        (
            {**SE_4_25, "contact_info_available": False},
            {"ukgdpr.breach_register", "ukgdpr.ico_notification", "ukgdpr.public_communication"},
            {"ukgdpr.risk", "ukgdpr.high_risk"},
        ),
        (
            {**SE_4_25, "entity_role": "processor"},
            {"ukgdpr.breach_register", "ukgdpr.notify_controller"},
            {"ukgdpr.risk", "ukgdpr.high_risk"},
        ),
    ],
)
def test_uk_gdpr_table(overrides: dict[str, Any], expected: set[str], trig: set[str]) -> None:
    a = run("GB", **overrides, entity_country="GB")
    assert codes(a, "ukgdpr.") == expected
    assert triggers(a, "ukgdpr.") == trig


def test_eu_and_uk_gdpr_apply_side_by_side() -> None:
    a = run(None, 20, **SE_4_25, subject_regions={"EU": 10, "GB": 10}, entity_country="JP")
    assert {"gdpr.sa_notification", "ukgdpr.ico_notification"} <= codes(a)


# ---------------------------------------------------------------- China


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (SE_1_25, {"pipl.authority_notification"}),  # no floor; SE < 1.5: measures avoid harm, no notice
        (SE_1_5, {"pipl.authority_notification", "pipl.notify_individuals"}),
        (
            {**SE_1_5, "contact_info_available": False},
            {"pipl.authority_notification", "pipl.public_notice"},
        ),
        ({**SE_4_25, "entity_role": "processor"}, {"pipl.notify_handler"}),
        ({**SE_1_25, "count": 1}, {"pipl.authority_notification"}),  # no count threshold
    ],
)
def test_pipl_table(overrides: dict[str, Any], expected: set[str]) -> None:
    count = overrides.pop("count", 10) if "count" in overrides else 10
    a = run("CN", count, **overrides, entity_country="JP")
    assert codes(a, "pipl.") == expected
    assert triggers(a, "pipl.") == {"pipl.incident"}


@pytest.mark.parametrize("region", ["HK", "MO", "TW"])
def test_hong_kong_macao_taiwan_are_no_pipl_regions(region: str) -> None:
    assert not codes(run(region, **SE_4_25, entity_country="JP"), "pipl.")


@pytest.mark.parametrize(
    ("count", "level"),
    [
        (999_999, None),
        (1_000_000, "cn_cac.relatively_major"),  # 以上 includes the number
        (9_999_999, "cn_cac.relatively_major"),
        (10_000_000, "cn_cac.major"),
        (99_999_999, "cn_cac.major"),
        (100_000_000, "cn_cac.particularly_major"),
        (None, "cn_cac.particularly_major"),  # unknown: the worst plausible
    ],
)
def test_cac_levels_count_cn_subjects(count: int | None, level: str | None) -> None:
    a = run("CN", count, **SE_2)
    assert triggers(a, "cn_cac.") == ({level} if level else set())
    assert codes(a, "cn_cac.") == ({"cn_cac.incident_report", "cn_cac.incident_summary"} if level else set())
    if level:
        assert due(a, "cn_cac.incident_report") == 4 * H


def test_cac_counts_only_cn_subjects_and_needs_an_entity_in_china() -> None:
    abroad = run(None, 2_000_000, **SE_2, subject_regions={"CN": 2_000_000}, entity_country="JP")
    assert not codes(abroad, "cn_cac.") and codes(abroad, "pipl.")
    other_regions = run(None, 2_000_000, **SE_2, subject_regions={"CN": 10, "JP": 1_999_990}, entity_country="CN")
    assert not codes(other_regions, "cn_cac.")


@pytest.mark.parametrize(("override", "hours"), [(None, 4), (1, 1), (2, 2)])
def test_cac_deadline_override_per_entity(override: int | None, hours: int) -> None:
    a = run("CN", 1_000_000, **SE_2, cn_cac_deadline_h=override)
    assert due(a, "cn_cac.incident_report") == hours * H


def test_cac_applies_to_a_processor_too() -> None:
    a = run("CN", 1_000_000, **SE_2, entity_role="processor")
    assert "cn_cac.incident_report" in codes(a) and codes(a, "pipl.") == {"pipl.notify_handler"}


def test_cac_summary_is_recomputed_from_the_close() -> None:
    closed = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    assert cac_summary_due(closed) == closed + 30 * D


# ---------------------------------------------------------------- Australia

BANK_SE_2 = {"data_categories": ["bank_account"], "incident_kind": "malware"}  # 3 × 0.25 + 0.5 + 0.25 + 0.5
BANK_SE_1_75 = {"data_categories": ["bank_account"], "incident_kind": "unauthorized_access"}


@pytest.mark.parametrize(
    ("overrides", "expected", "trig"),
    [
        (SE_1_25, set(), set()),  # below 1.5: not even suspected
        (SE_1_5, {"ndb_au.assessment"}, {"ndb_au.suspected"}),
        (SE_2, {"ndb_au.assessment"}, {"ndb_au.suspected"}),  # contact data at SE 2: no serious-harm kind
        (BANK_SE_1_75, {"ndb_au.assessment"}, {"ndb_au.suspected"}),
        (BANK_SE_2, {"ndb_au.oaic_statement", "ndb_au.notify_individuals"}, {"ndb_au.eligible"}),
        (SE_4_25, {"ndb_au.oaic_statement", "ndb_au.notify_individuals"}, {"ndb_au.eligible"}),
        (
            {**SE_4_25, "contact_info_available": False},
            {"ndb_au.oaic_statement", "ndb_au.publish_statement"},
            {"ndb_au.eligible"},
        ),
        (
            {**SE_4_25, "entity_role": "processor"},  # its own duties stay beside the notice to its client
            {"ndb_au.notify_client", "ndb_au.oaic_statement", "ndb_au.notify_individuals"},
            {"ndb_au.eligible"},
        ),
        ({**SE_2, "entity_role": "processor"}, {"ndb_au.notify_client", "ndb_au.assessment"}, {"ndb_au.suspected"}),
    ],
)
def test_ndb_au_table(overrides: dict[str, Any], expected: set[str], trig: set[str]) -> None:
    a = run("AU", **overrides)
    assert codes(a, "ndb_au.") == expected
    assert triggers(a, "ndb_au.") == trig


def test_ndb_assessment_alone_does_not_raise_the_legal_level() -> None:
    suspected = run("AU", **SE_2)
    assert codes(suspected) - INTERNAL == {"ndb_au.assessment"}
    assert suspected.legal_level is RiskLevel.MEDIUM
    assert run("AU", **BANK_SE_2).legal_level in (RiskLevel.HIGH, RiskLevel.VERY_HIGH)


# ---------------------------------------------------------------- India

IN_FORCE = datetime(2027, 5, 13, tzinfo=UTC) - timedelta(hours=5, minutes=30)  # 2027-05-13T00:00+05:30
DPDP_ALL = {"dpdp_in.board_intimation", "dpdp_in.board_report", "dpdp_in.notify_data_principals"}


@pytest.mark.parametrize(
    ("aware_at", "in_force"),
    [(IN_FORCE - timedelta(seconds=1), False), (IN_FORCE, True), (T0, False)],
)
def test_dpdp_only_from_13_may_2027(aware_at: datetime, in_force: bool) -> None:
    a = run("IN", **SE_1_25, aware_at=aware_at)
    assert codes(a, "dpdp_in.") == (DPDP_ALL if in_force else set())
    assert any("dpdp_in" in line and "not in force" in line for line in a.explanation) is not in_force


LATER = datetime(2027, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (SE_1_25, DPDP_ALL),  # no severity floor
        ({**SE_1_25, "count": 1}, DPDP_ALL),  # no count threshold
        ({**SE_1_25, "incident_kind": "secondary_use_without_consent"}, DPDP_ALL),  # s 2(u): counts
        ({**SE_1_25, "contact_info_available": False}, DPDP_ALL),  # no substitute: the notice stays open
        ({**SE_1_25, "entity_role": "processor"}, {"dpdp_in.notify_fiduciary"}),
        ({**SE_1_25, "encryption": "high_level"}, set()),
        ({**SE_1_25, "recovered_before_access": True}, set()),
    ],
)
def test_dpdp_table(overrides: dict[str, Any], expected: set[str]) -> None:
    count = overrides.pop("count", 10) if "count" in overrides else 10
    a = run("IN", count, **overrides, aware_at=LATER)
    assert codes(a, "dpdp_in.") == expected
    assert (triggers(a, "dpdp_in.") == {"dpdp_in.breach"}) is bool(expected)


def test_dpdp_without_contacts_says_why_the_notice_stays_open() -> None:
    a = run("IN", **SE_1_25, aware_at=LATER, contact_info_available=False)
    assert any("no public-notice substitute" in line for line in a.explanation)


@pytest.mark.parametrize(
    ("kind", "reported"),
    [
        ("unauthorized_access", True),
        ("malware", True),
        ("public_exposure", True),
        ("insider_takeout", True),
        ("misdelivery", False),
        ("loss", False),
        ("theft", False),
    ],
)
def test_certin_six_hours_for_cyber_incidents_in_force_now(kind: str, reported: bool) -> None:
    a = run("IN", incident_kind=kind)  # 2026: before the DPDP date, CERT-In applies already
    assert ("certin.incident_report" in codes(a)) is reported
    if reported:
        assert due(a, "certin.incident_report") == 6 * H
        assert triggers(a, "certin.") == {"certin.cyber_incident"}


@pytest.mark.parametrize("exemption", EXEMPTIONS)
def test_certin_is_not_lifted_by_encryption_or_recovery(exemption: dict[str, Any]) -> None:
    a = run("IN", **SE_2, **exemption)
    assert codes(a) - INTERNAL == {"certin.incident_report"}


def test_certin_applies_to_an_entity_in_india_with_subjects_elsewhere() -> None:
    a = run("JP", **SE_2, entity_country="IN", pmark=False)
    assert "certin.incident_report" in codes(a)


# ---------------------------------------------------------------- Brazil

LGPD_ALL = {"lgpd.anpd_communication", "lgpd.notify_data_subjects", "lgpd.incident_register"}


@pytest.mark.parametrize(
    ("count", "overrides", "expected"),
    [
        (10, SE_1_25, {"lgpd.incident_register"}),  # always the register
        (10, {**SE_1_25, "data_categories": ["name", "health"]}, LGPD_ALL),  # sensitive, SE ≥ 2
        (10, BANK_SE_2, LGPD_ALL),  # financial at SE 2 exactly
        (10, BANK_SE_1_75, {"lgpd.incident_register"}),  # financial below SE 2
        (10, {**SE_2, "data_categories": ["name", "credentials"]}, LGPD_ALL),  # authentication data
        (10, {**SE_2, "data_categories": ["name", "communications_content"]}, LGPD_ALL),  # secrecy
        (10, {**SE_2, "data_categories": ["name", "criminal_record"]}, LGPD_ALL),  # secrecy
        (10, SE_2, {"lgpd.incident_register"}),  # SE 2 with no criterion
        (1000, SE_2, {"lgpd.incident_register"}),  # large scale: 1000 is not more than 1000
        (1001, SE_2, LGPD_ALL),
        (None, SE_2, LGPD_ALL),  # unknown count: large scale until known
        (5000, SE_1_5, {"lgpd.incident_register"}),  # large, but SE < 2
        (
            10,
            {**SE_4_25, "contact_info_available": False},
            {"lgpd.anpd_communication", "lgpd.public_communication", "lgpd.incident_register"},
        ),
        (10, {**SE_4_25, "entity_role": "processor"}, {"lgpd.notify_controller", "lgpd.incident_register"}),
    ],
)
def test_lgpd_table(count: int | None, overrides: dict[str, Any], expected: set[str]) -> None:
    a = run("BR", count, **overrides)
    assert codes(a, "lgpd.") == expected
    assert (triggers(a, "lgpd.") == {"lgpd.relevant_risk"}) is bool(expected - {"lgpd.incident_register"})


def test_lgpd_deadlines_are_three_working_days_in_sao_paulo() -> None:
    # T0 Tuesday 24 Nov 2026 00:00 in São Paulo: Wed, Thu, Fri → Friday 27 Nov 23:59 local
    a = run("BR", **SE_4_25)
    expected = datetime(2026, 11, 27, 23, 59, tzinfo=SAO_PAULO)
    assert ob(a, "lgpd.anpd_communication").due_at == expected
    assert ob(a, "lgpd.notify_data_subjects").due_at == expected


def test_lgpd_counts_from_the_local_day_of_t0_across_zumbi_day() -> None:
    # 01:15 UTC Friday 20 Nov 2026 is Thursday 19 Nov 22:15 in São Paulo; Friday 20 Nov is a national holiday
    a = run("BR", **SE_4_25, aware_at=datetime(2026, 11, 20, 1, 15, tzinfo=UTC))
    assert ob(a, "lgpd.anpd_communication").due_at == datetime(2026, 11, 25, 23, 59, tzinfo=SAO_PAULO)


def test_anpd_supplement_is_twenty_working_days_after_a_partial_communication() -> None:
    filed = datetime(2027, 4, 1, 15, 0, tzinfo=SAO_PAULO)  # Thursday; Tiradentes (Wed 21 Apr) is not counted
    supplement = anpd_supplement(filed)
    assert supplement.code == "lgpd.anpd_supplement"
    assert supplement.basis == "Res. CD/ANPD 15/2024 (supplementary information)"
    assert supplement.due_at == datetime(2027, 4, 30, 23, 59, tzinfo=SAO_PAULO)


# ---------------------------------------------------------------- Philippines

PH_ALL = {
    "dpa_ph.npc_notification",
    "dpa_ph.npc_full_report",
    "dpa_ph.notify_data_subjects",
    "dpa_ph.incident_register",
}
BIRTH_SE_2 = {"data_categories": ["name", "birth_date"], "incident_kind": "unauthorized_access"}
BIRTH_SE_1_5 = {"data_categories": ["name", "birth_date"], "incident_kind": "public_exposure", "malicious": False}


@pytest.mark.parametrize(
    ("count", "overrides", "expected"),
    [
        (10, SE_2, {"dpa_ph.incident_register"}),  # (a) fails: no sensitive or identity-fraud data
        (10, BIRTH_SE_2, PH_ALL),  # age is sensitive personal information
        (10, BIRTH_SE_1_5, {"dpa_ph.incident_register"}),  # SE 1.5 with fewer than 100
        (99, BIRTH_SE_1_5, {"dpa_ph.incident_register"}),
        (100, BIRTH_SE_1_5, PH_ALL),  # at least 100 lowers the bar to SE ≥ 1.5
        (5000, {**SE_1_25, "data_categories": ["birth_date"]}, {"dpa_ph.incident_register"}),  # SE < 1.5
        (10, SE_4_25, PH_ALL),
        (
            10,
            {**SE_4_25, "contact_info_available": False},
            {
                "dpa_ph.npc_notification",
                "dpa_ph.npc_full_report",
                "dpa_ph.alternative_notice_request",
                "dpa_ph.incident_register",
            },
        ),
        (10, {**SE_4_25, "entity_role": "processor"}, {"dpa_ph.notify_controller", "dpa_ph.incident_register"}),
    ],
)
def test_dpa_ph_table(count: int, overrides: dict[str, Any], expected: set[str]) -> None:
    a = run("PH", count, **overrides)
    assert codes(a, "dpa_ph.") == expected
    assert (triggers(a, "dpa_ph.") == {"dpa_ph.notifiable"}) is bool(expected - {"dpa_ph.incident_register"})


# ---------------------------------------------------------------- Privacy Mark


@pytest.mark.parametrize(
    ("overrides", "applies"),
    [
        ({}, True),  # an entity in Japan: true until the directory says otherwise
        ({"pmark": False}, False),
        ({"entity_country": "TH", "pmark": True}, True),
        ({"entity_country": "TH"}, False),
    ],
)
def test_pmark_follows_the_directory_attribute(overrides: dict[str, Any], applies: bool) -> None:
    entity = overrides.get("entity_country", "JP")
    a = run(entity, **overrides)
    assert ("pmark.final_report" in codes(a)) is applies


@pytest.mark.parametrize(
    "overrides",
    [
        {"encryption": "high_level"},
        {"encryption": "standard"},
        {"recovered_before_access": True},
        {"incident_kind": "secondary_use_without_consent"},  # use beyond purpose is an incident
        {"entity_role": "processor"},  # its own incident: reported like a controller's
        {"count": 1},
    ],
)
def test_pmark_reports_every_incident_whatever_the_exemptions(overrides: dict[str, Any]) -> None:
    count = overrides.pop("count", 10) if "count" in overrides else 10
    a = run("JP", count, **overrides)
    assert codes(a, "pmark.") == {"pmark.final_report"}
    assert due(a, "pmark.final_report") == 30 * D


def test_pmark_final_report_in_60_days_when_malicious() -> None:
    a = run("JP", malicious=True)
    assert due(a, "pmark.final_report") == 60 * D


@pytest.mark.parametrize(
    ("count", "overrides", "preliminary"),
    [
        (10, {}, False),
        (10, {"data_categories": ["name", "health"]}, True),  # appi.sensitive list
        (10, {"data_categories": ["social_status"]}, True),
        (10, {"data_categories": ["credit_card"]}, True),  # appi.financial_misuse list
        (10, {"data_categories": ["bank_account"]}, False),
        (10, {"malicious": True}, True),
        (1000, {}, False),
        (1001, {}, True),
        (None, {}, True),
        (10, {"data_categories": ["my_number"]}, False),
        (10, {"data_categories": ["my_number"], "publicly_viewable": True}, True),
        (100, {"data_categories": ["my_number"]}, False),
        (101, {"data_categories": ["my_number"]}, True),
        (10, {"data_categories": ["name", "health"], "encryption": "high_level"}, True),  # still reported
    ],
)
def test_pmark_preliminary_report(count: int | None, overrides: dict[str, Any], preliminary: bool) -> None:
    a = run("JP", count, **overrides)
    assert ("pmark.preliminary_report" in codes(a)) is preliminary
    assert ("pmark.preliminary" in triggers(a)) is preliminary
    if preliminary:
        assert (due(a, "pmark.preliminary_report"), target(a, "pmark.preliminary_report")) == (5 * D, 3 * D)


def test_pmark_counts_affected_count_over_every_region() -> None:
    a = run(None, 1001, subject_regions={"JP": 1, "EU": 1000}, entity_country="JP")
    assert "pmark.preliminary_report" in codes(a)


def test_pmark_comes_on_top_of_the_ppc_reports() -> None:
    a = run("JP", data_categories=["name", "health"])
    assert {"appi.ppc_preliminary_report", "pmark.preliminary_report", "pmark.final_report"} <= codes(a)


def test_pmark_never_raises_the_legal_level_on_its_own() -> None:
    recovered = run("JP", recovered_before_access=True, malicious=True)
    assert codes(recovered) - INTERNAL == {"pmark.final_report", "pmark.preliminary_report"}
    assert recovered.legal_level is RiskLevel.LOW


# ---------------------------------------------------------------- properties over the v2 regions

v2_facts = st.builds(
    IncidentFacts,
    incident_kind=st.sampled_from(list(IncidentKind)),
    data_categories=st.frozensets(st.sampled_from(list(DataCategory)), min_size=1, max_size=6),
    aware_at=st.datetimes(min_value=datetime(2025, 11, 2), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)),
    entity_country=st.sampled_from(["JP", "GB", "CN", "AU", "IN", "BR", "PH"]),
    affected_count=st.none() | st.integers(0, 200_000_000),
    subject_regions=st.dictionaries(
        st.sampled_from(["JP", "GB", "CN", "AU", "IN", "BR", "PH", "HK"]), st.integers(0, 200_000_000), max_size=4
    ),
    encryption=st.sampled_from(list(Encryption)),
    recovered_before_access=st.booleans(),
    malicious=st.none() | st.booleans(),
    publicly_viewable=st.booleans(),
    entity_role=st.sampled_from(list(EntityRole)),
    contact_info_available=st.booleans(),
    pmark=st.none() | st.booleans(),
    cn_cac_deadline_h=st.none() | st.sampled_from([1, 2]),
)


@settings(max_examples=300, deadline=None)
@given(base=v2_facts, extra=st.sampled_from(list(DataCategory)))
def test_v2_adding_a_data_category_never_lowers_the_risk(base: IncidentFacts, extra: DataCategory) -> None:
    from dataclasses import replace

    before, after = assess(base), assess(replace(base, data_categories=base.data_categories | {extra}))
    assert rank(after.risk_level) >= rank(before.risk_level)


@settings(max_examples=300, deadline=None)
@given(base=v2_facts)
def test_v2_high_level_encryption_leaves_only_internal_certin_and_pmark(base: IncidentFacts) -> None:
    from dataclasses import replace

    plain = {o.code for o in assess(replace(base, encryption=Encryption.NONE)).obligations}
    strong = {o.code for o in assess(replace(base, encryption=Encryption.HIGH_LEVEL)).obligations}
    assert strong <= plain
    assert {c for c in strong if not c.startswith(("pmark.", "certin."))} == INTERNAL
