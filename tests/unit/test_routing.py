"""docs/rules.md §4 through the bundled policy: who is told, acknowledgement deadlines, the chain, the files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pidesk.services.escalation.adapters.policy_files import PolicyFileError, load, load_directory, load_policy
from pidesk.services.escalation.domain.assessment import assess
from pidesk.services.escalation.domain.directory import Directory
from pidesk.services.escalation.domain.routing import RoutingPolicy, parse_duration, route
from tests.unit.test_assessment import facts

POLICY = load_policy()
DEFAULT_TEXT = (
    __import__("importlib.resources", fromlist=["files"]).files("pidesk.services.escalation.policy") / "default.yaml"
).read_text()


def targets(**overrides: Any) -> list[str]:
    f = facts(**overrides)
    return [rule.target for rule in route(POLICY, f, assess(f))]


BASE = ["security_contact_desk", "division_manager"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"recovered_before_access": True}, BASE),  # low
        ({}, [*BASE, "promotion_bureau"]),  # medium: a misdelivery below every threshold
        (
            {"incident_kind": "secondary_use_without_consent", "recovered_before_access": True},
            [*BASE, "promotion_bureau"],
        ),  # mishandling
        (
            {"data_categories": ["bank_account"], "affected_count": 1001, "subject_regions": {"JP": 1001}},
            [*BASE, "promotion_bureau", "pi_administrator"],
        ),  # high
        ({"data_categories": ["my_number"], "recovered_before_access": True}, [*BASE, "pi_administrator"]),
        (
            {"data_categories": ["name", "health"]},
            [*BASE, "promotion_bureau", "pi_administrator", "officer_in_charge"],
        ),  # very high
        (
            {
                "data_categories": ["bank_account"],
                "affected_count": 1001,
                "subject_regions": {"JP": 1001},
                "contact_info_available": False,
            },
            [*BASE, "promotion_bureau", "pi_administrator", "officer_in_charge"],
        ),  # a public announcement
        (
            {"entity_country": "DE", "subject_regions": {"EU": 10}},
            [*BASE, "promotion_bureau", "privacy_compliance_supervisor"],
        ),  # outside Japan
    ],
)
def test_who_is_told_at_step_one(overrides: dict[str, Any], expected: list[str]) -> None:
    assert targets(**overrides) == expected


@pytest.mark.parametrize(("risk", "deadline"), [("very_high", 15), ("high", 60), ("medium", 240), ("low", 1440)])
def test_acknowledgement_deadlines_by_risk(risk: str, deadline: int) -> None:
    assert POLICY.ack_deadline(risk) == timedelta(minutes=deadline)  # type: ignore[arg-type]


def test_the_chain_climbs_then_repeats_its_last_tier() -> None:
    told = {"security_contact_desk", "division_manager", "promotion_bureau"}
    assert POLICY.next_tier(told) == "pi_administrator"
    assert POLICY.next_tier(told | {"pi_administrator"}) == "officer_in_charge"
    assert POLICY.next_tier(told | {"pi_administrator", "officer_in_charge"}) == "officer_in_charge"
    assert POLICY.next_tier({"security_contact_desk"}) == "division_manager"


@pytest.mark.parametrize("text", ["15", "15s", "m", "1.5h", "-1h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("change", "line", "field"),
    [
        (("high: 1h", "high: soon"), 8, "ack_deadlines"),
        (("target: officer_in_charge", "target: chief"), 47, "routes.4.target"),
        (
            ("{entity_country_not_in: [JP]}", "{entity_country_outside: [JP]}"),
            54,
            "routes.5.when: Value error, unknown condition 'entity_country_outside'",
        ),
        (("escalation_chain: [division_manager", "escalation_chain: [janitor"), 14, "escalation_chain.0"),
    ],
)
def test_policy_errors_name_the_file_line_and_field(change: tuple[str, str], line: int, field: str) -> None:
    with pytest.raises(PolicyFileError) as caught:
        load(DEFAULT_TEXT.replace(*change), "policy.yaml", RoutingPolicy)
    assert f"policy.yaml:{line}: {field}" in str(caught.value)


def test_policy_syntax_errors_and_missing_files_are_clear() -> None:
    with pytest.raises(PolicyFileError, match=r"policy.yaml:\d+: not valid YAML"):
        load("routes: [\n  - {target: x\n", "policy.yaml", RoutingPolicy)
    with pytest.raises(PolicyFileError, match="no such file"):
        load_policy("/nonexistent/policy.yaml")
    with pytest.raises(PolicyFileError, match="acknowledgement deadline is needed for every risk level"):
        load(DEFAULT_TEXT.replace("  low: 24h\n", ""), "policy.yaml", RoutingPolicy)


def test_the_directory_finds_people_per_entity_and_division() -> None:
    directory = load_directory()
    jp = directory.people("division_manager", entity_name="example holdings (jp)", division="retail sales")
    assert jp[0].email == "satoshi.nakamura@example-holdings.example.com"
    fallback = directory.people("division_manager", entity_name="Example Holdings", division="Unknown Dept")
    assert fallback[0].email == "hiroshi.watanabe@example-holdings.example.com"
    de = directory.people("privacy_compliance_supervisor", entity_name="Example GmbH", division="Sales")
    assert de[0].email == "dpo@example-gmbh.example.com"
    # group roles come from the group office for every entity; an unknown company falls back to it too
    assert directory.people("officer_in_charge", entity_name="Example Korea", division="x")[0].language == "ja"
    assert directory.entity("Nobody Ltd.").id == "jp-hq"
    countries = {e.country for e in directory.entities}
    assert countries == {"JP", "DE", "TH", "US", "SG", "KR", "GB", "CN", "AU", "IN", "BR", "PH"}


def test_the_directory_needs_exactly_one_group_office() -> None:
    text = "version: 1\nentities:\n  - {id: a, names: [A], country: JP}\n"
    with pytest.raises(PolicyFileError, match="exactly one entity must be the group office"):
        load(text, "directory.yaml", Directory)
