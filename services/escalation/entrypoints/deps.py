"""Request dependencies of the desk API: the authenticated principal and role checks.

Scripts send `Authorization: Bearer …`; the dashboard sends its session cookie, and for anything but
a read also the session's CSRF token in `X-CSRF-Token`.
"""

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from pidesk.services.escalation.context import EscalationContext
from pidesk.services.escalation.service.accounts import find_session
from pidesk.services.escalation.service.tokens import is_revoked
from pidesk.shared.db.base import utcnow
from pidesk.shared.http.auth import Principal, bearer_principal, require_role
from pidesk.shared.http.errors import ApiError
from pidesk.shared.vocabulary import (
    APPROVERS,
    AUDIT_READERS,
    CLOSERS,
    FACT_KEEPERS,
    LEDGER_KEEPERS,
    RESPONDERS,
    Role,
)

SESSION_COOKIE = "pidesk_desk_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def session_principal(request: Request) -> tuple[Principal, str] | None:
    """(principal, CSRF token) of the request's dashboard session, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with request.app.state.sessions() as session, session.begin():
        found = await find_session(session, token, utcnow())
        if found is None:
            return None
        principal = Principal(name=found.user.name, role=Role(found.user.role), token_id=f"session:{found.user.id}")
        return principal, found.csrf_token


async def current_principal(request: Request) -> Principal:
    """The caller: a bearer token, else a dashboard session (401 without either)."""
    authorization = request.headers.get("authorization")
    signed_in = None if authorization else await session_principal(request)
    if signed_in is None:
        principal = bearer_principal(request)
        async with request.app.state.sessions() as session:
            if await is_revoked(session, principal.token_id):
                raise ApiError(
                    401, "unauthenticated", "the bearer token has been revoked", headers={"WWW-Authenticate": "Bearer"}
                )
        return principal
    principal, csrf = signed_in
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise ApiError(403, "csrf_failed", "the request lacks this session's CSRF token")
    request.state.principal = principal
    return principal


def roles(*allowed: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only `allowed` roles (403 for the others)."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        require_role(principal, frozenset(allowed))
        return principal

    return check


# Any desk role may read; the auditor acts on nothing (the sets: shared/vocabulary.py).
Reader = Annotated[Principal, Depends(current_principal)]
Responder = Annotated[Principal, Depends(roles(*RESPONDERS))]
FactKeeper = Annotated[Principal, Depends(roles(*FACT_KEEPERS))]
Closer = Annotated[Principal, Depends(roles(*CLOSERS))]
Approver = Annotated[Principal, Depends(roles(*APPROVERS))]
AuditReader = Annotated[Principal, Depends(roles(*AUDIT_READERS))]
LedgerKeeper = Annotated[Principal, Depends(roles(*LEDGER_KEEPERS))]


def escalation_context(request: Request) -> EscalationContext:
    """What the app was started with (bootstrap.py sets it), for module-level routers."""
    context: EscalationContext = request.app.state.context
    return context


Ctx = Annotated[EscalationContext, Depends(escalation_context)]
