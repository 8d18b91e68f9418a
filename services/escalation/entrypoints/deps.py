"""Request dependencies of the desk API: the authenticated principal."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request

from pidesk.shared.http.auth import Principal, require_role, verify_token
from pidesk.shared.vocabulary import Role

ALL_ROLES = frozenset(Role)


def principal_dependency(
    secret: str, allowed: frozenset[Role] = ALL_ROLES
) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    async def authenticated(request: Request) -> Principal:
        principal = verify_token(secret, request.headers.get("authorization"))
        require_role(principal, allowed)
        request.state.principal = principal
        return principal

    return authenticated
