"""Snooze filters and what they do to an incident, as pure functions; snoozed incidents in the statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pidesk.services.escalation.dashboard.stats import year_stats
from pidesk.services.escalation.domain.snoozes import (
    AlertKeys,
    SnoozeFilter,
    SnoozeOutcome,
    SnoozeWindow,
    matches,
    snooze_outcome,
    statutory,
)
from tests.unit.test_dashboard_rules import NOW, incident, obligation

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def alert(rule: str = "Card numbers", asset: str | None = "s3://staging-bucket", at: datetime = T0) -> AlertKeys:
    return AlertKeys("aws-macie", rule, asset, "arn:aws:iam::1:role/migrator", at)


def window(flt: SnoozeFilter, hours: int = 2) -> SnoozeWindow:
    return SnoozeWindow(id=1, filter=flt, starts_at=T0 - timedelta(minutes=1), ends_at=T0 + timedelta(hours=hours))


def test_patterns_are_case_insensitive_wildcards_and_an_empty_filter_matches_nothing() -> None:
    assert matches(SnoozeFilter(source="aws-macie", asset="S3://STAGING-*"), alert())
    assert matches(SnoozeFilter(rule="card*"), alert())
    assert not matches(SnoozeFilter(asset="s3://prod-*"), alert())
    assert not matches(SnoozeFilter(asset="s3://*"), alert(asset=None)), "a pattern needs a value"
    assert not matches(SnoozeFilter(), alert()), "an empty filter would silence everything"
    assert matches(SnoozeFilter(source="aws-macie", actor="*migrator"), alert())


def test_every_alert_must_match_a_running_snooze() -> None:
    staging = window(SnoozeFilter(asset="s3://staging-*"))
    assert snooze_outcome([alert(), alert()], [staging], ["internal.report_to_desk"]) == (
        SnoozeOutcome.SNOOZED,
        [staging],
    )
    assert snooze_outcome([alert(), alert(asset="s3://prod")], [staging], [])[0] is SnoozeOutcome.NONE
    late = alert(at=T0 + timedelta(hours=3))
    assert snooze_outcome([late], [staging], [])[0] is SnoozeOutcome.NONE, "expired snoozes match nothing"
    assert snooze_outcome([], [staging], [])[0] is SnoozeOutcome.NONE, "reports from people are never snoozed"


def test_a_snooze_never_hides_a_statutory_obligation() -> None:
    staging = window(SnoozeFilter(asset="s3://staging-*"))
    outcome, matched = snooze_outcome(
        [alert()], [staging], ["internal.report_to_desk", "mynumber.ppc_preliminary_report"]
    )
    assert outcome is SnoozeOutcome.OVERRIDDEN and matched == [staging]


def test_a_filter_of_wildcards_only_is_empty() -> None:
    assert SnoozeFilter(rule="*", asset=" ** ").is_empty() and SnoozeFilter(source="").is_empty()
    assert not matches(SnoozeFilter(rule="*"), alert()), "'*' alone would silence every alert"
    assert not SnoozeFilter(source="*", rule="card*").is_empty()


def test_only_statutory_obligations_override_a_snooze() -> None:
    codes = ["internal.report_to_desk", "appi.ppc_preliminary_report", "internal.recurrence_prevention"]
    assert statutory(codes) == ["appi.ppc_preliminary_report"]
    assert statutory(["internal.report_to_desk"]) == []


def test_silenced_incidents_are_not_in_the_statistics() -> None:
    noise = incident("N", "medium", [obligation("internal.report_to_desk", -1)], snooze_state="snoozed")
    overridden = incident("O", "high", [obligation("appi.ppc_preliminary_report", 5)], snooze_state="overridden")
    stats = year_stats(2026, [noise, overridden], NOW)
    assert stats.incidents == 1 and stats.by_risk == {"high": 1}
    assert stats.deadlines == {"open": 1}, "a snoozed incident's internal deadline is not counted as missed"
