"""The deny-list of revoked bearer tokens (`pidesk token revoke`), in escalation's database.

Escalation refuses a revoked token on every call; the notifier learns the list from
`GET /v1/tokens/revoked` (shared/http/revocation.py). Tokens live at most MAX_TTL, so older entries
no longer matter and are left out of the list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import RevokedToken
from pidesk.shared.db.engine import conflict_insert

MAX_TTL = timedelta(days=90)  # pidesk token issue --ttl-days at most


async def revoke(session: AsyncSession, jti: str, now: datetime, reason: str | None = None) -> None:
    """Deny the token `jti` from now on (revoking it again changes nothing)."""
    insert = conflict_insert(session, RevokedToken).values(jti=jti, revoked_at=now, reason=reason)
    await session.execute(insert.on_conflict_do_nothing(index_elements=[RevokedToken.jti]))


async def is_revoked(session: AsyncSession, jti: str) -> bool:
    return await session.get(RevokedToken, jti) is not None


async def revoked_ids(session: AsyncSession, now: datetime) -> list[str]:
    """The jtis of tokens revoked that may still be unexpired (revoked within MAX_TTL)."""
    query = select(RevokedToken.jti).where(RevokedToken.revoked_at > now - MAX_TTL).order_by(RevokedToken.jti)
    return list((await session.scalars(query)).all())
