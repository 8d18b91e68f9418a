"""Issue 17's pure rules: a government request's path and deadlines, who may decide, the GDPR Art. 48
conflict, the complaint clocks, and the case policy's validation with file and line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pidesk.services.escalation.adapters.case_policy_files import load_case_policy
from pidesk.services.escalation.domain.case_policy import CasePolicy
from pidesk.services.escalation.domain.complaint_clocks import add_months, extension_allowed, handling_clock
from pidesk.services.escalation.domain.government_requests import (
    REQUEST_PATH,
    conflicts_of_law,
    decision_problems,
    escalation_step,
    first_step,
    instrument_compels,
    may_decide,
    next_step,
    overdue,
)
from pidesk.shared.policy_files import PolicyFileError, load
from pidesk.shared.vocabulary import ComplaintRequestKind, LegalInstrument, RequestDecision, Role

pytestmark = pytest.mark.unit
T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def test_a_request_climbs_the_seeds_path_each_tier_with_its_deadline() -> None:
    policy = load_case_policy()
    path, deadlines = policy.government_requests.path, policy.request_deadlines()
    assert tuple(path) == REQUEST_PATH == ("division_manager", "pi_administrator", "officer_in_charge")
    step = first_step(T0, deadlines, path)
    assert (step.step, step.target, step.ack_due_at) == (1, "division_manager", T0 + timedelta(hours=4))
    assert not overdue(step, None, T0 + timedelta(hours=4))
    assert overdue(step, None, T0 + timedelta(hours=4, seconds=1))
    assert not overdue(step, T0 + timedelta(hours=1), T0 + timedelta(days=1))
    acked = T0 + timedelta(hours=1)
    second = next_step(1, acked, deadlines, path)
    assert second is not None and (second.step, second.target, second.ack_due_at) == (
        2,
        "pi_administrator",
        acked + timedelta(hours=8),
    )
    third = next_step(2, acked, deadlines, path)
    assert third is not None and third.target == "officer_in_charge" and third.ack_due_at == acked + timedelta(hours=24)
    assert next_step(3, acked, deadlines, path) is None  # the officer in charge is the top


def test_only_the_roles_the_policy_names_decide() -> None:
    deciders = load_case_policy().deciders
    assert deciders == {Role.OFFICER, Role.PI_ADMINISTRATOR}
    assert may_decide(Role.OFFICER, deciders) and may_decide(Role.PI_ADMINISTRATOR, deciders)
    for role in (Role.DESK_OPERATOR, Role.PROMOTION_BUREAU, Role.AUDITOR):
        assert not may_decide(role, deciders)
    assert may_decide(Role.PROMOTION_BUREAU, {Role.PROMOTION_BUREAU})


def test_a_decision_has_its_reason_and_providing_names_its_scope() -> None:
    assert decision_problems(RequestDecision.REFUSE, "no legal basis", None) == []
    assert decision_problems(RequestDecision.CHALLENGE, " ", None) == ["reason: every decision records its reason"]
    assert decision_problems(RequestDecision.PROVIDE_IN_PART, "warrant", None) == [
        "scope: a decision to provide names what is to be provided"
    ]
    assert decision_problems(RequestDecision.PROVIDE, "warrant", "the account's log-ins, March 2026") == []


@pytest.mark.parametrize(
    ("country", "regions", "flagged"),
    [
        ("US", ["EU"], True),  # a foreign authority, people in the EU
        ("US", ["JP", "DE"], True),  # an EEA country counts as the EU
        ("JP", ["FR"], True),  # Japan's own authority is a third country for GDPR
        ("DE", ["EU"], False),  # an EU authority: Art. 48 is about third countries
        ("NO", ["EU"], False),  # the EEA too
        ("US", ["JP", "US-CA"], False),  # no EU subjects
        ("US", [], False),
    ],
)
def test_gdpr_art48_is_flagged_for_a_third_country_asking_for_eu_subjects(
    country: str, regions: list[str], flagged: bool
) -> None:
    found = conflicts_of_law(country, regions)
    assert [c.code for c in found] == (["gdpr_art48"] if flagged else [])
    assert all("Art. 48" in c.basis for c in found)


def test_a_warrant_or_court_order_compels_a_statutory_or_informal_request_does_not() -> None:
    assert instrument_compels(LegalInstrument.WARRANT) and instrument_compels(LegalInstrument.COURT_ORDER)
    assert not instrument_compels(LegalInstrument.STATUTORY_REQUEST)
    assert not instrument_compels(LegalInstrument.INFORMAL)


def test_a_gdpr_request_is_answered_within_a_calendar_month_extendable_by_two() -> None:
    clock = handling_clock(ComplaintRequestKind.GDPR_DATA_SUBJECT_REQUEST, T0)
    assert clock.due_at == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    assert clock.extended_due_at == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert not clock.without_delay and "Art. 12(3)" in clock.basis
    assert extension_allowed(clock, T0 + timedelta(days=20))
    assert not extension_allowed(clock, T0 + timedelta(days=31))
    # a month without the day: its last day (Regulation 1182/71 Art. 3(2)(c))
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2028, 1, 31, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 30, tzinfo=UTC), 3) == datetime(2027, 2, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "article"),
    [
        (ComplaintRequestKind.APPI_DISCLOSURE_REQUEST, "Art. 33"),
        (ComplaintRequestKind.APPI_CORRECTION_REQUEST, "Art. 34"),
        (ComplaintRequestKind.APPI_CESSATION_REQUEST, "Art. 35"),
    ],
)
def test_appi_requests_are_answered_without_delay(kind: ComplaintRequestKind, article: str) -> None:
    clock = handling_clock(kind, T0)
    assert clock.without_delay and clock.due_at is None and clock.extended_due_at is None
    assert article in clock.basis
    assert not extension_allowed(clock, T0)


def test_a_general_complaint_has_no_statutory_clock() -> None:
    clock = handling_clock(ComplaintRequestKind.GENERAL, T0)
    assert (clock.due_at, clock.without_delay) == (None, False) and "Art. 40" in clock.basis


def test_a_bad_case_policy_names_the_file_and_line() -> None:
    text = """version: 1
name: broken
government_requests:
  path: [division_manager, pi_administrator]
  ack_deadlines:
    division_manager: 4h
  deciders: [auditor]
complaints:
  targets: [security_contact_desk]
  ack_deadlines:
    security_contact_desk: soon
"""
    with pytest.raises(PolicyFileError) as raised:
        load(text, "cases.yaml", CasePolicy)
    message = str(raised.value)
    assert "cases.yaml:7: government_requests.deciders" in message and "auditor" in message
    assert "cases.yaml:11: complaints.ack_deadlines" in message or "cases.yaml:10: complaints.ack_deadlines" in message
    with pytest.raises(PolicyFileError, match=r"missing \['pi_administrator'\]"):
        load(text.replace("[auditor]", "[officer]").replace("soon", "1d"), "cases.yaml", CasePolicy)
    with pytest.raises(PolicyFileError, match="no such file"):
        load_case_policy("/nonexistent/cases.yaml")


def test_an_overdue_tier_escalates_to_the_next_and_past_the_top_to_the_officer_again() -> None:
    policy = load_case_policy()
    deadlines, path = policy.request_deadlines(), policy.government_requests.path
    late = T0 + timedelta(hours=5)
    step = escalation_step(1, late, deadlines, path)
    assert (step.step, step.target, step.told_at, step.ack_due_at) == (
        2,
        "pi_administrator",
        late,
        late + timedelta(hours=8),
    )
    assert escalation_step(2, late, deadlines, path).target == "officer_in_charge"
    again = escalation_step(3, late, deadlines, path)
    assert (again.step, again.target, again.ack_due_at) == (4, "officer_in_charge", late + timedelta(hours=24))
