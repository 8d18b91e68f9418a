"""The deny-list of revoked bearer tokens (`revoked_tokens`). Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import RevokedToken
from pidesk.shared.db.engine import conflict_insert


class RevokedTokens:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, jti: str, now: datetime, reason: str | None = None) -> None:
        """Deny `jti` from now on; revoking it again changes nothing."""
        insert = conflict_insert(self.session, RevokedToken).values(jti=jti, revoked_at=now, reason=reason)
        await self.session.execute(insert.on_conflict_do_nothing(index_elements=[RevokedToken.jti]))

    async def contains(self, jti: str) -> bool:
        return await self.session.get(RevokedToken, jti) is not None

    async def revoked_since(self, since: datetime) -> list[str]:
        """The jtis revoked after `since`, in order."""
        query = select(RevokedToken.jti).where(RevokedToken.revoked_at > since).order_by(RevokedToken.jti)
        return list((await self.session.scalars(query)).all())
