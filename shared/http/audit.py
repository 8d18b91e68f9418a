"""The audit log of the desk and notices APIs: every call, answered or refused, written after the answer."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Uuid
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pidesk.shared.db.base import UTCDateTime, utcnow

log = logging.getLogger(__name__)
INCIDENT_IN_PATH = re.compile(r"/(?:v1|desk)/incidents/([0-9a-fA-F-]{36})")
INCIDENT_IN_QUERY = re.compile(r"(?:^|&)incident_id=([0-9a-fA-F-]{36})(?:&|$)")
# query parameters whose values are credentials (the sign-in callback's authorisation `code` and `state`, a
# token in a link): the audit log names the parameter, never its value
SECRET_PARAMETERS = frozenset({"code", "state", "session_state", "token", "access_token", "id_token", "password"})
SECRET_IN_QUERY = re.compile(r"(^|&)([^=&]+)=([^&]*)")


class AuditEntryMixin:
    """Every API call: who, in which role, what, when, from where, and the answer."""

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str | None] = mapped_column(String(40), nullable=True)
    method: Mapped[str] = mapped_column(String(10), nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    incident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), nullable=True, index=True)
    status: Mapped[int] = mapped_column(Integer(), nullable=False)
    client: Mapped[str] = mapped_column(String(100), nullable=False)


class AuditTrail:
    """ASGI middleware recording who called what (under `prefixes`), with the status, from which address."""

    def __init__(
        self,
        app: ASGIApp,
        sessions: async_sessionmaker[AsyncSession],
        model: type[AuditEntryMixin],
        prefixes: tuple[str, ...] = ("/v1/",),
        skip: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.model = model
        self.prefixes, self.skip = prefixes, skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.prefixes) or path.startswith(self.skip):
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
        query = scope.get("query_string", b"").decode(errors="replace")
        match = INCIDENT_IN_PATH.match(scope["path"]) or INCIDENT_IN_QUERY.search(query)
        client = scope.get("client") or ("unknown", 0)
        entry = self.model(  # type: ignore[call-arg]  # a mixin: the mapped subclass takes these keywords
            at=utcnow(),
            actor=principal.name if principal else "anonymous",
            role=principal.role.value if principal else None,
            method=scope["method"],
            path=(scope["path"] + (f"?{redacted_query(query)}" if query else ""))[:500],
            incident_id=_uuid(match.group(1)) if match else None,
            status=status,
            client=str(client[0])[:100],
        )
        try:
            async with self.sessions() as session, session.begin():
                session.add(entry)
        except Exception:
            log.error("audit entry not written", extra={"path": entry.path, "status": status}, exc_info=True)


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def redacted_query(query: str) -> str:
    """The query string with the values of credential parameters (SECRET_PARAMETERS) replaced."""

    def replace(match: re.Match[str]) -> str:
        start, name, value = match.groups()
        return f"{start}{name}=[redacted]" if name.lower() in SECRET_PARAMETERS and value else match.group(0)

    return SECRET_IN_QUERY.sub(replace, query)
