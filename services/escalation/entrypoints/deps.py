"""Request dependencies of the desk API: the authenticated principal and role checks."""

from typing import Annotated

from fastapi import Depends, Request

from pidesk.shared.http.auth import Principal, verify_token


async def current_principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer …` (401 without a valid token)."""
    principal = verify_token(request.app.state.token_secret, request.headers.get("authorization"))
    request.state.principal = principal
    return principal


# Any desk role may read; write endpoints add `require_role` with the roles that may act.
Reader = Annotated[Principal, Depends(current_principal)]
