"""The board's rows: open incidents, riskiest first, then by the nearest deadline (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pidesk.shared.vocabulary import ObligationStatus

RISK_ORDER = {"very_high": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class Deadline:
    what: str  # an obligation code, or "ack" for an acknowledgement deadline
    due_at: datetime


@dataclass(frozen=True)
class BoardRow:
    incident_id: str
    reference: str
    kind: str
    entity: str
    risk_level: str | None
    status: str
    received_at: datetime
    deadline: Deadline | None
    acknowledged_by: tuple[str, ...]
    alert_count: int = 0  # a group of DLP alerts: how many, and when the newest came
    last_alert_at: datetime | None = None


def board_row(incident: Any) -> BoardRow:
    """A row from an escalation Incident (with its obligations and routes loaded)."""
    deadlines = [Deadline(o.code, o.due_at) for o in incident.obligations if o.status == ObligationStatus.PENDING]
    deadlines += [Deadline("ack", r.ack_due_at) for r in incident.routes if r.ack_due_at and r.acknowledged_at is None]
    if incident.acknowledged_at is not None:  # acknowledged: its acknowledgement deadlines are met
        deadlines = [d for d in deadlines if d.what != "ack"]
    acknowledged = [incident.acknowledged_by] + [r.acknowledged_by for r in incident.routes]
    return BoardRow(
        incident_id=str(incident.id),
        reference=incident.reference,
        kind=str(incident.facts.get("incident_kind", "other")),
        entity=incident.entity,
        risk_level=incident.risk_level,
        status=incident.status,
        received_at=incident.received_at,
        deadline=min(deadlines, key=lambda d: d.due_at) if deadlines else None,
        acknowledged_by=tuple(dict.fromkeys(name for name in acknowledged if name)),
        alert_count=getattr(incident, "alert_count", 0) or 0,
        last_alert_at=getattr(incident, "last_alert_at", None),
    )


def sort_board(rows: list[BoardRow]) -> list[BoardRow]:
    """Riskiest first; within a risk, the nearest deadline first; no deadline last; then newest."""
    far = datetime.max.replace(tzinfo=None)

    def key(row: BoardRow) -> tuple[int, datetime, float]:
        due = row.deadline.due_at.replace(tzinfo=None) if row.deadline else far
        return RISK_ORDER.get(row.risk_level or "", 4), due, -row.received_at.timestamp()

    return sorted(rows, key=key)


def filter_board(
    rows: list[BoardRow], *, risk: str | None, kind: str | None, entity: str | None, ack: str | None
) -> list[BoardRow]:
    """Only the rows matching every filter given (`ack`: acknowledged | unacknowledged)."""
    return [
        r
        for r in rows
        if (not risk or r.risk_level == risk)
        and (not kind or r.kind == kind)
        and (not entity or r.entity == entity)
        and (not ack or (ack == "acknowledged") == bool(r.acknowledged_by))
    ]
