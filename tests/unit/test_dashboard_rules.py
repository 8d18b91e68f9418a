"""The board's order and filters, fiscal years, and deadline outcomes (pure code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from pidesk.services.escalation.dashboard.board import board_row, filter_board, sort_board
from pidesk.services.escalation.dashboard.stats import deadline_outcome, fiscal_year, year_stats

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def obligation(code: str, due_hours: float, status: str = "pending", done_hours: float | None = None) -> Any:
    done_at = NOW + timedelta(hours=done_hours) if done_hours is not None else None
    return SimpleNamespace(code=code, due_at=NOW + timedelta(hours=due_hours), status=status, done_at=done_at)


def route(ack_due_hours: float | None, by: str | None = None) -> Any:
    return SimpleNamespace(
        ack_due_at=NOW + timedelta(hours=ack_due_hours) if ack_due_hours is not None else None,
        acknowledged_at=NOW if by else None,
        acknowledged_by=by,
    )


def incident(ref: str, risk: str | None, obligations: list[Any], routes: list[Any] = (), **extra: Any) -> Any:  # type: ignore[assignment]
    values = {
        "id": ref,
        "reference": ref,
        "facts": {"incident_kind": extra.pop("kind", "misdelivery")},
        "entity": extra.pop("entity", "Example Holdings"),
        "risk_level": risk,
        "status": "open",
        "received_at": extra.pop("received_at", NOW),
        "obligations": obligations,
        "routes": list(routes),
        "acknowledged_at": None,
        "acknowledged_by": None,
    }
    return SimpleNamespace(**{**values, **extra})


def test_riskiest_first_then_the_nearest_deadline_and_incidents_without_one_last() -> None:
    rows = [
        board_row(incident("A", "medium", [obligation("appi.ppc_preliminary_report", 2)])),
        board_row(incident("B", "very_high", [obligation("appi.ppc_final_report", 500)])),
        board_row(incident("C", "very_high", [obligation("internal.report_to_desk", 1)])),
        board_row(incident("D", "very_high", [])),
        board_row(incident("E", None, [obligation("x", -5)])),
        board_row(incident("F", "high", [], [route(0.25)])),
    ]
    assert [r.reference for r in sort_board(rows)] == ["C", "B", "D", "F", "A", "E"]


def test_the_next_deadline_is_the_nearest_pending_obligation_or_unmet_acknowledgement() -> None:
    row = board_row(
        incident("A", "high", [obligation("a", 3), obligation("b", 1, "done", 0)], [route(2), route(0.5, "sato")])
    )
    assert row.deadline is not None and (row.deadline.what, row.deadline.due_at) == ("ack", NOW + timedelta(hours=2))
    assert row.acknowledged_by == ("sato",)
    acknowledged = board_row(
        incident("B", "high", [obligation("a", 3)], [route(2)], acknowledged_at=NOW, acknowledged_by="desk:ito")
    )
    assert acknowledged.deadline is not None and acknowledged.deadline.what == "a"  # acknowledgement met
    assert acknowledged.acknowledged_by == ("desk:ito",)


def test_filters_combine() -> None:
    rows = [
        board_row(incident("A", "high", [], kind="loss", entity="Example GmbH")),
        board_row(incident("B", "high", [], [route(1, "sato")])),
        board_row(incident("C", "low", [])),
    ]
    assert [r.reference for r in filter_board(rows, risk="high", kind=None, entity=None, ack=None)] == ["A", "B"]
    assert [r.reference for r in filter_board(rows, risk=None, kind="loss", entity=None, ack=None)] == ["A"]
    assert [r.reference for r in filter_board(rows, risk=None, kind=None, entity=None, ack="acknowledged")] == ["B"]
    unacknowledged = filter_board(rows, risk="high", kind=None, entity="Example GmbH", ack="unacknowledged")
    assert [r.reference for r in unacknowledged] == ["A"]


def test_the_fiscal_year_runs_april_to_march_in_japan_time() -> None:
    assert fiscal_year(datetime(2026, 4, 1, 0, 0, tzinfo=UTC)) == 2026
    assert fiscal_year(datetime(2026, 3, 31, 14, 59, tzinfo=UTC)) == 2025  # 23:59 JST on 31 March
    assert fiscal_year(datetime(2026, 3, 31, 15, 0, tzinfo=UTC)) == 2026  # 00:00 JST on 1 April
    assert fiscal_year(datetime(2027, 1, 15, tzinfo=UTC)) == 2026


def test_deadlines_are_met_missed_or_still_open() -> None:
    assert deadline_outcome(obligation("a", 1, "done", 0.5), NOW) == "met"
    assert deadline_outcome(obligation("a", 1, "done", 2), NOW) == "missed"
    assert deadline_outcome(obligation("a", -1), NOW) == "missed"
    assert deadline_outcome(obligation("a", 1), NOW) == "open"


def test_year_statistics_count_kinds_risks_companies_reports_and_deadlines() -> None:
    last_year = NOW - timedelta(days=300)
    incidents = [
        incident(
            "A",
            "very_high",
            [obligation("appi.ppc_preliminary_report", -10, "done", -20), obligation("appi.ppc_final_report", 100)],
        ),
        incident("B", "low", [obligation("internal.report_to_desk", -1)], kind="loss", entity="Example GmbH"),
        incident("C", "low", [obligation("gdpr.sa_notification", -1, "withdrawn")]),
        incident("D", "high", [], received_at=last_year),
    ]
    stats = year_stats(2026, incidents, NOW)
    assert stats.incidents == 3
    assert stats.by_kind == {"misdelivery": 2, "loss": 1}
    assert stats.by_risk == {"very_high": 1, "low": 2}
    assert stats.by_entity == {"Example Holdings": 2, "Example GmbH": 1}
    assert stats.regulator_reports == {"appi.ppc_preliminary_report": 1}
    assert stats.deadlines == {"met": 1, "open": 1, "missed": 1}
    assert ("regulator_report", "appi.ppc_preliminary_report", 1) in stats.rows()
