"""The desk completes or rewords a notice draft: the wording is the notifier's, so the edit is forwarded
to it (the notifier checks the draft can still change and answers the notice as it now stands)."""

from __future__ import annotations

import uuid
from typing import Any

from pidesk.services.escalation.adapters.notifier_client import NotifierClient
from pidesk.services.escalation.service.desk import DeskError
from pidesk.shared.http.auth import Principal


class NotifierRefused(Exception):
    """The notifier answered the edit with an error (or there is no notifier): passed on as it came."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def reword_notice(
    notifier: NotifierClient | None,
    incident_id: uuid.UUID,
    notice_id: uuid.UUID,
    wording: dict[str, Any],
    principal: Principal,
) -> dict[str, Any]:
    """The notifier's answer to the edit. 404 for a notice it did not draft for this incident; raises
    NotifierUnavailable when it cannot be reached."""
    if notifier is None:
        raise NotifierRefused(503, "notifier_unavailable", "no notifier is configured")
    known = await notifier.notice(notice_id)
    if known is None or known["incident_id"] != str(incident_id):
        raise DeskError("notice_not_found", "the notifier drafted no such notice for this incident")
    response = await notifier.edit(notice_id, wording, principal.name, principal.role)
    if not response.is_success:
        error = response.json().get("error", {}) if "json" in response.headers.get("content-type", "") else {}
        raise NotifierRefused(response.status_code, error.get("code", "notifier_error"), error.get("message", ""))
    answer: dict[str, Any] = response.json()
    return answer
