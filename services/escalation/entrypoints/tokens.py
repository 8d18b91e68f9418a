"""`GET /v1/tokens/revoked`: the deny-list of bearer tokens, for the notifier (and any other verifier).

A jti alone grants nothing, so the list needs no credentials: the notifier, which holds no key for
escalation's audience, reads it every NOTIFIER_REVOCATION_POLL_SECONDS."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.service.tokens import revoked_ids
from pidesk.shared.db.base import utcnow


def tokens_router(context: EscalationContext) -> APIRouter:
    router = APIRouter(tags=["tokens"])

    @router.get("/v1/tokens/revoked")
    async def revoked() -> dict[str, Any]:
        async with context.sessions() as session:
            return {"revoked": await revoked_ids(session, utcnow())}

    return router
