"""Issue 15, items 4 and 5: a report due within hours (China's CAC, India's CERT-In) sends the officer in
charge at step 1 (`obligation_due_within`), and the example directory's new overseas subsidiaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import pytest

from pidesk.services.escalation.adapters.policy_files import PolicyFileError, load, load_directory, load_policy
from pidesk.services.escalation.domain.assessment import assess
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.facts import IncidentFacts
from pidesk.services.escalation.domain.routing import CONDITION_KEYS, ObligationDueWithin, RoutingPolicy, holds, route
from pidesk.shared.vocabulary import RiskLevel

POLICY = load_policy()
POLICY_FILE = resources.files("pidesk.services.escalation.policy")
POLICY_TEXT = (POLICY_FILE / "default.yaml").read_text(encoding="utf-8")
DIRECTORY_TEXT = (POLICY_FILE / "example_directory.yaml").read_text(encoding="utf-8")
T0 = datetime(2026, 11, 20, 1, 15, tzinfo=UTC)  # before India's DPDP Rule 7 (2027-05-13): CERT-In alone
SHORT = "a report due within hours"
MILLION = {"affected_count": 1_000_000, "subject_regions": {"CN": 1_000_000}}


def facts(entity_country: str = "JP", cn_cac_deadline_h: int | None = None, **overrides: Any) -> IncidentFacts:
    report: dict[str, Any] = {
        "incident_kind": "misdelivery",
        "data_categories": ["name"],
        "aware_at": T0,
        "affected_count": 10,
        "subject_regions": {entity_country: 10},
        **overrides,
    }
    return IncidentFacts.from_report(report, entity_country, cn_cac_deadline_h=cn_cac_deadline_h)


def step_one(f: IncidentFacts, policy: RoutingPolicy = POLICY) -> list[str]:
    return [r.target for r in route(policy, f, assess(f)) if r.step == 1]


def officer_reasons(f: IncidentFacts) -> list[str]:
    """Why the default policy tells the officer in charge: every officer rule that holds, not only the first."""
    a = assess(f)
    return [r.why for r in POLICY.routes if r.target == "officer_in_charge" and holds(r.when, f, a)]


def has_short_reason(f: IncidentFacts) -> bool:
    return any(why.startswith(SHORT) for why in officer_reasons(f))


# ---------------------------------------------------------------- the default policy


@pytest.mark.parametrize(
    ("case", "f", "short_duty"),
    [
        ("CN, CAC 较大 report due T0+4h", facts("CN", incident_kind="unauthorized_access", **MILLION), 4),
        ("CN, CAC report due T0+1h (CII, directory override)", facts("CN", 1, **MILLION), 1),
        ("IN entity, CERT-In report due T0+6h", facts("IN", incident_kind="unauthorized_access"), 6),
        ("IN entity, CERT-In despite recovery", facts("IN", incident_kind="malware", recovered_before_access=True), 6),
        (
            "JP entity with subjects in India: CERT-In",
            facts("JP", incident_kind="public_exposure", subject_regions={"JP": 5, "IN": 5}),
            6,
        ),
    ],
)
def test_a_report_due_within_hours_sends_the_officer_at_step_one(case: str, f: IncidentFacts, short_duty: int) -> None:
    a = assess(f)
    assert min(o.due_at for o in a.obligations) - T0 == timedelta(hours=short_duty), case
    assert "officer_in_charge" in step_one(f), case
    assert has_short_reason(f), case  # a CAC case is also very high; the short-deadline rule holds on its own


def test_cert_in_alone_is_not_very_high_so_the_officer_comes_from_the_short_deadline_rule() -> None:
    f = facts("IN", incident_kind="unauthorized_access")
    assert assess(f).risk_level is not RiskLevel.VERY_HIGH
    assert officer_reasons(f) == [next(r.why for r in POLICY.routes if isinstance(r.when, ObligationDueWithin))]
    assert step_one(f) == [
        "security_contact_desk",
        "division_manager",
        "promotion_bureau",
        "pi_administrator",
        "privacy_compliance_supervisor",
        "officer_in_charge",
    ]


@pytest.mark.parametrize(
    ("case", "f"),
    [
        ("JP, APPI report (days), no short duty", facts("JP", data_categories=["bank_account"], affected_count=1001)),
        ("JP, low risk, internal T0+24h only", facts("JP", recovered_before_access=True)),
        ("CN below 1,000,000: PIPL T0+24h, no CAC report", facts("CN", incident_kind="unauthorized_access")),
        ("IN entity, misdelivery: not a CERT-In incident", facts("IN")),
    ],
)
def test_without_a_short_duty_the_officer_is_not_told(case: str, f: IncidentFacts) -> None:
    assert assess(f).risk_level is not RiskLevel.VERY_HIGH, case
    assert "officer_in_charge" not in step_one(f), case
    assert not has_short_reason(f), case


# ---------------------------------------------------------------- the condition at its boundary


@pytest.mark.parametrize(
    ("window", "f", "expected"),
    [
        ("6h", facts("IN", incident_kind="unauthorized_access"), True),  # due at exactly T0+6h: within
        ("5h", facts("IN", incident_kind="unauthorized_access"), False),
        ("4h", facts("CN", **MILLION), True),
        ("3h", facts("CN", **MILLION), False),
        ("2h", facts("CN", 2, **MILLION), True),
        ("90m", facts("CN", 2, **MILLION), False),
        ("24h", facts("CN", incident_kind="unauthorized_access"), True),  # PIPL authority notification, T0+24h
        ("23h", facts("CN", incident_kind="unauthorized_access"), False),
        ("24h", facts("JP", recovered_before_access=True), False),  # the desk's own T0+24h does not count
    ],
)
def test_obligation_due_within_counts_from_awareness(window: str, f: IncidentFacts, expected: bool) -> None:
    assert holds(ObligationDueWithin(obligation_due_within=window), f, assess(f)) is expected


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("{obligation_due_within: 6h}", "{obligation_due_within: soon}"),
            "policy.yaml:{line}: routes.6.when.obligation_due_within: "
            "Value error, 'soon' is not a duration like 15m, 4h or 2d",
        ),
        (
            ("{obligation_due_within: 6h}", "{obligation_due_in: 6h}"),
            "policy.yaml:{line}: routes.6.when: Value error, unknown condition 'obligation_due_in'; use one of "
            + ", ".join(CONDITION_KEYS),
        ),
        (
            ("    when: {obligation_due_within: 6h}", "    when: {obligation_due_within: 6h}\n    urgent: true"),
            "policy.yaml:{next_line}: routes.6.urgent: Extra inputs are not permitted",
        ),
    ],
)
def test_policy_errors_for_the_new_condition_name_the_line_and_field(change: tuple[str, str], message: str) -> None:
    assert POLICY_TEXT.count(change[0]) == 1
    line = POLICY_TEXT[: POLICY_TEXT.index(change[0])].count("\n") + 1
    with pytest.raises(PolicyFileError) as caught:
        load(POLICY_TEXT.replace(*change), "policy.yaml", RoutingPolicy)
    assert str(caught.value) == message.format(line=line, next_line=line + 1)  # one line, not one per kind


# ---------------------------------------------------------------- the example directory (item 5)

NEW_SUBSIDIARIES = [
    ("Example UK Ltd", "GB", "dpo@example-uk.example.com"),
    ("Example China", "CN", "privacy@example-china.example.com"),
    ("Example Australia", "AU", "privacy@example-australia.example.com"),
    ("Example India", "IN", "dpo@example-india.example.com"),
    ("Example Brasil", "BR", "encarregado@example-brasil.example.com"),
    ("Example Philippines", "PH", "dpo@example-philippines.example.com"),
]


@pytest.mark.parametrize(("name", "country", "supervisor"), NEW_SUBSIDIARIES)
def test_each_new_subsidiary_has_its_privacy_compliance_supervisor(name: str, country: str, supervisor: str) -> None:
    directory = load_directory()
    entity = directory.find(name)
    assert entity is not None and entity.country == country and not entity.holds_pmark
    people = directory.people("privacy_compliance_supervisor", entity_name=name, division="Sales")
    assert [p.email for p in people] == [supervisor]
    assert directory.people("division_manager", entity_name=name, division="Sales")[0].email.endswith(
        supervisor.split("@")[1]
    )
    # group roles, the officer in charge among them, come from the group office
    assert (
        directory.people("officer_in_charge", entity_name=name, division="x")
        == directory.group_office.roles["officer_in_charge"]
    )


def test_the_example_directory_records_the_privacy_mark_and_the_cac_deadline() -> None:
    directory = load_directory()
    pmark = {e.id: e.holds_pmark for e in directory.entities}
    assert pmark["jp-hq"] is True and pmark["jp-logistics"] is False
    assert [i for i, holds_it in pmark.items() if holds_it] == ["jp-hq"]
    china = directory.find("示例（中国）有限公司")
    assert china is not None and china.id == "cn-co" and china.cn_cac_deadline_h is None  # not CII: the CAC's 4 h


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("    country: CN\n", "    country: CN\n    pmarks: false\n"),
            "directory.yaml:{line}: entities.8.pmarks: Extra inputs are not permitted",
        ),
        (
            ("    country: CN\n", "    country: CN\n    cn_cac_deadline_h: 3\n"),
            "directory.yaml:{line}: entities.8.cn_cac_deadline_h: Input should be 1, 2 or 4",
        ),
        (
            ("    country: CN\n", "    country: CN\n    pmark: sometimes\n"),
            "directory.yaml:{line}: entities.8.pmark: Input should be a valid boolean",
        ),
    ],
)
def test_directory_errors_name_the_file_line_and_field(change: tuple[str, str], message: str) -> None:
    assert DIRECTORY_TEXT.count(change[0]) == 1
    line = DIRECTORY_TEXT[: DIRECTORY_TEXT.index(change[0])].count("\n") + 2  # the line added after `country: CN`
    with pytest.raises(PolicyFileError) as caught:
        load(DIRECTORY_TEXT.replace(*change), "directory.yaml", Directory)
    assert message.format(line=line) in str(caught.value)
