"""The audit log of the desk API: every call, answered or refused, written after the answer."""

from __future__ import annotations

import logging
import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pidesk.services.escalation.adapters.orm import AuditEntry
from pidesk.shared.db.base import utcnow

log = logging.getLogger(__name__)
INCIDENT_IN_PATH = re.compile(r"/v1/incidents/([0-9a-fA-F-]{36})")


class AuditTrail:
    """ASGI middleware recording who called what under /v1/, with the status, from which address."""

    def __init__(self, app: ASGIApp, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            await self._record(scope, status)

    async def _record(self, scope: Scope, status: int) -> None:
        principal = scope.get("state", {}).get("principal")
        match = INCIDENT_IN_PATH.match(scope["path"])
        query = scope.get("query_string", b"").decode(errors="replace")
        client = scope.get("client") or ("unknown", 0)
        entry = AuditEntry(
            at=utcnow(),
            actor=principal.name if principal else "anonymous",
            role=principal.role.value if principal else None,
            method=scope["method"],
            path=(scope["path"] + (f"?{query}" if query else ""))[:500],
            incident_id=uuid.UUID(match.group(1)) if match else None,
            status=status,
            client=str(client[0])[:100],
        )
        try:
            async with self.sessions() as session, session.begin():
                session.add(entry)
        except Exception:
            log.error("audit entry not written", extra={"path": entry.path, "status": status}, exc_info=True)
