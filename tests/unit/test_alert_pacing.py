"""How often one person is mailed internal alerts: rate-limit accounting, the group-update window, the
daily digest's time and what it takes, and how an alert's rows are keyed (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pidesk.services.notifier.domain.pacing import Pacing, alert_mailing, digestible, mail_key, rate_exempt
from pidesk.services.notifier.service.alerts import alert_variant
from pidesk.shared.events import EscalationRequested, GroupProgress, ObligationRef, Recipient

NOW = datetime(2026, 12, 1, 1, 10, tzinfo=UTC)  # 10:10 JST
INCIDENT = uuid.UUID("00000000-0000-0000-0000-000000000123")


def request(**values: Any) -> EscalationRequested:
    fields: dict[str, Any] = {
        "reference": "PI-2026-000123",
        "target": "pi_administrator",
        "step": 1,
        "reason": "routed",
        "risk_level": "low",
        "recipients": [
            Recipient(name="Ken", email="Ken@Example.com", digest="daily"),
            Recipient(name="Ann", email="ann@example.com"),
        ],
        "requested_at": NOW,
    } | values
    return EscalationRequested(**fields)


def due(code: str, hours: float) -> ObligationRef:
    return ObligationRef(code=code, due_at=NOW + timedelta(hours=hours), status="pending", basis="")


def test_the_rate_limit_counts_the_last_hour_and_frees_a_slot_when_the_oldest_leaves_it() -> None:
    pacing = Pacing(per_hour=3)
    mailed = [NOW - timedelta(minutes=m) for m in (70, 50, 20, 5)]  # the one 70 minutes ago is out of the hour
    assert pacing.rate_free_at(mailed, NOW) == NOW - timedelta(minutes=50) + timedelta(hours=1)
    assert pacing.rate_free_at(mailed[:3], NOW) is None  # two within the hour: one more may go
    assert pacing.rate_free_at(mailed, NOW + timedelta(minutes=11)) is None  # 10:21: the 50-minute one has left
    assert Pacing(per_hour=0).rate_free_at(mailed * 100, NOW) is None  # no limit
    free = Pacing(per_hour=1).rate_free_at([NOW], NOW)  # a mail in flight counts now
    assert free is not None and free > NOW  # always a time still to come: a held row is not due at once


def test_group_updates_wait_for_the_end_of_the_window_since_the_last() -> None:
    pacing = Pacing(group_window=timedelta(minutes=5))
    assert pacing.group_opens_at(None, NOW) is None
    assert pacing.group_opens_at(NOW - timedelta(minutes=2), NOW) == NOW + timedelta(minutes=3)
    assert pacing.group_opens_at(NOW - timedelta(minutes=5), NOW) is None


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 12, 1, 1, 10, tzinfo=UTC), datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),  # 10:10 JST: tomorrow
        (datetime(2026, 11, 30, 23, 59, tzinfo=UTC), datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),  # 08:59 JST: today
        (datetime(2026, 12, 1, 0, 0, tzinfo=UTC), datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),  # 09:00 sharp: next
    ],
)
def test_the_digest_goes_at_its_hour_japan_time(at: datetime, expected: datetime) -> None:
    assert Pacing(digest_hour=9).next_digest(at) == expected


def test_a_digest_takes_what_is_not_urgent_and_nothing_that_is() -> None:
    at = Pacing().next_digest(NOW)  # tomorrow 09:00 JST
    assert digestible(request(risk_level="low"), at) and digestible(request(risk_level="medium"), at)
    assert not digestible(request(risk_level="high"), at)
    assert not digestible(request(risk_level="very_high"), at)
    assert not digestible(request(risk_level="high", reason="escalated", step=2), at)
    group = GroupProgress(since=NOW, new_alerts=3, total_alerts=9)
    assert digestible(request(reason="group_update", risk_level="very_high", group=group), at)

    def reminder(*obligations: ObligationRef) -> EscalationRequested:
        return request(reason="obligation_reminder", risk_level="high", obligations=list(obligations))

    assert digestible(reminder(due("appi.ppc_final_report", 72)), at)  # not yet overdue, nor by the digest
    assert not digestible(reminder(due("appi.ppc_preliminary_report", -1)), at)  # overdue statutory: at once
    assert not digestible(reminder(due("gdpr.sa_notification", 5)), at)  # overdue by the time the digest goes
    assert digestible(reminder(due("internal.report_to_desk", -1)), at)  # an internal duty is not statutory


def test_an_alerts_rows_are_keyed_per_person_incident_and_step() -> None:
    routed = alert_mailing(INCIDENT, request(), Pacing())
    assert routed.mail_key == f"{INCIDENT}/routed/1" and not routed.exempt
    assert routed.digest_at == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    ken = routed.row_values("ken@example.com", NOW)
    assert ken["hold"] == "digest" and ken["next_attempt_at"] == routed.digest_at
    assert "daily digest at 2026-12-02 09:00 JST" in str(ken["note"])
    assert routed.row_values("ann@example.com", NOW) == {"mail_key": f"{INCIDENT}/routed/1", "exempt": False}
    urgent = alert_mailing(INCIDENT, request(risk_level="very_high"), Pacing())
    assert urgent.exempt and urgent.digest_at is None and "hold" not in urgent.row_values("ken@example.com", NOW)
    assert not rate_exempt(request(risk_level="very_high", reason="escalated"))
    group = request(reason="group_update", step=3, group=GroupProgress(since=NOW, new_alerts=1, total_alerts=2))
    assert mail_key(INCIDENT, group) == f"{INCIDENT}/group_update"  # one per person and incident, any step


def test_the_same_reminder_or_group_update_again_is_the_same_alert() -> None:
    covered = [due("appi.ppc_preliminary_report", 1), due("gdpr.sa_notification", 2)]
    one = request(reason="obligation_reminder", obligations=covered, obligation_code=covered[0].code)
    assert alert_variant(one) == alert_variant(request(reason="obligation_reminder", obligations=covered[::-1]))
    assert len(alert_variant(one)) <= 80
    assert alert_variant(one) != alert_variant(request(reason="obligation_reminder", obligations=covered[:1] * 2))
    grew = GroupProgress(since=NOW, new_alerts=3, total_alerts=9)
    update = request(reason="group_update", group=grew)
    assert alert_variant(update) == alert_variant(request(reason="group_update", group=grew))
    more = GroupProgress(since=NOW, new_alerts=4, total_alerts=10)
    assert alert_variant(update) != alert_variant(request(reason="group_update", group=more))
