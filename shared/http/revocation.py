"""The deny-list of revoked bearer tokens as a service not holding escalation's database sees it.

`pidesk token revoke <jti>` writes the jti into escalation's database (`revoked_tokens`); escalation
checks that table on every bearer call. The notifier keeps this in-memory copy, refreshed from
escalation's `GET /v1/tokens/revoked` every `NOTIFIER_REVOCATION_POLL_SECONDS`: a revocation reaches it
within one interval while escalation answers (if escalation is down, the last list it got stays in force).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import httpx

log = logging.getLogger(__name__)

Fetch = Callable[[], Awaitable[frozenset[str]]]


class RevokedTokens:
    def __init__(self) -> None:
        self._ids: frozenset[str] = frozenset()

    def contains(self, token_id: str) -> bool:
        return token_id in self._ids

    async def refresh(self, fetch: Fetch) -> None:
        self._ids = await fetch()

    async def poll(self, fetch: Fetch, interval: float) -> None:
        """Refresh forever; a failed fetch keeps the last list and is retried at the next interval."""
        while True:
            try:
                await self.refresh(fetch)
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                log.warning("revoked tokens not refreshed", extra={"error": type(exc).__name__})
            await asyncio.sleep(interval)


def from_escalation(base_url: str, *, timeout: float = 5.0, transport: httpx.AsyncBaseTransport | None = None) -> Fetch:
    """A fetch of escalation's `GET /v1/tokens/revoked` ({"revoked": [jti, …]})."""

    clients: list[httpx.AsyncClient] = []  # one, made at the first poll and kept (a client per poll builds
    # a TLS context and a connection every time)

    async def fetch() -> frozenset[str]:
        if not clients:
            clients.append(httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport))
        response = await clients[0].get("/v1/tokens/revoked")
        response.raise_for_status()
        return frozenset(str(jti) for jti in response.json()["revoked"])

    return fetch
