"""Asks the notifier about a notice the desk has not heard of yet (its drafted event may still be in flight)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import Role


class NotifierUnavailable(ConnectionError):
    pass


class NotifierClient:
    def __init__(self, base_url: str, token_secret: str, timeout: float = 5.0) -> None:
        self.base_url, self.token_secret, self.timeout = base_url.rstrip("/"), token_secret, timeout

    async def _call(
        self, method: str, path: str, *, name: str = "escalation-service", role: Role = Role.AUDITOR, **kwargs: Any
    ) -> httpx.Response:
        """One request with a 5-minute token in `name` and `role`; NotifierUnavailable when nobody answers."""
        token = issue_token(self.token_secret, name=name, role=role, audience="notifier", ttl=timedelta(minutes=5))
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                return await http.request(
                    method, f"{self.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, **kwargs
                )
        except httpx.HTTPError as exc:
            raise NotifierUnavailable(f"the notifier did not answer: {type(exc).__name__}") from None

    async def edit(self, notice_id: uuid.UUID, wording: dict[str, Any], name: str, role: Role) -> httpx.Response:
        """The desk's wording of a draft, sent on behalf of the signed-in person (their name and role)."""
        return await self._call("PUT", f"/v1/notices/{notice_id}", name=name, role=role, json=wording)

    async def notice(self, notice_id: uuid.UUID) -> dict[str, Any] | None:
        """The notifier's summary of the notice, None when it has no such notice."""
        response = await self._call("GET", f"/v1/notices/{notice_id}")
        if response.status_code == 404:
            return None
        found: dict[str, Any] = _json(response)
        return found

    async def notices(self, incident_id: uuid.UUID) -> list[dict[str, Any]]:
        """The notifier's notices of an incident, with live recipient counts."""
        response = await self._call("GET", "/v1/notices", params={"incident_id": str(incident_id)})
        found: list[dict[str, Any]] = _json(response)
        return found


def _json(response: httpx.Response) -> Any:
    if not response.is_success:
        raise NotifierUnavailable(f"the notifier answered {response.status_code}")
    return response.json()
