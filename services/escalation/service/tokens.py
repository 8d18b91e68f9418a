"""The deny-list of revoked bearer tokens (`pidesk token revoke`), in escalation's database.

Escalation refuses a revoked token on every call; the notifier learns the list from
`GET /v1/tokens/revoked` (shared/http/revocation.py). Tokens live at most MAX_TTL, so older entries
no longer matter and are left out of the list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.tokens import RevokedTokens
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork

MAX_TTL = timedelta(days=90)  # pidesk token issue --ttl-days at most


async def revoke(session: AsyncSession, jti: str, now: datetime, reason: str | None = None) -> None:
    """Deny the token `jti` from now on (revoking it again changes nothing)."""
    await RevokedTokens(session).add(jti, now, reason)


async def is_revoked(session: AsyncSession, jti: str) -> bool:
    return await RevokedTokens(session).contains(jti)


async def revoked_ids(uow: EscalationUnitOfWork, now: datetime) -> list[str]:
    """The jtis of tokens revoked that may still be unexpired (revoked within MAX_TTL)."""
    async with uow:
        return await uow.tokens.revoked_since(now - MAX_TTL)
