"""docs/rules.md (v1) as tables: every rule and every boundary, plus the properties the rules promise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pidesk.services.escalation.domain.assessment import Assessment, assess
from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.risk import rank
from pidesk.services.escalation.domain.rulebook import rules_in_force
from pidesk.shared.vocabulary import DataCategory, Encryption, EntityRole, IncidentKind

T0 = datetime(2026, 11, 20, 1, 15, tzinfo=UTC)


def facts(**overrides: Any) -> IncidentFacts:
    entity_country = overrides.pop("entity_country", "JP")
    base: dict[str, Any] = {
        "incident_kind": "misdelivery",
        "data_categories": ["name"],
        "aware_at": T0,
        "affected_count": 10,
        "subject_regions": {"JP": 10},
    }
    return IncidentFacts.from_report({**base, **overrides}, entity_country)


def run(**overrides: Any) -> Assessment:
    return assess(facts(**overrides))


def codes(a: Assessment) -> set[str]:
    return {o.code for o in a.obligations}


def due(a: Assessment, code: str) -> timedelta:
    return next(o.due_at for o in a.obligations if o.code == code) - T0


# ---------------------------------------------------------------- severity (docs/rules.md §1)


@pytest.mark.parametrize(
    ("overrides", "dpc", "ei", "cb", "score", "band"),
    [
        ({"data_categories": ["name"]}, 1, 1.0, 0.25, 1.25, "low"),
        (
            {"data_categories": ["name"], "incident_kind": "public_exposure", "malicious": False},
            1,
            1.0,
            0.5,
            1.5,
            "low",
        ),
        (
            {"data_categories": ["location", "email"], "incident_kind": "public_exposure", "malicious": False},
            2,
            0.75,
            0.5,
            2.0,
            "medium",
        ),
        ({"data_categories": ["location", "email"]}, 2, 0.75, 0.25, 1.75, "low"),
        (
            {"data_categories": ["credentials"], "incident_kind": "public_exposure", "malicious": False},
            3,
            0.75,
            0.5,
            2.75,
            "medium",
        ),
        ({"data_categories": ["my_number"], "incident_kind": "loss"}, 3, 1.0, 0.0, 3.0, "high"),
        ({"data_categories": ["health", "name"], "incident_kind": "loss"}, 4, 1.0, 0.0, 4.0, "very_high"),
        ({"data_categories": ["health"], "incident_kind": "malware"}, 4, 0.25, 1.25, 2.25, "medium"),
        ({"data_categories": ["birth_date"], "incident_kind": "theft"}, 1, 0.5, 1.0, 1.5, "low"),
        ({"data_categories": ["name", "credit_card"], "encryption": "high_level"}, 4, 0.25, 0.0, 1.0, "low"),
        ({"data_categories": ["name"], "recovered_before_access": True, "malicious": True}, 1, 0.25, 0.5, 0.75, "low"),
        ({"data_categories": ["name"], "incident_kind": "loss", "publicly_viewable": True}, 1, 1.0, 0.5, 1.5, "low"),
        ({"data_categories": []}, 1, 0.25, 0.25, 0.5, "low"),
    ],
)
def test_severity(overrides: dict[str, Any], dpc: int, ei: float, cb: float, score: float, band: str) -> None:
    se = run(**overrides).severity
    assert (se.dpc, se.ei, se.cb, se.score, se.band) == (dpc, ei, cb, score, band)


@pytest.mark.parametrize(
    ("kind", "reported", "malicious"),
    [
        ("unauthorized_access", None, True),
        ("malware", None, True),
        ("theft", None, True),
        ("insider_takeout", None, True),
        ("misdelivery", None, False),
        ("loss", None, False),
        ("theft", False, False),
        ("misdelivery", True, True),
    ],
)
def test_malice_is_reported_or_presumed_from_the_kind(kind: str, reported: bool | None, malicious: bool) -> None:
    assert facts(incident_kind=kind, malicious=reported).is_malicious is malicious


# ---------------------------------------------------------------- APPI (docs/rules.md §2)


@pytest.mark.parametrize(
    ("overrides", "triggers"),
    [
        ({"data_categories": ["name"]}, set()),
        ({"data_categories": ["name", "health"]}, {"appi.sensitive"}),
        ({"data_categories": ["social_status"]}, {"appi.sensitive"}),
        ({"data_categories": ["name", "credit_card"]}, {"appi.financial_misuse"}),
        ({"data_categories": ["online_banking_credentials"]}, {"appi.financial_misuse"}),
        ({"data_categories": ["bank_account"]}, set()),
        ({"malicious": True}, {"appi.wrongful_purpose"}),
        ({"incident_kind": "unauthorized_access"}, {"appi.wrongful_purpose"}),
        ({"affected_count": 1000, "subject_regions": {"JP": 1000}}, set()),
        ({"affected_count": 1001, "subject_regions": {"JP": 1001}}, {"appi.over_1000"}),
        ({"affected_count": None, "subject_regions": {}}, {"appi.over_1000"}),
        # v2 correction (docs/rules.md §2): an entity in Japan counts every region; one abroad, JP subjects only
        ({"affected_count": 5000, "subject_regions": {"JP": 10, "EU": 4990}}, {"appi.over_1000"}),
        ({"affected_count": 5000, "subject_regions": {"JP": 10, "EU": 4990}, "entity_country": "DE"}, set()),
    ],
)
def test_appi_triggers(overrides: dict[str, Any], triggers: set[str]) -> None:
    found = {t.code for t in run(**overrides).triggers if t.code.startswith("appi.")}
    assert found == triggers


def test_appi_deadlines_for_a_controller() -> None:
    a = run(data_categories=["name", "credit_card"])
    assert due(a, "appi.ppc_preliminary_report") == timedelta(days=5)
    assert next(o.target_at for o in a.obligations if o.code == "appi.ppc_preliminary_report") - T0 == timedelta(days=3)
    assert due(a, "appi.ppc_final_report") == timedelta(days=30)
    assert due(a, "appi.notify_individuals") == timedelta(days=30)
    assert "appi.public_announcement" not in codes(a)


def test_appi_final_report_is_60_days_for_a_wrongful_purpose() -> None:
    assert due(run(malicious=True), "appi.ppc_final_report") == timedelta(days=60)


def test_appi_public_announcement_when_people_cannot_be_contacted() -> None:
    assert "appi.public_announcement" in codes(run(malicious=True, contact_info_available=False))


def test_appi_processor_notifies_the_principal_instead() -> None:
    a = run(malicious=True, entity_role="processor")
    assert {c for c in codes(a) if c.startswith("appi.")} == {"appi.notify_principal"}
    assert due(a, "appi.notify_principal") == timedelta(days=2)


def test_appi_applies_to_a_japanese_entity_without_japanese_subjects_only_through_its_triggers() -> None:
    a = run(subject_regions={"TH": 10}, malicious=True)
    assert "appi.ppc_preliminary_report" in codes(a)
    assert "appi" not in run(subject_regions={"TH": 10}, entity_country="TH").regimes


def test_secondary_use_is_not_an_appi_leak() -> None:
    a = run(incident_kind="secondary_use_without_consent", malicious=True, data_categories=["health"])
    assert not {c for c in codes(a) if c.startswith("appi.")}
    assert a.legal_level == "medium"  # mishandling


# ---------------------------------------------------------------- My Number Act


@pytest.mark.parametrize(
    ("overrides", "triggers"),
    [
        ({"data_categories": ["my_number"], "affected_count": 100, "subject_regions": {"JP": 100}}, set()),
        (
            {"data_categories": ["my_number"], "affected_count": 101, "subject_regions": {"JP": 101}},
            {"mynumber.over_100"},
        ),
        ({"data_categories": ["my_number"], "publicly_viewable": True}, {"mynumber.publicly_viewable"}),
        ({"data_categories": ["my_number"], "malicious": True}, {"mynumber.wrongful_purpose"}),
        ({"data_categories": ["name"], "malicious": True}, set()),
    ],
)
def test_my_number_triggers(overrides: dict[str, Any], triggers: set[str]) -> None:
    assert {t.code for t in run(**overrides).triggers if t.code.startswith("mynumber.")} == triggers


def test_my_number_deadlines() -> None:
    a = run(data_categories=["my_number"], publicly_viewable=True)
    assert due(a, "mynumber.ppc_preliminary_report") == timedelta(days=5)
    assert due(a, "mynumber.ppc_final_report") == timedelta(days=30)
    assert "mynumber.notify_individuals" in codes(a)
    assert due(run(data_categories=["my_number"], malicious=True), "mynumber.ppc_final_report") == timedelta(days=60)


# ---------------------------------------------------------------- GDPR


def eu(**overrides: Any) -> Assessment:
    return run(**{"subject_regions": {"EU": 10}, "entity_country": "DE", **overrides})


def test_gdpr_unlikely_to_result_in_a_risk_below_1_5() -> None:
    a = eu(data_categories=["name"])  # SE 1.25
    assert codes(a) & {"gdpr.sa_notification", "gdpr.notify_data_subjects"} == set()
    assert "gdpr.breach_register" in codes(a)


def test_gdpr_risk_at_exactly_1_5_gives_the_72_hour_notification() -> None:
    a = eu(data_categories=["name"], incident_kind="public_exposure", malicious=False)  # SE 1.5
    assert a.severity.score == 1.5
    assert "gdpr.risk" in {t.code for t in a.triggers}
    assert due(a, "gdpr.sa_notification") == timedelta(hours=72)
    assert "gdpr.notify_data_subjects" not in codes(a)


@pytest.mark.parametrize(
    ("overrides", "high"),
    [
        ({"data_categories": ["my_number"], "incident_kind": "loss"}, True),  # SE exactly 3
        ({"data_categories": ["credentials"], "incident_kind": "public_exposure", "malicious": False}, False),  # 2.75
        ({"data_categories": ["trade_union"], "incident_kind": "loss"}, True),  # special category, SE 1
    ],
)
def test_gdpr_high_risk(overrides: dict[str, Any], high: bool) -> None:
    a = eu(**overrides)
    assert ("gdpr.high_risk" in {t.code for t in a.triggers}) is high
    assert ("gdpr.notify_data_subjects" in codes(a)) is high


def test_gdpr_public_communication_when_subjects_cannot_be_contacted() -> None:
    a = eu(data_categories=["health"], incident_kind="loss", contact_info_available=False)
    assert "gdpr.public_communication" in codes(a) and "gdpr.notify_data_subjects" not in codes(a)


def test_gdpr_processor_notifies_the_controller_within_24_hours() -> None:
    a = eu(data_categories=["health"], incident_kind="loss", entity_role="processor")
    assert due(a, "gdpr.notify_controller") == timedelta(hours=24)
    assert not codes(a) & {"gdpr.sa_notification", "gdpr.notify_data_subjects"}


def test_gdpr_applies_to_an_eea_entity_and_to_eu_subjects() -> None:
    assert "gdpr" in run(subject_regions={}, entity_country="FR", affected_count=3).regimes
    assert "gdpr" in run(subject_regions={"JP": 5, "EU": 1}).regimes
    assert "gdpr" not in run(subject_regions={"JP": 5, "EU": 0}).regimes


# ---------------------------------------------------------------- California, Thailand, Singapore, Korea


@pytest.mark.parametrize(
    ("categories", "count", "expected"),
    [
        (["name", "ssn"], 500, {"ccpa.notify_residents"}),
        (["name", "ssn"], 501, {"ccpa.notify_residents", "ccpa.ag_sample_notice"}),
        (["email", "credentials"], 10, {"ccpa.notify_residents"}),
        (["ssn"], 10, set()),
        (["name", "email"], 10, set()),
    ],
)
def test_california(categories: list[str], count: int, expected: set[str]) -> None:
    a = run(data_categories=categories, affected_count=count, subject_regions={"US-CA": count}, entity_country="US")
    assert {c for c in codes(a) if c.startswith("ccpa.")} == expected
    if "ccpa.ag_sample_notice" in expected:
        assert due(a, "ccpa.notify_residents") == timedelta(days=30)
        assert due(a, "ccpa.ag_sample_notice") == timedelta(days=45)


def test_thailand() -> None:
    th = {"subject_regions": {"TH": 10}, "entity_country": "TH"}
    assert not {c for c in codes(run(**th)) if c.startswith("pdpa_th")}  # SE 1.25
    a = run(**th, data_categories=["name"], incident_kind="public_exposure", malicious=False)  # 1.5
    assert due(a, "pdpa_th.office_notification") == timedelta(hours=72)
    assert "pdpa_th.notify_data_subjects" not in codes(a)
    assert "pdpa_th.notify_data_subjects" in codes(run(**th, data_categories=["my_number"], incident_kind="loss"))


@pytest.mark.parametrize(
    ("count", "categories", "kind", "expected"),
    [
        (499, ["name"], "misdelivery", set()),
        (500, ["name"], "misdelivery", {"pdpa_sg.commission_notification"}),
        (10, ["my_number"], "loss", {"pdpa_sg.commission_notification", "pdpa_sg.notify_individuals"}),
    ],
)
def test_singapore(count: int, categories: list[str], kind: str, expected: set[str]) -> None:
    a = run(
        data_categories=categories,
        incident_kind=kind,
        affected_count=count,
        subject_regions={"SG": count},
        entity_country="SG",
    )
    assert {c for c in codes(a) if c.startswith("pdpa_sg")} == expected
    if expected:
        assert due(a, "pdpa_sg.commission_notification") == timedelta(days=3)


@pytest.mark.parametrize(
    ("count", "categories", "kind", "report"),
    [
        (999, ["name"], "misdelivery", False),
        (1000, ["name"], "misdelivery", True),
        (5, ["health"], "misdelivery", True),
        (5, ["government_id"], "misdelivery", True),
        (5, ["name"], "unauthorized_access", True),
    ],
)
def test_korea(count: int, categories: list[str], kind: str, report: bool) -> None:
    a = run(
        data_categories=categories,
        incident_kind=kind,
        affected_count=count,
        subject_regions={"KR": count},
        entity_country="KR",
    )
    assert due(a, "pipa_kr.notify_data_subjects") == timedelta(hours=72)
    assert ("pipa_kr.pipc_report" in codes(a)) is report


# ---------------------------------------------------------------- exemptions, internal duties, risk level


@pytest.mark.parametrize("exemption", [{"recovered_before_access": True}, {"encryption": "high_level"}])
def test_exemptions_leave_only_the_internal_obligations(exemption: dict[str, Any]) -> None:
    everything = {
        "data_categories": ["name", "health", "my_number", "credit_card", "ssn"],
        "malicious": True,
        "affected_count": 20_000,
        "subject_regions": {"JP": 5000, "EU": 5000, "US-CA": 5000, "TH": 1000, "SG": 1000, "KR": 3000},
    }
    assert len(codes(run(**everything))) > 10
    # the Privacy Mark is a contract that ignores the exemptions (docs/rules.md §2b); tested in test_regimes_v2
    remaining = {c for c in codes(run(**everything, **exemption)) if not c.startswith("pmark.")}
    assert remaining == {"internal.report_to_desk", "internal.recurrence_prevention"}


def test_internal_obligations_are_always_there() -> None:
    a = run()
    assert due(a, "internal.report_to_desk") == timedelta(hours=24)
    assert due(a, "internal.recurrence_prevention") == timedelta(days=30)


@pytest.mark.parametrize(
    ("overrides", "legal", "risk"),
    [
        ({"data_categories": ["name"], "recovered_before_access": True}, "low", "low"),
        ({"data_categories": ["name"]}, "medium", "medium"),
        ({"incident_kind": "unauthorized_provision"}, "medium", "medium"),
        ({"data_categories": ["name", "credit_card"]}, "high", "very_high"),  # severity band wins
        (
            {"data_categories": ["bank_account"], "affected_count": 1001, "subject_regions": {"JP": 1001}},
            "high",
            "high",
        ),
        ({"data_categories": ["name", "health"]}, "very_high", "very_high"),
        (
            {"data_categories": ["name"], "affected_count": 10_001, "subject_regions": {"JP": 10_001}},
            "very_high",
            "very_high",
        ),
        ({"malicious": True, "affected_count": 1001, "subject_regions": {"JP": 1001}}, "very_high", "very_high"),
        ({"data_categories": ["name", "credit_card"], "subject_regions": {"JP": 5, "EU": 5}}, "very_high", "very_high"),
    ],
)
def test_risk_level(overrides: dict[str, Any], legal: str, risk: str) -> None:
    a = run(**overrides)
    assert (a.legal_level, a.risk_level) == (legal, risk)


def test_every_obligation_and_trigger_names_its_legal_basis() -> None:
    a = run(
        data_categories=["name", "health", "my_number", "credit_card"],
        malicious=True,
        affected_count=None,
        subject_regions={},
    )
    assert all(o.basis for o in a.obligations) and all(t.basis for t in a.triggers)
    assert any("APPI" in line for line in a.explanation) and any("ENISA" in line for line in a.explanation)


# ---------------------------------------------------------------- properties

categories = st.frozensets(st.sampled_from(list(DataCategory)), max_size=8)
regions = st.dictionaries(
    st.sampled_from(["JP", "EU", "US-CA", "TH", "SG", "KR", "US-NY"]), st.integers(0, 20_000), max_size=4
)
fact_strategy = st.builds(
    IncidentFacts,
    incident_kind=st.sampled_from(list(IncidentKind)),
    data_categories=categories.map(lambda c: c or frozenset({DataCategory.OTHER})),
    aware_at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
    entity_country=st.sampled_from(["JP", "DE", "TH", "US", "SG", "KR"]),
    affected_count=st.none() | st.integers(0, 50_000),
    subject_regions=regions,
    encryption=st.sampled_from(list(Encryption)),
    recovered_before_access=st.booleans(),
    malicious=st.none() | st.booleans(),
    publicly_viewable=st.booleans(),
    entity_role=st.sampled_from(list(EntityRole)),
    contact_info_available=st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(base=fact_strategy, extra=st.sampled_from(list(DataCategory)))
def test_adding_a_data_category_never_lowers_the_risk(base: IncidentFacts, extra: DataCategory) -> None:
    from dataclasses import replace

    before, after = assess(base), assess(replace(base, data_categories=base.data_categories | {extra}))
    assert rank(after.risk_level) >= rank(before.risk_level)
    assert after.severity.score >= before.severity.score


@settings(max_examples=400, deadline=None)
@given(base=fact_strategy)
def test_high_level_encryption_never_adds_a_statutory_obligation(base: IncidentFacts) -> None:
    from dataclasses import replace

    plain = {o.code for o in assess(replace(base, encryption=Encryption.NONE)).obligations}
    strong = {o.code for o in assess(replace(base, encryption=Encryption.HIGH_LEVEL)).obligations}
    assert strong <= plain
    # the Privacy Mark (a contract, not a statute) covers encrypted data too (docs/rules.md §2b)
    assert {c for c in strong if not c.startswith("pmark.")} == {
        "internal.report_to_desk",
        "internal.recurrence_prevention",
    }


def in_force_at(at: datetime) -> tuple[str, tuple[str, ...]]:
    rules = rules_in_force(at)
    return rules.id, rules.in_force(at)


@settings(max_examples=400, deadline=None)
@given(base=fact_strategy, later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
def test_a_later_aware_at_never_moves_a_deadline_earlier(base: IncidentFacts, later: timedelta) -> None:
    from dataclasses import replace

    moved = replace(base, aware_at=base.aware_at + later)
    # a different rules version or a law coming into force may change the duties (docs/rules.md §2b)
    assume(in_force_at(base.aware_at) == in_force_at(moved.aware_at))
    before = {o.code: o.due_at for o in assess(base).obligations}
    after = {o.code: o.due_at for o in assess(moved).obligations}
    assert set(before) == set(after)
    assert all(after[code] >= before[code] for code in before)
