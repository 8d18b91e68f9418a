"""The fiscal-year statistics count reports to each authority: due, done and missed (pure code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from pidesk.services.escalation.dashboard.stats import year_stats

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def obligation(code: str, due_hours: float, status: str = "pending", done_hours: float | None = None) -> Any:
    done_at = NOW + timedelta(hours=done_hours) if done_hours is not None else None
    return SimpleNamespace(code=code, due_at=NOW + timedelta(hours=due_hours), status=status, done_at=done_at)


def incident(obligations: list[Any], received_at: datetime = NOW, status: str = "open") -> Any:
    return SimpleNamespace(
        facts={"incident_kind": "unauthorized_access"},
        entity="Example UK Ltd",
        risk_level="high",
        status=status,
        received_at=received_at,
        obligations=obligations,
    )


def test_reports_are_counted_due_done_and_missed_by_authority() -> None:
    incidents = [
        incident(
            [
                obligation("ukgdpr.ico_notification", -1, "done", -2),  # done in time
                obligation("ukgdpr.notify_data_subjects", -1),  # a notice to people: no authority
                obligation("ukgdpr.breach_register", 100),
            ]
        ),
        incident([obligation("ukgdpr.ico_notification", -5, "done", -1)]),  # done late: done and missed
        incident(
            [
                obligation("cn_cac.incident_report", -1),  # overdue
                obligation("pipl.authority_notification", 20),  # open
                obligation("pipl.notify_handler", -1),  # to the handler: no authority
            ]
        ),
        incident([obligation("lgpd.anpd_communication", 10, "withdrawn")]),  # withdrawn: not due
        incident([obligation("pmark.final_report", 300)]),
        incident([obligation("certin.incident_report", -1)], received_at=NOW - timedelta(days=300)),  # FY2025
        incident([obligation("dpa_ph.npc_notification", -1)], status="merged"),
    ]
    stats = year_stats(2026, incidents, NOW)
    assert stats.by_authority == {
        "ico": {"due": 2, "done": 2, "missed": 1},
        "cac": {"due": 2, "missed": 1},
        "pmark_body": {"due": 1},
    }
    rows = stats.rows()
    assert ("authority_reports_due", "ico", 2) in rows
    assert ("authority_reports_done", "ico", 2) in rows
    assert ("authority_reports_missed", "ico", 1) in rows
    assert ("authority_reports_done", "cac", 0) in rows  # every authority on every line, zeros included
    assert ("authority_reports_missed", "pmark_body", 0) in rows
    assert stats.regulator_reports == {"ukgdpr.ico_notification": 2}


def test_a_year_without_reports_has_no_authority_rows() -> None:
    stats = year_stats(2026, [incident([obligation("internal.report_to_desk", 5)])], NOW)
    assert stats.by_authority == {}
    assert not [row for row in stats.rows() if row[0].startswith("authority_reports_")]
