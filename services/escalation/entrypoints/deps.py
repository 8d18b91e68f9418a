"""Request dependencies of the desk API: the authenticated principal and role checks."""

from typing import Annotated

from fastapi import Depends, Request

from pidesk.shared.http.auth import Principal, require_role, verify_token
from pidesk.shared.vocabulary import Role


async def current_principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer …` (401 without a valid token)."""
    principal = verify_token(request.app.state.token_secret, request.headers.get("authorization"))
    request.state.principal = principal
    return principal


def roles(*allowed: Role):  # type: ignore[no-untyped-def]
    """A dependency admitting only `allowed` roles (403 for the others)."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        require_role(principal, frozenset(allowed))
        return principal

    return check


# Any desk role may read; the auditor acts on nothing.
Reader = Annotated[Principal, Depends(current_principal)]
Responder = Annotated[
    Principal, Depends(roles(Role.DESK_OPERATOR, Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR, Role.OFFICER))
]
FactKeeper = Annotated[Principal, Depends(roles(Role.DESK_OPERATOR, Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR))]
Closer = Annotated[Principal, Depends(roles(Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR, Role.OFFICER))]
Approver = Annotated[Principal, Depends(roles(Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR))]
AuditReader = Annotated[Principal, Depends(roles(Role.AUDITOR, Role.OFFICER, Role.PI_ADMINISTRATOR))]
