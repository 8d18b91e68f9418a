"""The desk's presenters live with the read models (services/escalation/views/); kept importable here."""

from pidesk.services.escalation.views.presenters import (
    alert_view,
    alerts_summary,
    due_at_local,
    incident_detail,
    incident_summary,
    notice_view,
    snooze_marker,
    snooze_state,
    snooze_view,
)

__all__ = [
    "alert_view",
    "alerts_summary",
    "due_at_local",
    "incident_detail",
    "incident_summary",
    "notice_view",
    "snooze_marker",
    "snooze_state",
    "snooze_view",
]
