"""`GET /v1/tokens/revoked`: the deny-list of bearer tokens, for the notifier (and any other verifier).

A jti alone grants nothing, so the list needs no credentials: the notifier, which holds no key for
escalation's audience, reads it every NOTIFIER_REVOCATION_POLL_SECONDS."""

from __future__ import annotations

from fastapi import APIRouter

from pidesk.services.escalation.entrypoints.deps import Ctx
from pidesk.services.escalation.service.tokens import revoked_ids
from pidesk.services.escalation.views.models import RevokedTokens
from pidesk.shared.db.base import utcnow

router = APIRouter(tags=["tokens"])


@router.get("/v1/tokens/revoked")
async def revoked(ctx: Ctx) -> RevokedTokens:
    return RevokedTokens(revoked=await revoked_ids(ctx.uow(), utcnow()))
