"""Rules by effective date (docs/rules.md §2b), Brazilian working days, and the reminders of short deadlines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from pidesk.services.escalation.domain import rulebook
from pidesk.services.escalation.domain.assessment import assess
from pidesk.services.escalation.domain.reminders import next_reminder, reminder_times
from pidesk.services.escalation.domain.rulebook import RULES_V1, RULES_V2, RulesVersion, rules_by_id, rules_in_force
from pidesk.services.escalation.domain.workdays import SAO_PAULO, is_working_day, working_days_after
from tests.unit.test_regimes_v2 import SE_2, SE_4_25, codes, facts

V2_FROM = datetime(2025, 10, 31, 15, 0, tzinfo=UTC)  # 2025-11-01T00:00 JST
H = timedelta(hours=1)

# ---------------------------------------------------------------- versions


@pytest.mark.parametrize(
    ("at", "version"),
    [
        (datetime(2020, 1, 1, tzinfo=UTC), "rules-v1"),  # before the first version: the oldest rules there are
        (V2_FROM - timedelta(seconds=1), "rules-v1"),
        (V2_FROM, "rules-v2"),
        (datetime(2030, 1, 1, tzinfo=UTC), "rules-v2"),
    ],
)
def test_the_rules_in_force_at_t0(at: datetime, version: str) -> None:
    assert rules_in_force(at).id == version
    assert assess(facts("GB", **SE_4_25, aware_at=at)).summary()["rules_version"] == version


def test_an_assessment_records_and_explains_its_rules_version() -> None:
    old = assess(facts("GB", **SE_4_25, aware_at=datetime(2025, 6, 1, tzinfo=UTC)))
    new = assess(facts("GB", **SE_4_25, aware_at=datetime(2026, 6, 1, tzinfo=UTC)))
    assert old.summary()["rules_label"] == "rules v1 (2022-04-01)"
    assert new.summary()["rules_label"] == "rules v2 (2025-11-01)"
    assert old.explanation[0].startswith("rules v1 (2022-04-01): the rules in force at T0")
    assert new.explanation[0].startswith("rules v2 (2025-11-01): the rules in force at T0")
    # the v2 regimes give nothing to an incident of v1's time
    assert not codes(old, "ukgdpr.") and not codes(old, "pmark.")
    assert codes(new, "ukgdpr.")


def test_an_old_incident_keeps_its_rules_when_newer_ones_are_added(monkeypatch: pytest.MonkeyPatch) -> None:
    incident = facts("JP", None, **SE_2, subject_regions={"JP": 10, "EU": 4990}, affected_count=5000)
    incident = replace(incident, aware_at=datetime(2025, 6, 1, tzinfo=UTC))
    before = assess(incident)
    v3 = RulesVersion("rules-v3", datetime(2026, 1, 1, tzinfo=UTC), (), "a later docs/rules.md")
    monkeypatch.setattr(rulebook, "RULEBOOK", (RULES_V1, RULES_V2, v3))
    again = assess(incident)
    assert again.rules is RULES_V1
    assert codes(again) == codes(before)
    assert rules_in_force(datetime(2026, 6, 1, tzinfo=UTC)) is v3


def test_appi_v2_correction_applies_only_under_v2() -> None:
    """An entity in Japan counts every region from v2 on; under v1, JP subjects only."""
    jp_entity = facts("JP", None, **SE_2, subject_regions={"JP": 10, "EU": 4990}, affected_count=5000, pmark=False)
    under_v1 = assess(jp_entity, RULES_V1)
    under_v2 = assess(jp_entity, RULES_V2)
    assert "appi.over_1000" not in {t.code for t in under_v1.triggers}
    assert "appi.over_1000" in {t.code for t in under_v2.triggers}


def test_a_pinned_version_is_used_whatever_t0() -> None:
    a = assess(facts("GB", **SE_4_25), rules_by_id("rules-v1"))
    assert a.summary()["rules_version"] == "rules-v1" and not codes(a, "ukgdpr.")


def test_cac_is_gated_by_its_own_date_inside_v2() -> None:
    """v2 starts at midnight JST; the CAC Measures at midnight in Beijing, an hour later."""
    before = facts("CN", 2_000_000, **SE_2, aware_at=datetime(2025, 10, 31, 15, 30, tzinfo=UTC))
    after = replace(before, aware_at=datetime(2025, 10, 31, 16, 0, tzinfo=UTC))
    assert assess(before).rules is RULES_V2 and not codes(assess(before), "cn_cac.")
    assert any("cn_cac" in line and "not in force" in line for line in assess(before).explanation)
    assert codes(assess(after), "cn_cac.") == {"cn_cac.incident_report", "cn_cac.incident_summary"}


def test_v2_registers_every_new_regime_next_to_v1() -> None:
    names = [r.name for r in RULES_V2.regimes]
    assert names[:7] == [r.name for r in RULES_V1.regimes][:7]
    assert {"ukgdpr", "pipl", "cn_cac", "ndb_au", "dpdp_in", "certin", "lgpd", "dpa_ph", "pmark"} <= set(names)
    assert names[-1] == "internal"


# ---------------------------------------------------------------- Brazilian working days


@pytest.mark.parametrize(
    ("t0", "n", "due"),
    [
        (datetime(2027, 4, 16, 12, 0, tzinfo=SAO_PAULO), 3, date(2027, 4, 22)),  # Fri: Mon, Tue, (Tiradentes), Thu
        (datetime(2027, 4, 19, 9, 0, tzinfo=SAO_PAULO), 3, date(2027, 4, 23)),  # Mon: Tue, (Wed 21), Thu, Fri
        (datetime(2027, 4, 21, 9, 0, tzinfo=SAO_PAULO), 1, date(2027, 4, 22)),  # T0 on the holiday itself
        (datetime(2026, 11, 27, 10, 0, tzinfo=SAO_PAULO), 3, date(2026, 12, 2)),  # Fri across a weekend
        (datetime(2026, 11, 28, 10, 0, tzinfo=SAO_PAULO), 3, date(2026, 12, 2)),  # Sat: the day of T0 never counts
        (datetime(2027, 9, 3, 10, 0, tzinfo=SAO_PAULO), 3, date(2027, 9, 9)),  # Fri, Independence Day Tue 7 Sep
    ],
)
def test_working_days_after(t0: datetime, n: int, due: date) -> None:
    assert working_days_after(t0, n) == datetime.combine(
        due, datetime.min.time().replace(hour=23, minute=59), SAO_PAULO
    )


def test_working_days_are_counted_in_sao_paulo_time() -> None:
    # 02:00 UTC Saturday is still Friday 23:00 in São Paulo: Friday is the day of T0
    assert working_days_after(datetime(2026, 11, 28, 2, 0, tzinfo=UTC), 1).date() == date(2026, 11, 30)
    assert working_days_after(datetime(2026, 11, 28, 4, 0, tzinfo=UTC), 1).date() == date(2026, 11, 30)
    assert working_days_after(datetime(2026, 11, 26, 2, 0, tzinfo=UTC), 1).date() == date(2026, 11, 26)


def test_national_holidays_come_from_the_library() -> None:
    assert not is_working_day(date(2027, 4, 21))  # Tiradentes
    assert not is_working_day(date(2026, 11, 20))  # Zumbi and Black Awareness Day (national since 2024)
    assert not is_working_day(date(2027, 3, 26))  # Good Friday
    # Carnival is a ponto facultativo ("optional" in the library), not a national holiday
    assert is_working_day(date(2027, 2, 8)) and is_working_day(date(2027, 2, 9))
    assert not is_working_day(date(2027, 4, 24))  # Saturday


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        working_days_after(datetime(2027, 4, 19, 9, 0), 3)


# ---------------------------------------------------------------- reminders of short deadlines

R = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
LEAD = timedelta(hours=24)


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (4 * H, [2 * H, 3 * H]),  # CAC: half time, then one hour before
        (6 * H, [3 * H, 5 * H]),  # CERT-In
        (12 * H, [6 * H, 11 * H]),
        (2 * H, [1 * H]),  # the hour before is half time: once
        (1 * H, [timedelta(minutes=30)]),  # CAC for critical infrastructure
        (24 * H, [12 * H]),  # v1: never in the first half
        (72 * H, [48 * H]),  # v1: 24 h before
        (-10 * H, [-5 * H]),  # overdue on arrival: at once (in the past), once
    ],
)
def test_reminder_times(window: timedelta, expected: list[timedelta]) -> None:
    assert list(reminder_times(R + window, R, LEAD)) == [R + e for e in expected]


def test_next_reminder_walks_the_times_once_each() -> None:
    times = reminder_times(R + 4 * H, R, LEAD)
    assert next_reminder(times, set(), R) == R + 2 * H
    assert next_reminder(times, {R + 2 * H}, R + 2 * H) == R + 3 * H
    assert next_reminder(times, {R + 2 * H, R + 3 * H}, R + 3 * H) is None


def test_reminders_missed_while_down_are_sent_once() -> None:
    times = reminder_times(R + 4 * H, R, LEAD)
    assert next_reminder(times, set(), R + 3 * H + timedelta(minutes=5)) == R + 3 * H
    assert next_reminder(times, {R + 3 * H}, R + 4 * H) is None  # the half-time one is not sent late


def test_a_long_deadline_reminds_once_as_in_v1() -> None:
    times = reminder_times(R + 72 * H, R, LEAD)
    assert next_reminder(times, {R + 48 * H}, R + 50 * H) is None
