"""One internal mail from the alerts it carries: folding, subjects and the held-back line (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pidesk.services.notifier.adapters.rendering import render_notice
from pidesk.services.notifier.domain.alert_mail import compose, fold_groups, merged_obligations
from pidesk.services.notifier.domain.context import alert_context
from pidesk.shared.events import EscalationRequested, GroupProgress, ObligationRef, Recipient

NOW = datetime(2026, 12, 1, 1, 10, tzinfo=UTC)  # 10:10 JST
LINK = "https://desk.example/desk/incidents/1"


def obligation(code: str, hours: float) -> ObligationRef:
    return ObligationRef(code=code, due_at=NOW + timedelta(hours=hours), status="pending", basis=f"basis of {code}")


def event(language: str = "en", **values: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "reference": "PI-2026-000123",
        "target": "pi_administrator",
        "step": 2,
        "reason": "routed",
        "risk_level": "high",
        "recipients": [Recipient(name="Ken", email="ken@example.com", language=language)],
        "requested_at": NOW,
    } | values
    return alert_context(EscalationRequested(**fields).model_dump(mode="json"), language, LINK)


def mail(main: Sequence[dict[str, Any]], held: Sequence[dict[str, Any]] = (), language: str = "en", **kw: Any) -> Any:
    values = compose(main, held, language=language, desk_url="https://desk.example/desk", now=NOW, **kw)
    return render_notice("internal_alert", language, values)


def test_two_roles_of_one_person_at_one_step_are_named_in_one_mail() -> None:
    bureau = event(target="promotion_bureau", step=1, risk_level="medium")
    admin = event(target="pi_administrator", step=1, risk_level="very_high")
    english = mail([bureau, admin])
    assert "Personal Information Protection Promotion Bureau and personal information protection administrator" in (
        english.body
    )
    assert english.subject.startswith("[pidesk] PI-2026-000123 very high risk: ")  # the riskiest of the two
    japanese = mail(
        [event("ja", target="promotion_bureau", step=1), event("ja", target="pi_administrator", step=1)], (), "ja"
    )
    assert "個人情報保護推進部、個人情報保護管理者（第1段階）" in japanese.body


def test_reminders_due_together_are_one_mail_whose_subject_says_which() -> None:
    overdue, later = obligation("appi.ppc_preliminary_report", -2), obligation("gdpr.sa_notification", 20)
    one = event(reason="obligation_reminder", obligations=[later, overdue], obligation_code=later.code)
    english = mail([one])
    assert english.subject == (
        "[PI-2026-000123] 2 obligations due: APPI PPC preliminary report, GDPR SA notification"
    )  # soonest first
    assert english.body.index("Preliminary report to the Personal Information") < english.body.index("supervisory")
    assert english.body.count("**overdue**") == 1
    japanese = mail([event("ja", reason="obligation_reminder", obligations=[overdue, later])], (), "ja")
    assert japanese.subject == "[PI-2026-000123] 期限の近い義務2件: 個人情報保護委員会への速報、GDPR監督機関への通知"
    assert "期限超過" in japanese.body

    # two reminders of one step (each of one obligation) fold into one list, each obligation once
    a = event(reason="obligation_reminder", obligations=[overdue])
    b = event(reason="obligation_reminder", obligations=[later, overdue])
    assert [o["code"] for o in merged_obligations([a, b], NOW)] == [overdue.code, later.code]
    assert mail([a, b]).subject.startswith("[PI-2026-000123] 2 obligations due:")
    # a reminder recorded before reminders listed their obligations still names its one obligation
    legacy = event(reason="obligation_reminder", obligation_code=overdue.code, nearest_obligation=overdue)
    assert mail([legacy]).subject == "[PI-2026-000123] 1 obligation due: APPI PPC preliminary report"


def test_group_updates_fold_into_one_line_counted_from_the_earliest() -> None:
    since = NOW - timedelta(minutes=5)  # 10:05 JST
    updates = [
        GroupProgress(since=since, new_alerts=20, total_alerts=395, affected_count=900),
        GroupProgress(since=since + timedelta(minutes=2), new_alerts=10, total_alerts=405, affected_count=1100),
        GroupProgress(
            since=since + timedelta(minutes=3),
            new_alerts=7,
            total_alerts=412,
            affected_count=1240,
            new_obligations=["appi.ppc_preliminary_report"],
        ),
    ]
    folded = fold_groups([u.model_dump(mode="json") for u in reversed(updates)])
    assert folded is not None
    assert (folded["new_alerts"], folded["total_alerts"], folded["affected_count"]) == (37, 412, 1240)
    contexts = [event(reason="group_update", risk_level="low", group=u) for u in updates]
    english = mail(contexts)
    assert english.subject == "[PI-2026-000123] 37 more alerts, 412 in all"
    assert (
        "37 more alerts since 10:05 JST, 412 in all; count now 1,240 people; APPI PPC preliminary report now "
        "required." in english.body
    )
    japanese = mail([event("ja", reason="group_update", group=u) for u in updates], (), "ja")
    assert japanese.subject == "[PI-2026-000123] アラート37件追加（計412件）"
    assert (
        "10:05以降にアラートが37件追加され、計412件になりました。影響を受ける人数は現在1,240人です。" in japanese.body
    )
    assert "個人情報保護委員会への速報が新たに必要になりました。" in japanese.body


def test_what_the_rate_limit_held_back_is_named_at_the_top_of_the_next_mail() -> None:
    held = [
        event(reference=f"PI-2026-0001{n:02d}", reason="escalated", requested_at=NOW - timedelta(minutes=90 - n))
        for n in range(20, 32)
    ]  # the first at 09:00 JST
    urgent = mail([event(risk_level="very_high", step=1)], held)
    line = (
        "12 alerts held back since 09:00 JST by the rate limit: PI-2026-000120, PI-2026-000121, PI-2026-000122, "
        "PI-2026-000123, PI-2026-000124 and 7 more"
    )
    assert urgent.body.startswith(f"**{line}** — see the desk: https://desk.example/desk")
    assert "needs you as" in urgent.body  # and the mail's own alert after it
    alone = mail([], held)
    assert alone.subject == "[pidesk] 12 alerts held back by the rate limit" and line in alone.body
    japanese = mail([], held[:2], "ja")
    assert "09:00以降、送信数の上限により通知2件を保留しました: PI-2026-000120、PI-2026-000121" in japanese.body


def test_a_digest_lists_each_incident_and_step_once_riskiest_first() -> None:
    items = [
        event(reference="PI-2026-000201", risk_level="low", reason="routed", step=1),
        event(reference="PI-2026-000202", risk_level="medium", reason="escalated", step=2),
        event(
            reference="PI-2026-000203",
            reason="group_update",
            risk_level="low",
            group=GroupProgress(since=NOW, new_alerts=3, total_alerts=9),
        ),
        event(
            reference="PI-2026-000203",
            reason="group_update",
            risk_level="low",
            group=GroupProgress(since=NOW, new_alerts=2, total_alerts=11),
        ),
    ]
    digest = mail(items, digest=True)
    assert digest.subject == "[pidesk] Daily digest: 4 alerts on 3 incidents"
    lines = [line for line in digest.body.splitlines() if line.startswith("- **")]
    assert [line.split("**")[1] for line in lines] == ["PI-2026-000202", "PI-2026-000201", "PI-2026-000203"]
    assert "5 more alerts since 10:10 JST, 11 in all." in lines[2]
    assert mail(items, (), "ja", digest=True).subject == "[pidesk] 日次ダイジェスト: インシデント3件・通知4件"


def test_an_alert_alone_reads_as_before() -> None:
    alone = event(reason="escalated", ack_due_at=NOW + timedelta(hours=1))
    rendered = render_notice("internal_alert", "en", alone)  # the stored context renders its own template
    assert rendered.subject == (
        "[pidesk] PI-2026-000123 high risk (escalated: not acknowledged in time): personal information protection "
        "administrator, due 1 December 2026, 02:10 UTC (11:10 JST)"
    )
    assert rendered == mail([alone])
