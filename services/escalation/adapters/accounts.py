"""Dashboard accounts and their sessions (`desk_users`, `desk_sessions`). Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import DeskSession, DeskUser
from pidesk.shared.db.engine import rows_affected


class DeskAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user_named(self, name: str) -> DeskUser | None:
        user: DeskUser | None = await self.session.scalar(select(DeskUser).where(DeskUser.name == name))
        return user

    async def all_users(self) -> list[DeskUser]:
        """Every account, by name."""
        return list((await self.session.scalars(select(DeskUser).order_by(DeskUser.name))).all())

    def add(self, record: DeskUser | DeskSession) -> None:
        self.session.add(record)

    async def session_of(self, token_hash: str, *, fresh: bool = False) -> DeskSession | None:
        """The session with this token digest (`fresh`: read again, not the transaction's copy)."""
        return await self.session.get(DeskSession, token_hash, populate_existing=fresh)

    async def drop_expired(self, now: datetime) -> None:
        await self.session.execute(delete(DeskSession).where(DeskSession.expires_at < now))

    async def drop_session(self, token_hash: str) -> None:
        await self.session.execute(delete(DeskSession).where(DeskSession.token_hash == token_hash))

    async def drop_sessions_of(self, user_id: int) -> int:
        """End every session of one account (disabled, or its password reset); how many there were."""
        result = await self.session.execute(delete(DeskSession).where(DeskSession.user_id == user_id))
        return rows_affected(result)
