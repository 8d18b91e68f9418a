"""The desk's representation of incidents, alerts, notices and snoozes (docs/contract.md, desk API), as
plain JSON-ready dicts: the desk API validates them into its response models (models.py), and the
dashboard's pages read them as they are."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pidesk.services.escalation.adapters.orm import Incident, IncidentAlert, NoticeRecord, Snooze
from pidesk.services.escalation.adapters.snoozes import Matches, window_of
from pidesk.services.escalation.domain.authorities import local_due
from pidesk.services.escalation.domain.ledger_facts import fill
from pidesk.shared.vocabulary import ObligationStatus


def incident_ledger(incident: Incident) -> dict[str, Any] | None:
    """The ledger's entries covering the incident's assets (with the facts each filled) and the assets
    not in the ledger; None when it names no asset."""
    if incident.ledger is None:
        return None
    filled = fill(incident.facts, incident.ledger, source=incident.source)
    summary = filled.summary(incident.ledger)
    taken: dict[tuple[str, int], list[str]] = {(f.entry_id, f.version): [] for f in filled.filled}
    for f in filled.filled:
        taken[(f.entry_id, f.version)].append(f.fact)
    return {
        "matched_entries": [
            {**m, "filled": taken.get((m["entry_id"], m["version"]), []) if i == 0 else []}
            for i, m in enumerate(summary["matched_entries"])
        ],
        "filled": summary["filled"],
        "owner": summary["owner"],
        "unknown_assets": summary["unknown_assets"],
        "not_in_ledger": bool(summary["unknown_assets"]),
    }


def incident_detail(incident: Incident, snooze: Snooze | None = None) -> dict[str, Any]:
    """`snooze`: the snooze the incident matched, when it matched one (its reason and times are shown)."""
    facts = incident.facts
    return {
        "incident_id": str(incident.id),
        "reference": incident.reference,
        "status": incident.status,
        "entity": incident.entity,
        "division": incident.division,
        "reporter": incident.reporter,
        "received_at": incident.received_at.isoformat(),
        "report": {
            "source": incident.source,
            "source_alert_id": incident.source_alert_id,
            **facts,
        },
        "alerts": alerts_summary(incident),
        "follows_incident_id": _id(incident.follows_incident_id),
        "merged_into": _id(incident.merged_into),
        "snooze": snooze_marker(incident, snooze),
        "ledger": incident_ledger(incident),
        "assessment": incident.assessment,
        "obligations": [
            {
                "code": o.code,
                "regime": o.regime,
                "due_at": o.due_at.isoformat(),
                "due_at_local": due_at_local(o.regime, o.due_at),
                "target_at": o.target_at.isoformat() if o.target_at else None,
                "status": o.status,
                "basis": o.basis,
                "done_at": o.done_at.isoformat() if o.done_at else None,
                "done_by": o.done_by,
            }
            for o in sorted(incident.obligations, key=lambda o: (o.due_at, o.code))
        ],
        "acknowledged_at": incident.acknowledged_at.isoformat() if incident.acknowledged_at else None,
        "acknowledged_by": incident.acknowledged_by,
        "routes": [
            {
                "target": r.target,
                "step": r.step,
                "reason": r.reason,
                "recipients": [{"name": p.get("name"), "email": p.get("email")} for p in r.recipients],
                "notified_at": r.notified_at.isoformat(),
                "ack_due_at": r.ack_due_at.isoformat() if r.ack_due_at else None,
                "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
                "acknowledged_by": r.acknowledged_by,
            }
            for r in incident.routes
        ],
        "timeline": [
            {"at": entry.at.isoformat(), "kind": entry.kind, "by": entry.by, "detail": entry.detail}
            for entry in incident.timeline
        ],
    }


def due_at_local(regime: str, due_at: datetime) -> dict[str, str] | None:
    """The due time on the authority's own clock (`at` with its offset, `zone`), or null for JST-only regimes."""
    local = local_due(regime, due_at)
    return {"at": local[0].isoformat(), "zone": local[1]} if local else None


def incident_summary(incident: Incident) -> dict[str, Any]:
    """One row of the incident list: enough for the board, no free text."""
    pending = sorted((o for o in incident.obligations if o.status == ObligationStatus.PENDING), key=lambda o: o.due_at)
    return {
        "incident_id": str(incident.id),
        "reference": incident.reference,
        "status": incident.status,
        "risk_level": incident.risk_level,
        "incident_kind": incident.facts.get("incident_kind"),
        "entity": incident.entity,
        "source": incident.source,
        "received_at": incident.received_at.isoformat(),
        "aware_at": incident.aware_at.isoformat(),
        "acknowledged_at": incident.acknowledged_at.isoformat() if incident.acknowledged_at else None,
        "alert_count": incident.alert_count,
        "last_alert_at": incident.last_alert_at.isoformat() if incident.last_alert_at else None,
        "next_obligation": {"code": pending[0].code, "due_at": pending[0].due_at.isoformat()} if pending else None,
        "snooze": snooze_marker(incident),
    }


def snooze_marker(incident: Incident, snooze: Snooze | None = None) -> dict[str, Any] | None:
    """Whether a snooze matched the incident and what it did: `snoozed` (silenced now), `overridden` (a
    statutory obligation made it an incident like any other), `opened` (silenced, then opened)."""
    if incident.matched_snooze_id is None:
        return None
    marker: dict[str, Any] = {"snooze_id": incident.matched_snooze_id, "state": incident.snooze_state}
    if snooze is not None:
        marker |= {
            "reason": snooze.reason,
            "expires_at": snooze.expires_at.isoformat(),
            "ended_at": _time(snooze.ended_at),
        }
    return marker


def snooze_state(snooze: Snooze, now: datetime) -> str:
    """running, ended (by the desk, early), expired, or scheduled (not started yet)."""
    if snooze.ended_at is not None:
        return "ended"
    if now >= snooze.expires_at:
        return "expired"
    return "running" if window_of(snooze).running_at(now) else "scheduled"


def snooze_view(snooze: Snooze, matches: Matches, now: datetime) -> dict[str, Any]:
    """A snooze: its filter, reason, who and when, its state, what it matched, and its history."""
    history: list[dict[str, str | None]] = [
        {"at": snooze.created_at.isoformat(), "what": "created", "by": snooze.created_by}
    ]
    if snooze.ended_at is not None:
        history.append({"at": snooze.ended_at.isoformat(), "what": "ended", "by": snooze.ended_by})
    elif now >= snooze.expires_at:
        history.append({"at": snooze.expires_at.isoformat(), "what": "expired", "by": None})
    return {
        "snooze_id": snooze.id,
        "filter": {"source": snooze.source, "rule": snooze.rule, "asset": snooze.asset, "actor": snooze.actor},
        "reason": snooze.reason,
        "created_by": snooze.created_by,
        "created_at": snooze.created_at.isoformat(),
        "starts_at": snooze.starts_at.isoformat(),
        "expires_at": snooze.expires_at.isoformat(),
        "ended_at": _time(snooze.ended_at),
        "ended_by": snooze.ended_by,
        "state": snooze_state(snooze, now),
        "matched_alerts": matches.alerts,
        "matched_incidents": matches.incidents,
        "snoozed_incidents": matches.snoozed,
        "history": history,
    }


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def alerts_summary(incident: Incident) -> dict[str, Any]:
    return {
        "count": incident.alert_count,
        "last_alert_at": incident.last_alert_at.isoformat() if incident.last_alert_at else None,
    }


def alert_view(alert: IncidentAlert) -> dict[str, Any]:
    """One grouped DLP alert: where, what fired and how many; never the matched content."""
    return {
        "alert_row_id": alert.id,
        "source": alert.source,
        "alert_id": alert.alert_id,
        "received_at": alert.received_at.isoformat(),
        "aware_at": alert.aware_at.isoformat(),
        "grouped_at": alert.grouped_at.isoformat(),
        "rule": alert.rule,
        "asset": alert.asset,
        "actor": alert.actor,
        "detections": alert.detections,
        "data_categories": alert.data_categories,
        "affected_count": alert.affected_count,
        "vendor_state": alert.vendor_state,
    }


def _id(value: Any) -> str | None:
    return str(value) if value is not None else None


def notice_view(notice: NoticeRecord) -> dict[str, Any]:
    """A notice as the desk last heard of it (drafted, issued); live progress is on the notices API."""
    return {
        "notice_id": str(notice.id),
        "kind": notice.kind,
        "variant": notice.variant,
        "language": notice.language,
        "status": notice.status,
        "current": notice.current,
        "subject": notice.subject,
        "obligations": notice.obligations,
        "recipients": notice.recipients or None,
        "updated_at": notice.updated_at.isoformat(),
    }
