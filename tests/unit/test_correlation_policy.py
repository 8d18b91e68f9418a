"""The correlation rules as pure functions: keys, the sliding window, the caps, the policy file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pidesk.services.intake.adapters.correlation_policy import load_correlation_policy
from pidesk.services.intake.domain.correlation import (
    AlertKeys,
    CorrelationPolicy,
    GroupClosed,
    GroupState,
    group_key,
    links_to_previous,
    why_not_join,
)
from pidesk.shared.policy_files import PolicyFileError
from pidesk.shared.vocabulary import ReportSource

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
PURVIEW = ReportSource.MS_PURVIEW


def test_keys_are_compared_without_case_or_spaces_and_an_alert_without_keys_stands_alone() -> None:
    grouping = CorrelationPolicy(keys=["rule", "asset"]).grouping(PURVIEW)
    a = group_key(grouping, PURVIEW, AlertKeys("Card Numbers ", "s3://Bucket", None))
    b = group_key(grouping, PURVIEW, AlertKeys("card numbers", "s3://bucket", "someone"))
    assert a is not None and b is not None and a.digest == b.digest, "actor is not a key here"
    other_source = group_key(grouping, ReportSource.NETSKOPE, AlertKeys("card numbers", "s3://bucket", None))
    assert other_source is not None and other_source.digest != a.digest, "groups never span sources"
    assert group_key(grouping, PURVIEW, AlertKeys(None, "  ", "x")) is None
    partly = group_key(grouping, PURVIEW, AlertKeys("card numbers", None, None))
    assert partly is not None and partly.digest != a.digest


def test_people_are_never_grouped_whatever_the_policy_says() -> None:
    policy = CorrelationPolicy()
    for source in (ReportSource.API, ReportSource.FORM):
        assert group_key(policy.grouping(source), source, AlertKeys("r", "a", "p")) is None
    with pytest.raises(ValueError, match="never grouped"):
        CorrelationPolicy.model_validate({"sources": {"form": {"enabled": True}}})


def test_a_source_can_turn_grouping_off_or_use_keys_of_its_own() -> None:
    policy = CorrelationPolicy.model_validate(
        {"sources": {"github": {"keys": ["rule", "asset"]}, "netskope": {"enabled": False}}}
    )
    assert [k.value for k in policy.grouping(ReportSource.GITHUB).keys] == ["rule", "asset"]
    assert [k.value for k in policy.grouping(PURVIEW).keys] == ["rule"]
    assert not policy.grouping(ReportSource.NETSKOPE).enabled


@pytest.mark.parametrize(
    ("state", "at", "why"),
    [
        (GroupState(T0, T0, 1, False), T0 + timedelta(minutes=15), None),  # at the window's edge: joins
        (GroupState(T0, T0, 1, False), T0 + timedelta(minutes=15, seconds=1), GroupClosed.QUIET),
        (GroupState(T0, T0 + timedelta(hours=23, minutes=59), 5, False), T0 + timedelta(hours=24), None),
        (
            GroupState(T0, T0 + timedelta(hours=23, minutes=59), 5, False),
            T0 + timedelta(hours=24, seconds=1),
            GroupClosed.SPAN,
        ),
        (GroupState(T0, T0, 9_999, False), T0, None),
        (GroupState(T0, T0, 10_000, False), T0, GroupClosed.FULL),
        (GroupState(T0, T0, 1, True), T0, GroupClosed.CLOSED),
    ],
)
def test_the_window_slides_and_the_caps_end_a_group(state: GroupState, at: datetime, why: GroupClosed | None) -> None:
    assert why_not_join(CorrelationPolicy().grouping(PURVIEW), state, at) == why


def test_only_a_group_ended_by_the_desk_or_a_cap_is_linked_to_the_next() -> None:
    assert not links_to_previous(GroupClosed.QUIET)
    assert all(links_to_previous(r) for r in (GroupClosed.SPAN, GroupClosed.FULL, GroupClosed.CLOSED))


def test_the_bundled_policy_loads_and_a_bad_one_names_file_line_and_field(tmp_path: Path) -> None:
    bundled = load_correlation_policy()
    assert bundled.window_minutes == 15 and bundled.grouping(ReportSource.GENERIC).keys[0].value == "asset"
    bad = tmp_path / "correlation.yaml"
    bad.write_text("window_minutes: 15\nsources:\n  github:\n    keys: [repository]\n", encoding="utf-8")
    with pytest.raises(PolicyFileError) as caught:
        load_correlation_policy(str(bad))
    assert str(caught.value).startswith(f"{bad}:4: sources.github.keys.0:")
    with pytest.raises(PolicyFileError, match="no such file"):
        load_correlation_policy(str(tmp_path / "missing.yaml"))
